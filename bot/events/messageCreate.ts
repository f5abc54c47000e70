import { Events } from 'discord.js';
import { checkMessage } from '../actions/checkMessage';
import { defineEvent } from './types';

export const messageCreate = defineEvent({
  name: Events.MessageCreate,
  async execute(ctx, message) {
    await checkMessage(ctx, message);
  },
});
