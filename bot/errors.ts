/**
 * Error codes to the text a moderator reads. The message says what happened and what to do,
 * never a URL, a hash or a key.
 */
import { DiscordAPIError } from 'discord.js';
import { isVeilError } from '../shared/errors';
import type { VeilErrorCode } from '../shared/errors';

const TEXT: Partial<Record<VeilErrorCode, string>> = {
  'registry/unreachable': 'The registry could not be reached. Try again in a few minutes.',
  'registry/bad-response': 'The registry answered with an error. Try again later.',
  'registry/unauthorized': "The registry refused the bot's reporter key (VEIL_REGISTRY_KEY): ask the bot's operator.",
  'registry/forbidden': "The bot's reporter key is not allowed to do that: ask the bot's operator.",
  'registry/rate-limited': 'The registry asked the bot to slow down. Try again in a minute.',
  'registry/too-many-hashes': 'Too many images at once for the registry.',
  'download/too-large': 'The image is larger than the size limit, so it was not checked.',
  'download/timeout': 'Downloading the image took too long.',
  'download/failed': 'The image could not be downloaded from Discord.',
  'download/not-image': 'The file is not an image.',
  'download/refused-url': 'The image is not on Discord, so it was not fetched.',
  'image/corrupt': 'The image is damaged and could not be read.',
  'image/unsupported-format': 'The image format is not supported.',
  'image/too-many-pixels': 'The image is too large to check.',
  'image/too-small': 'The image is too small to check.',
  'image/empty': 'The file is empty.',
};

export function moderatorText(err: unknown): string {
  if (isVeilError(err)) return TEXT[err.code] ?? 'Something went wrong; it has been logged.';
  if (err instanceof DiscordAPIError && (err.code === 50013 || err.code === 50001)) return 'I lack a permission for that. `/veil status` lists what is missing.';
  return 'Something went wrong; it has been logged.';
}
