import type { ClientEvents } from 'discord.js';
import type { BotContext } from '../context';

/** One gateway event the bot listens to; the handler turns Discord objects into bot calls. */
export interface BotEvent<K extends keyof ClientEvents = keyof ClientEvents> {
  name: K;
  once?: boolean;
  execute(ctx: BotContext, ...args: ClientEvents[K]): Promise<void> | void;
}

export function defineEvent<K extends keyof ClientEvents>(e: BotEvent<K>): BotEvent<K> {
  return e;
}
