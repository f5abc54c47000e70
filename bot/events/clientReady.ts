import { Events } from 'discord.js';
import { commandDefinitions } from '../commands';
import { errorCode } from '../log';
import { defineEvent } from './types';

/**
 * Registers the commands (one bulk overwrite, so removed commands disappear too) from the first
 * shard only: every shard would otherwise send the same request.
 */
export const clientReady = defineEvent({
  name: Events.ClientReady,
  once: true,
  async execute(ctx, client) {
    ctx.log.info('ready', { user: client.user.id, guilds: client.guilds.cache.size, shards: client.shard?.ids.join(',') ?? '0' });
    if (!ctx.registerCommands || (client.shard && !client.shard.ids.includes(0))) return;
    try {
      if (ctx.commandGuildId) await client.application.commands.set(commandDefinitions(), ctx.commandGuildId);
      else await client.application.commands.set(commandDefinitions());
      ctx.log.info('commands.registered', { scope: ctx.commandGuildId ? 'guild' : 'global' });
    } catch (err) {
      ctx.log.error('commands.register-failed', { code: errorCode(err) });
    }
  },
});
