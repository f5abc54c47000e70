import type { LumaImage, RgbaImage } from '../image/types';
import { hashInputLuma, PDQ_FRONT_END_DIMS, type Flip } from '../image/canonical';
import { copyRect, findContentRect } from '../image/trim';
import type { ImageHashes } from './types';
import { createPdqScratch, pdqDihedralFromLuma, pdqFromLuma, type PdqScratch } from './pdq';
import { blockhashFromLuma, createBlockhashScratch, type BlockhashScratch } from './blockhash';

/**
 * Every hash Veil takes of one image, from one canonical luma image. The extension, the bot, the
 * registry's tools and the CLI all call these, so one file gets one set of hashes everywhere.
 * Usability (quality, degenerate bits) is judged separately by gates.ts.
 */

/** Buffers reused across a batch: pass one scratch to every call and a batch allocates little. */
export interface HashScratch {
  pdq: PdqScratch;
  blockhash: BlockhashScratch;
  /** Canonical luma of the last RGBA image (computeHashesFromRgba); grown on demand. */
  luma: Float32Array;
  /** A flipped copy of the luma (registration hashes only); grown on demand. */
  flipped: Float32Array;
  /** The PDQ front end's resampled pixels (hashInputLuma), zeroed after each use. */
  frontEnd: Uint8Array;
  /** RGBA of the content rectangle inside a frame (ImageHashes.trimmed); grown on demand, zeroed after each use. */
  trimmed: Uint8Array;
}

export interface HashOptions {
  /** Also hash the mirrored images (ImageHashes.pdqFlips): for registering a photo, not for queries. */
  flips?: boolean;
  /**
   * Also hash the photo inside a uniform border or letterbox when there is one
   * (ImageHashes.trimmed, shared/image/trim.ts). Default: on for queries, off with `flips`:
   * registration lists the photo as it is submitted.
   */
  trim?: boolean;
}

export function createHashScratch(): HashScratch {
  return { pdq: createPdqScratch(), blockhash: createBlockhashScratch(), luma: new Float32Array(0),
    flipped: new Float32Array(0),
    frontEnd: new Uint8Array(PDQ_FRONT_END_DIMS * PDQ_FRONT_END_DIMS * 4),
    trimmed: new Uint8Array(0),
  };
}

/**
 * PDQ (with quality and the eight dihedral variants) and blockhash of a canonical luma image.
 * width and height are the luma image's, which are the decoded image's unless lumaFromRgba
 * reduced a very large image; use computeHashesFromRgba to report the decoded size.
 */
export function computeImageHashes(img: LumaImage, scratch: HashScratch = createHashScratch()): ImageHashes {
  const { hashes, quality } = pdqDihedralFromLuma(img, scratch.pdq);
  return {
    pdq: hashes[0],
    quality,
    pdqDihedral: hashes,
    blockhash: blockhashFromLuma(img, scratch.blockhash),
    width: img.width,
    height: img.height,
  };
}

const FLIPS: readonly Flip[] = [
  { x: true, y: false },
  { x: false, y: true },
  { x: true, y: true },
];

/**
 * PDQ of the image mirrored left-right, upside down, and both (FLIP_NAMES order), each through
 * the same front end as a copy that arrived mirrored, so they equal that copy's own PDQ.
 */
export function pdqOfFlips(img: RgbaImage, scratch: HashScratch = createHashScratch()): Uint8Array[] {
  return FLIPS.map((flip) => {
    const luma = hashInputLuma(img, scratch.flipped, scratch.frontEnd, flip);
    if (luma.luma.buffer !== scratch.flipped.buffer) scratch.flipped = luma.luma;
    return pdqFromLuma(luma, scratch.pdq).hash;
  });
}

/**
 * Hashes of decoded RGBA (EXIF orientation already applied): PDQ's reference front end (images
 * over 512 px resampled to 512 x 512, see hashInputLuma), luma with alpha onto white, then
 * computeImageHashes. width and
 * height are the decoded image's. The luma lives in the scratch and is overwritten by the next
 * call; nothing of the image is kept. For a query (no `flips`) inside a uniform frame, `trimmed`
 * holds the same hashes of the content rectangle, through the same front end.
 */
export function computeHashesFromRgba(img: RgbaImage, scratch: HashScratch = createHashScratch(), opts: HashOptions = {}): ImageHashes {
  const luma = hashInputLuma(img, scratch.luma, scratch.frontEnd);
  if (luma.luma.buffer !== scratch.luma.buffer) scratch.luma = luma.luma;
  const hashes: ImageHashes = { ...computeImageHashes(luma, scratch), width: img.width, height: img.height };
  if (opts.flips) hashes.pdqFlips = pdqOfFlips(img, scratch);
  if (opts.trim ?? !opts.flips) {
    const rect = findContentRect(img);
    if (rect !== null) {
      const inner = copyRect(img, rect, scratch.trimmed);
      if (inner.data.buffer !== scratch.trimmed.buffer) scratch.trimmed = new Uint8Array(inner.data.buffer);
      // One level only: a frame inside a frame is rare, and each level costs a full hash set.
      hashes.trimmed = computeHashesFromRgba(inner, scratch, { trim: false });
      inner.data.fill(0);
    }
  }
  return hashes;
}

/**
 * Zeroes the scratch buffers that hold image-derived values (canonical luma, the filtered image,
 * the 64x64 and blockhash grids). Hashing never needs this; call it when a batch ends so that no
 * trace of the last image stays in memory while the scratch waits for the next one.
 */
export function wipeHashScratch(scratch: HashScratch): void {
  scratch.luma.fill(0);
  scratch.flipped.fill(0);
  scratch.trimmed.fill(0);
  const { jarosz } = scratch.pdq;
  jarosz.full.fill(0);
  jarosz.colSums.fill(0);
  jarosz.rowsIn.fill(0);
  jarosz.rowsOut.fill(0);
  jarosz.sampled.fill(0);
  jarosz.sampledSums.fill(0);
  jarosz.sampledRow.fill(0);
  scratch.pdq.buffer64x64.fill(0);
  scratch.pdq.buffer16x64.fill(0);
  scratch.pdq.buffer16x16.fill(0);
  scratch.pdq.buffer16x16Aux.fill(0);
  scratch.blockhash.grid.fill(0);
  scratch.blockhash.columnSums.fill(0);
  scratch.blockhash.rgba.fill(0);
}
