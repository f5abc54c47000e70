import { VeilError } from '../errors';
import { HASH_BYTES } from '../hash/types';

/**
 * Hamming distance between 256-bit hashes, computed on 32-bit words.
 *
 * Word layout (fixed, used by the index and by every caller that passes words):
 * a Uint8Array(32) hash is read as 8 uint32 words, word i = bytes 4i..4i+3 in big-endian order,
 * so word i printed as 8 hex digits equals hex digits 8i..8i+7 of the hash as written
 * (byte 0 is the most significant byte of word 0). Inside the index an entry is 8 consecutive
 * words of a Uint32Array ("stride 8"): entry e occupies slots [8e, 8e + 8).
 */

export const HASH_WORDS = 8;

/** Bits set in a 32-bit value (SWAR popcount: pairs, nibbles, then one multiply to sum bytes). */
export function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return (Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Bits set in each 16-bit value; the index filters 16-bit remainders with one lookup. */
export const POPCOUNT16: Uint8Array = (() => {
  const table = new Uint8Array(1 << 16);
  for (let i = 1; i < table.length; i++) table[i] = table[i >>> 1] + (i & 1);
  return table;
})();

function checkLength(hash: Uint8Array): void {
  if (hash.length !== HASH_BYTES) {
    throw new VeilError('hash/bad-length', `Got ${hash.length} bytes.`);
  }
}

/** Writes the 8 words of a 32-byte hash into `out` at `offset` (stride-8 layout above). */
export function hashToWords(hash: Uint8Array, out: Uint32Array = new Uint32Array(HASH_WORDS), offset = 0): Uint32Array {
  checkLength(hash);
  for (let i = 0; i < HASH_WORDS; i++) {
    const b = i * 4;
    out[offset + i] = ((hash[b] << 24) | (hash[b + 1] << 16) | (hash[b + 2] << 8) | hash[b + 3]) >>> 0;
  }
  return out;
}

/** The inverse of hashToWords: the 32 bytes of the entry stored at `words[offset .. offset + 8)`. */
export function wordsToHash(words: Uint32Array, offset = 0, out: Uint8Array = new Uint8Array(HASH_BYTES)): Uint8Array {
  for (let i = 0; i < HASH_WORDS; i++) {
    const w = words[offset + i];
    const b = i * 4;
    out[b] = w >>> 24;
    out[b + 1] = (w >>> 16) & 0xff;
    out[b + 2] = (w >>> 8) & 0xff;
    out[b + 3] = w & 0xff;
  }
  return out;
}

/** Distance between two 32-byte hashes (throws VeilError 'hash/bad-length' for any other length). */
export function hammingDistance(a: Uint8Array, b: Uint8Array): number {
  checkLength(a);
  checkLength(b);
  let d = 0;
  for (let i = 0; i < HASH_BYTES; i += 4) {
    const x = ((a[i] ^ b[i]) << 24) | ((a[i + 1] ^ b[i + 1]) << 16) | ((a[i + 2] ^ b[i + 2]) << 8) | (a[i + 3] ^ b[i + 3]);
    d += popcount32(x);
  }
  return d;
}

/** Distance between the entries at word offsets `ao` of `a` and `bo` of `b` (8 words each). */
export function hammingDistanceWords(a: Uint32Array, ao: number, b: Uint32Array, bo: number): number {
  return (
    popcount32(a[ao] ^ b[bo]) +
    popcount32(a[ao + 1] ^ b[bo + 1]) +
    popcount32(a[ao + 2] ^ b[bo + 2]) +
    popcount32(a[ao + 3] ^ b[bo + 3]) +
    popcount32(a[ao + 4] ^ b[bo + 4]) +
    popcount32(a[ao + 5] ^ b[bo + 5]) +
    popcount32(a[ao + 6] ^ b[bo + 6]) +
    popcount32(a[ao + 7] ^ b[bo + 7])
  );
}

/** Distance between a query's 8 words and entry `entry` of a stride-8 store. */
export function distanceToEntry(query: Uint32Array, store: Uint32Array, entry: number): number {
  return hammingDistanceWords(query, 0, store, entry * HASH_WORDS);
}
