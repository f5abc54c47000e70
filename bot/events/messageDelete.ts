import { Events } from 'discord.js';
import { defineEvent } from './types';

export const messageDelete = defineEvent({
  name: Events.MessageDelete,
  execute(ctx, message) {
    ctx.seen.forget(message.id);
  },
});
