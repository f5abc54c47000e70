import type { ImageHashes } from '../hash/types';
import type { ListedHash, ListName } from './types';

/**
 * The listed entries of one registered photo, for holders that register photos themselves (the
 * CLI's `veil scan`, the evaluation): its PDQ and blockhash under one id (so blockhash hits can
 * be corroborated by the PDQ), the PDQs of its mirrored images (ImageHashes.pdqFlips) and of
 * its crops (ImageHashes.crops, kind 'pdq-crop') under ids of their own. Ids: photo p owns
 * PHOTO_ID_STRIDE * p ... PHOTO_ID_STRIDE * (p + 1) - 1 (flips at +1..+3, crops from +4).
 */
export const PHOTO_ID_STRIDE = 64;
const FIRST_CROP_ID = 4;

export function photoEntries(photo: number, hashes: ImageHashes, list: ListName): ListedHash[] {
  const base = photo * PHOTO_ID_STRIDE;
  const entries: ListedHash[] = [
    { id: base, kind: 'pdq', hash: hashes.pdq, quality: hashes.quality, list },
    { id: base, kind: 'blockhash', hash: hashes.blockhash, list },
  ];
  (hashes.pdqFlips ?? []).forEach((hash, i) => entries.push({ id: base + 1 + i, kind: 'pdq', hash, quality: hashes.quality, list }));
  const crops = (hashes.crops ?? []).slice(0, PHOTO_ID_STRIDE - FIRST_CROP_ID);
  crops.forEach((c, i) => entries.push({ id: base + FIRST_CROP_ID + i, kind: 'pdq-crop', hash: c.hash, quality: c.quality, list }));
  return entries;
}

/** The photo an entry id from photoEntries belongs to. */
export function photoOfEntry(id: number): number {
  return Math.floor(id / PHOTO_ID_STRIDE);
}
