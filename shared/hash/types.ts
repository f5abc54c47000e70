/**
 * Hash kinds Veil computes. Every hash is 256 bits, held as a Uint8Array(32) at API boundaries
 * (big-endian bit order as the hex is written: byte 0 is the first two hex digits).
 */
export type HashKind = 'pdq' | 'blockhash';

export const HASH_KINDS: readonly HashKind[] = ['pdq', 'blockhash'];

export const HASH_BYTES = 32;
export const HASH_BITS = 256;

/**
 * Reference order of PDQ's eight dihedral variants (as pdq-photo-hasher prints them):
 * original, rotate 90, rotate 180, rotate 270, flip X, flip Y, flip about the main diagonal (+1),
 * flip about the anti-diagonal (-1).
 */
export const DIHEDRAL_NAMES = ['original', 'rot90', 'rot180', 'rot270', 'flipx', 'flipy', 'flip_plus1', 'flip_minus1'] as const;
export type DihedralName = (typeof DIHEDRAL_NAMES)[number];

/** Everything hashed from one image. */
export interface ImageHashes {
  /** PDQ of the image as it is. */
  pdq: Uint8Array;
  /** PDQ quality, 0..100; below 50 the PDQ must not be used to match. */
  quality: number;
  /** The eight dihedral PDQs in DIHEDRAL_NAMES order (index 0 equals `pdq`). */
  pdqDihedral: Uint8Array[];
  blockhash: Uint8Array;
  /** Dimensions of the decoded, orientation-corrected image. */
  width: number;
  height: number;
}
