/** The static event list: every gateway event the bot handles. */
import { clientReady } from './clientReady';
import { clientError, guildCreate, shardDisconnect, shardError, shardResume } from './gateway';
import { interactionCreate } from './interactionCreate';
import { messageCreate } from './messageCreate';
import { messageDelete } from './messageDelete';
import { messageUpdate } from './messageUpdate';
import type { BotEvent } from './types';

export const EVENTS = [clientReady, messageCreate, messageUpdate, messageDelete, interactionCreate, shardDisconnect, shardResume, shardError, clientError, guildCreate] as unknown as readonly BotEvent[];
