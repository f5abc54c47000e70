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

export const FLIP_NAMES = ['mirror', 'upside-down', 'both'] as const;

/** Everything hashed from one image. */
export interface ImageHashes {
  /** PDQ of the image as it is. */
  pdq: Uint8Array;
  /** PDQ quality, 0..100; below 50 the PDQ must not be used to match. */
  quality: number;
  /** The eight dihedral PDQs in DIHEDRAL_NAMES order (index 0 equals `pdq`). */
  pdqDihedral: Uint8Array[];
  blockhash: Uint8Array;
  /**
   * Registration only (computeImageHashes with `flips`): the PDQ of the image actually mirrored
   * left-right, upside down, and both (FLIP_NAMES order). PDQ's filter is not mirror-symmetric,
   * so a mirrored copy's own PDQ can sit 10 to 40 bits from the variant derived from the DCT;
   * listing these makes every rotation and flip of the photo land within a few bits of a listed
   * hash through the query's DCT variants (docs/evaluation.md).
   */
  pdqFlips?: Uint8Array[];
  /**
   * Queries only: the hashes of the photo inside a uniform border or letterbox
   * (shared/image/trim.ts findContentRect), absent when there is none. The matcher tries them as
   * a second view of the image; registration never lists them.
   */
  trimmed?: ImageHashes;
  /** Dimensions of the decoded, orientation-corrected image. */
  width: number;
  height: number;
}
