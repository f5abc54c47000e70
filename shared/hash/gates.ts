import type { HashKind } from './types';
import { HASH_BITS, isPdqKind } from './types';

/**
 * Which hashes may be used to match. A hash that fails here is never indexed and never queried:
 * a flat or tiny image gives a PDQ of low quality, and a hash with nearly all bits equal sits
 * close to many unrelated hashes, so either would hide innocent photos.
 */

/** PDQ's own rule (pdq/README: quality below 50 should not be used for matching). */
export const MIN_PDQ_QUALITY = 50;

/**
 * Median-thresholded hashes (PDQ, blockhash) set about half their bits; a photo with real
 * content stays well inside this band. Fewer than 1/8 of the bits on (or off) means the
 * image was nearly uniform, and such hashes cluster together.
 */
export const MIN_BITS_SET = HASH_BITS / 8;
export const MAX_BITS_SET = HASH_BITS - MIN_BITS_SET;

export type HashUsability =
  | { usable: true }
  | { usable: false; code: 'hash/low-quality' | 'hash/degenerate'; reason: string };

export function countBitsSet(hash: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < hash.length; i++) {
    let b = hash[i];
    b = b - ((b >> 1) & 0x55);
    b = (b & 0x33) + ((b >> 2) & 0x33);
    n += (b + (b >> 4)) & 0x0f;
  }
  return n;
}

export function checkHashUsable(kind: HashKind, hash: Uint8Array, quality?: number): HashUsability {
  if (isPdqKind(kind) && (quality === undefined || quality < MIN_PDQ_QUALITY)) {
    return {
      usable: false,
      code: 'hash/low-quality',
      reason: `PDQ quality ${quality ?? 'unknown'} is below ${MIN_PDQ_QUALITY}.`,
    };
  }
  const bits = countBitsSet(hash);
  if (bits < MIN_BITS_SET || bits > MAX_BITS_SET) {
    return {
      usable: false,
      code: 'hash/degenerate',
      reason: `${bits} of ${HASH_BITS} bits are set; a usable hash has between ${MIN_BITS_SET} and ${MAX_BITS_SET}.`,
    };
  }
  return { usable: true };
}
