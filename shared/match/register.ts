import type { ImageHashes } from '../hash/types';
import type { ListedHash, ListName } from './types';

/**
 * The listed entries of one registered photo, for holders that register photos themselves (the
 * CLI's `veil scan`, the evaluation): its PDQ and blockhash under one id (so blockhash hits can
 * be corroborated by the PDQ), and the PDQs of its mirrored images (ImageHashes.pdqFlips) under
 * ids of their own. Ids: photo p owns PHOTO_ID_STRIDE * p ... PHOTO_ID_STRIDE * p + 3.
 */
export const PHOTO_ID_STRIDE = 4;

export function photoEntries(photo: number, hashes: ImageHashes, list: ListName): ListedHash[] {
  const base = photo * PHOTO_ID_STRIDE;
  const entries: ListedHash[] = [
    { id: base, kind: 'pdq', hash: hashes.pdq, quality: hashes.quality, list },
    { id: base, kind: 'blockhash', hash: hashes.blockhash, list },
  ];
  (hashes.pdqFlips ?? []).forEach((hash, i) => entries.push({ id: base + 1 + i, kind: 'pdq', hash, quality: hashes.quality, list }));
  return entries;
}

/** The photo an entry id from photoEntries belongs to. */
export function photoOfEntry(id: number): number {
  return Math.floor(id / PHOTO_ID_STRIDE);
}
