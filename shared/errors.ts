/**
 * One error type for all of Veil. Callers branch on `code`; each part maps codes to its own
 * surface (HTTP status in the registry, moderator text in the bot, i18n key in the extension).
 * Messages never contain pixels, image URLs, secrets or full hashes.
 */
export type VeilErrorCode =
  // input images
  | 'image/empty'
  | 'image/too-large-bytes'
  | 'image/too-many-pixels'
  | 'image/too-small'
  | 'image/unsupported-format'
  | 'image/corrupt'
  | 'image/animated'
  // hashes
  | 'hash/bad-length'
  | 'hash/bad-hex'
  | 'hash/low-quality'
  | 'hash/degenerate'
  // lists and signatures
  | 'list/bad-format'
  | 'list/bad-signature'
  | 'list/wrong-list'
  | 'list/stale'
  | 'list/unknown-key'
  | 'list/gap'
  // registry service and its clients
  | 'registry/unreachable'
  | 'registry/bad-response'
  | 'registry/image-data'
  | 'registry/too-many-hashes'
  | 'registry/unauthorized'
  | 'registry/forbidden'
  | 'registry/rate-limited'
  | 'registry/not-found'
  | 'registry/conflict'
  // the Discord bot: configuration, downloads of attachments
  | 'config/invalid'
  | 'download/refused-url'
  | 'download/too-large'
  | 'download/timeout'
  | 'download/failed'
  | 'download/not-image'
  // the matching index
  | 'match/bad-id'
  | 'match/bad-radius'
  // everything else
  | 'io/read-failed'
  | 'internal';

const MESSAGES: Record<VeilErrorCode, string> = {
  'image/empty': 'The file is empty.',
  'image/too-large-bytes': 'The file is larger than the size limit.',
  'image/too-many-pixels': 'The image has more pixels than the limit (possible decompression bomb).',
  'image/too-small': 'The image is too small to hash reliably.',
  'image/unsupported-format': 'The file is not an image in a supported format.',
  'image/corrupt': 'The image is corrupt or truncated and could not be decoded.',
  'image/animated': 'Animated images are not supported.',
  'hash/bad-length': 'A hash must be 256 bits (32 bytes, 64 hex digits).',
  'hash/bad-hex': 'A hash must be written as 64 hexadecimal digits.',
  'hash/low-quality': 'The hash quality is too low to match on (flat or featureless image).',
  'hash/degenerate': 'The hash is degenerate (nearly all bits equal) and would match unrelated images.',
  'list/bad-format': 'The list file is malformed or truncated.',
  'list/bad-signature': 'The list signature does not verify against the pinned key.',
  'list/wrong-list': 'The list file is for a different list than the one requested.',
  'list/stale': 'The list file is older than the copy already held.',
  'list/unknown-key': 'The list file is signed by a key that is not pinned.',
  'list/gap': 'The delta does not reach back to the copy held; a full snapshot is needed.',
  'registry/unreachable': 'The registry could not be reached.',
  'registry/bad-response': 'The registry sent an unexpected response.',
  'registry/image-data':
    'Only hashes are accepted, never image data. Hash the photo on your own device (`veil submit` does this) and send the hashes.',
  'registry/too-many-hashes': 'Too many hashes in one request.',
  'registry/unauthorized': 'Missing or invalid credentials.',
  'registry/forbidden': 'These credentials do not allow this action.',
  'registry/rate-limited': 'Too many requests; retry later.',
  'registry/not-found': 'Not found.',
  'registry/conflict': 'The request conflicts with the current state.',
  'config/invalid': 'The configuration is invalid.',
  'download/refused-url': 'The image is not on a Discord CDN host, so it was not fetched.',
  'download/too-large': 'The download is larger than the size limit.',
  'download/timeout': 'The download took longer than the time limit.',
  'download/failed': 'The download failed.',
  'download/not-image': 'The download is not an image (content type).',
  'match/bad-id': 'An index entry id must be an integer from 0 to 4294967295.',
  'match/bad-radius': 'The search radius must be an integer from 0 up to the index maximum.',
  'io/read-failed': 'The file could not be read.',
  internal: 'Internal error.',
};

export class VeilError extends Error {
  readonly code: VeilErrorCode;

  constructor(code: VeilErrorCode, detail?: string, options?: { cause?: unknown }) {
    super(detail ? `${MESSAGES[code]} ${detail}` : MESSAGES[code], options);
    this.name = 'VeilError';
    this.code = code;
  }
}

export function isVeilError(err: unknown, code?: VeilErrorCode): err is VeilError {
  return err instanceof VeilError && (code === undefined || err.code === code);
}

export function veilErrorMessage(code: VeilErrorCode): string {
  return MESSAGES[code];
}
