import type { LumaImage } from '../image/types';
import { VeilError } from '../errors';
import { HASH_BYTES } from './types';
import { computeJaroszFilterWindowSize, createJaroszScratch, jaroszFilterDecimate64, type JaroszScratch } from './pdq-downscale';
import { dct16Dihedral, dct64To16, pdqBuffer16x16ToBits, pdqImageDomainQualityMetric } from './pdq-dct';

/**
 * PDQ, Meta's 256-bit perceptual photo hash (pdqhash-2017-10-09.pdf; reference implementation
 * facebook/ThreatExchange pdq/cpp), written here from the published algorithm:
 *
 *   luma (shared/image/canonical: fillFloatLumaFromRGB)
 *   → jaroszFilterFloat + decimateFloat to 64x64  (pdq-downscale.ts)
 *   → pdqImageDomainQualityMetric                 (pdq-dct.ts)
 *   → dct64To16 → pdqBuffer16x16ToBits (Torben median)
 *
 * Every step rounds to float32 where the reference's `float`s do, so identical luma gives the
 * reference's bits exactly. Unlike pdq-photo-hasher, which first squashes any image over 512 px
 * to 512x512 with nearest-neighbour sampling (pdqio.cpp, for speed), this hashes the canonical
 * luma at full resolution; that costs at most a few bits against the published hashes of large
 * images and keeps the aspect ratio and every pixel in the filter.
 */

/** Below this many rows or columns the reference returns an all-zero hash of quality 0. */
export const MIN_HASHABLE_DIM = 5;

/** Two X-then-Y box passes: a tent filter (the reference's PDQ_NUM_JAROSZ_XY_PASSES). */
export const PDQ_NUM_JAROSZ_XY_PASSES = 2;

/** Reusable buffers for one hashing at a time; a batch passes the same scratch to every call. */
export interface PdqScratch {
  jarosz: JaroszScratch;
  /** 64 x 64 downsampled luma. */
  buffer64x64: Float32Array;
  /** 16 x 64 intermediate D·A of the DCT. */
  buffer16x64: Float32Array;
  /** 16 x 16 DCT coefficients of the image as given. */
  buffer16x16: Float32Array;
  /** 16 x 16 DCT coefficients of one dihedral variant. */
  buffer16x16Aux: Float32Array;
}

export function createPdqScratch(): PdqScratch {
  return {
    jarosz: createJaroszScratch(),
    buffer64x64: new Float32Array(64 * 64),
    buffer16x64: new Float32Array(16 * 64),
    buffer16x16: new Float32Array(16 * 16),
    buffer16x16Aux: new Float32Array(16 * 16),
  };
}

export interface PdqResult {
  /** 32 bytes, byte 0 = the first two hex digits pdq-photo-hasher prints. */
  hash: Uint8Array;
  /** 0..100; below 50 the hash must not be used to match (shared/hash/gates). */
  quality: number;
}

export interface PdqDihedralResult {
  /** Eight hashes in DIHEDRAL_NAMES order; hashes[0] is the image as given. */
  hashes: Uint8Array[];
  quality: number;
}

/** True when the image is large enough to hash (both sides at least MIN_HASHABLE_DIM). */
export function isPdqHashable(img: LumaImage): boolean {
  return img.width >= MIN_HASHABLE_DIM && img.height >= MIN_HASHABLE_DIM;
}

/**
 * Downsample, measure quality and take the DCT, leaving the 16x16 coefficients in
 * scratch.buffer16x16 (reference: pdqFloat256FromFloatLuma). Returns the quality. A 64x64 image
 * is used as is, without filtering, as the reference's single-hash path does (its dihedral path
 * runs a box of width 1 over it instead, which differs only by float rounding). The image must
 * be hashable.
 */
export function pdqFloat256FromLuma(img: LumaImage, scratch: PdqScratch): number {
  const { width, height, luma } = img;
  if (luma.length < width * height) {
    throw new VeilError('internal', `Luma buffer holds ${luma.length} values, expected ${width * height}.`);
  }
  if (width === 64 && height === 64) {
    scratch.buffer64x64.set(luma.subarray(0, 64 * 64));
  } else {
    jaroszFilterDecimate64(
      luma,
      height,
      width,
      computeJaroszFilterWindowSize(width, 64),
      computeJaroszFilterWindowSize(height, 64),
      scratch.buffer64x64,
      scratch.jarosz,
    );
  }
  const quality = pdqImageDomainQualityMetric(scratch.buffer64x64);
  dct64To16(scratch.buffer64x64, scratch.buffer16x64, scratch.buffer16x16);
  return quality;
}

/** PDQ of a canonical luma image. Images under MIN_HASHABLE_DIM give zeros and quality 0. */
export function pdqFromLuma(img: LumaImage, scratch: PdqScratch = createPdqScratch()): PdqResult {
  const hash = new Uint8Array(HASH_BYTES);
  if (!isPdqHashable(img)) return { hash, quality: 0 };
  const quality = pdqFloat256FromLuma(img, scratch);
  pdqBuffer16x16ToBits(scratch.buffer16x16, hash);
  return { hash, quality };
}

/**
 * PDQ of the image and of its seven rotations and flips, from one DCT (DIHEDRAL_DCT_RULES): a
 * rotated or mirrored copy of a registered photo is found by querying these eight hashes.
 * Each variant's bits use its own median, as the reference does.
 */
export function pdqDihedralFromLuma(img: LumaImage, scratch: PdqScratch = createPdqScratch()): PdqDihedralResult {
  const hashes: Uint8Array[] = [];
  for (let v = 0; v < 8; v++) hashes.push(new Uint8Array(HASH_BYTES));
  if (!isPdqHashable(img)) return { hashes, quality: 0 };
  const quality = pdqFloat256FromLuma(img, scratch);
  pdqBuffer16x16ToBits(scratch.buffer16x16, hashes[0]);
  for (let v = 1; v < 8; v++) {
    dct16Dihedral(scratch.buffer16x16, v, scratch.buffer16x16Aux);
    pdqBuffer16x16ToBits(scratch.buffer16x16Aux, hashes[v]);
  }
  return { hashes, quality };
}

export { computeJaroszFilterWindowSize, box1DFloat, jaroszFilterFloat, decimateFloat, decimationIndex, jaroszFilterDecimate64 } from './pdq-downscale';
export { DCT_MATRIX_16x64, DIHEDRAL_DCT_RULES, dct16Dihedral, dct64To16, pdqBuffer16x16ToBits, pdqImageDomainQualityMetric, torben } from './pdq-dct';
