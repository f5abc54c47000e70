/**
 * Hash kinds Veil computes. Every hash is 256 bits, held as a Uint8Array(32) at API boundaries
 * (big-endian bit order as the hex is written: byte 0 is the first two hex digits).
 */
export type HashKind = 'pdq' | 'blockhash' | 'pdq-crop';

/**
 * 'pdq-crop': the crop hash (shared/hash/cropPdq.ts: PDQ's DCT and bits over box means of a
 * rectangle), listed for a registered photo and a ladder of its crops (shared/image/cropViews.ts)
 * so that cropped copies are found; a query's own crop hash and its views' are matched against
 * them. It has its own threshold in the match policy; a client that does not know it skips it.
 */
export const HASH_KINDS: readonly HashKind[] = ['pdq', 'blockhash', 'pdq-crop'];

/** Kinds whose hashes are PDQs (quality, gates, dihedral variants). */
export function isPdqKind(kind: HashKind): boolean {
  return kind !== 'blockhash';
}

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
   * The crop hash of the whole image (shared/hash/cropPdq.ts, kind 'pdq-crop'): its eight
   * dihedral variants and quality. Absent where only PDQ and blockhash were taken.
   */
  cropHash?: { hashes: Uint8Array[]; quality: number };
  /**
   * Registration only: the crop hashes the photo is listed under (the whole photo and its crops,
   * shared/image/cropViews.ts registrationCropViews), those that pass the gates, each once.
   */
  crops?: CropHash[];
  /**
   * Queries only: hashes of other views of the same image, which the matcher tries after the
   * image as received: the photo inside a frame or caption, inside a screenshot, a collage's
   * cells, a small rotation undone, and slightly smaller crops (QueryView). Each view's hashes
   * carry no views of their own.
   */
  views?: QueryView[];
  /** Dimensions of the decoded, orientation-corrected image. */
  width: number;
  height: number;
}

export interface CropHash {
  hash: Uint8Array;
  quality: number;
}

/**
 * Why a query view was hashed: `trimmed` the photo inside a uniform border or letterbox,
 * `caption` without a caption band, `screenshot` the picture inside app UI, `collage` one cell,
 * `deskewed` a small rotation undone, `crop` a slightly smaller crop (cropViews.ts).
 */
export type ViewName = 'trimmed' | 'caption' | 'screenshot' | 'collage' | 'deskewed' | 'crop';

/** One view of a query. A `crop` view carries only its crop hash (empty pdq and blockhash). */
export interface QueryView {
  name: ViewName;
  hashes: ImageHashes;
}
