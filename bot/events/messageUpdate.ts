import { Events } from 'discord.js';
import { checkMessage } from '../actions/checkMessage';
import { defineEvent } from './types';

/** Edits and late link previews: only images not checked before are fetched (SeenImages). */
export const messageUpdate = defineEvent({
  name: Events.MessageUpdate,
  async execute(ctx, _old, message) {
    await checkMessage(ctx, message);
  },
});
