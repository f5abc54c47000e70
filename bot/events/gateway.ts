import { Events } from 'discord.js';
import { errorCode } from '../log';
import { defineEvent } from './types';

/** Connection events, logged so an operator can see disconnects and resumes. */
export const shardDisconnect = defineEvent({
  name: Events.ShardDisconnect,
  execute(ctx, event, shard) {
    ctx.log.warn('gateway.disconnected', { shard, code: event.code });
  },
});

export const shardResume = defineEvent({
  name: Events.ShardResume,
  execute(ctx, shard, replayed) {
    ctx.log.info('gateway.resumed', { shard, replayed });
  },
});

export const shardError = defineEvent({
  name: Events.ShardError,
  execute(ctx, error, shard) {
    ctx.log.warn('gateway.error', { shard, code: errorCode(error) });
  },
});

export const clientError = defineEvent({
  name: Events.Error,
  execute(ctx, error) {
    ctx.log.error('client.error', { code: errorCode(error) });
  },
});

export const guildCreate = defineEvent({
  name: Events.GuildCreate,
  execute(ctx, guild) {
    ctx.log.info('guild.available', { guild: guild.id });
  },
});
