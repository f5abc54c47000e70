/**
 * What commands, events and actions share: built once by createBot and passed down, so nothing
 * reaches for globals and tests can build a bot with their own pieces.
 */
import type { Client } from 'discord.js';
import type { ListService } from './lists';
import type { BotLogger } from './log';
import type { Reporter } from './report';
import type { Scanner } from './scan/scanner';
import type { BotStore } from './store';

export interface BotContext {
  client: Client;
  store: BotStore;
  scanner: Scanner;
  lists: ListService;
  /** null when no reporter key is configured. */
  reporter: Reporter | null;
  log: BotLogger;
  seen: SeenImages;
  /** Register the slash commands on ready (the first shard does it). */
  registerCommands: boolean;
  /** Register on this server only (development) instead of globally. */
  commandGuildId: string | null;
}

/**
 * Which images of recent messages were already checked, so that an edit or a late link preview
 * checks only what is new. Bounded: the oldest messages are forgotten first (Map keeps order).
 */
export class SeenImages {
  readonly #byMessage = new Map<string, Set<string>>();
  constructor(readonly capacity = 20_000) {}

  get(messageId: string): ReadonlySet<string> {
    return this.#byMessage.get(messageId) ?? new Set();
  }

  add(messageId: string, keys: Iterable<string>): void {
    const set = this.#byMessage.get(messageId) ?? new Set<string>();
    for (const k of keys) set.add(k);
    this.#byMessage.delete(messageId);
    this.#byMessage.set(messageId, set);
    if (this.#byMessage.size > this.capacity) this.#byMessage.delete(this.#byMessage.keys().next().value!);
  }

  forget(messageId: string): void {
    this.#byMessage.delete(messageId);
  }
}
