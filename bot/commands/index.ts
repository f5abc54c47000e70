/**
 * The static command list: every command the bot registers and answers. Add a command here
 * (no folder scanning, so the list is checked by the compiler and visible in one place).
 */
import type { RESTPostAPIApplicationCommandsJSONBody } from 'discord.js';
import { reportLeakedPhoto } from './report';
import type { ButtonHandler, Command } from './types';
import { veil } from './veil';
import { reviewHandler } from '../components/review';

export const COMMANDS: readonly Command[] = [veil, reportLeakedPhoto];

export const BUTTONS: readonly ButtonHandler[] = [reviewHandler];

/** The JSON Discord's bulk-overwrite endpoint takes. */
export function commandDefinitions(): RESTPostAPIApplicationCommandsJSONBody[] {
  return COMMANDS.map((c) => c.data.toJSON());
}

export function findCommand(name: string, kind: Command['kind']): Command | undefined {
  return COMMANDS.find((c) => c.data.name === name && c.kind === kind);
}
