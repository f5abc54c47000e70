import type { RgbaImage } from './types';

/**
 * Finding the photo inside a uniform frame: a border added around a re-posted photo, or the black
 * bars of a letterbox. Hashing the frame with the photo moves PDQ 86 to 124 bits from the
 * original (docs/evaluation.md, border-5 and border-15), so the matcher also tries the hashes of
 * the rectangle left once the frame is gone (ImageHashes.trimmed).
 *
 * Each side is trimmed on its own, line by line from the edge inwards, while the line is
 * uniform: every pixel within TRIM_TOLERANCE (per channel) of the side's edge colour, except at
 * most TRIM_OUTLIER_FRACTION of them (JPEG ringing, a stray speck). The edge colour is the
 * per-channel median of the outermost line. A band only counts when it is also flat along its
 * depth (line means within TRIM_MAX_DRIFT of the outermost line's): a sky that fades slowly
 * passes the per-pixel test for many lines but drifts, a border does not. The lines nearest the
 * content are left out of that drift test because JPEG's 8x8 (16x16 for subsampled chroma)
 * blocks smear the content's edge into them.
 *
 * Alpha is composited onto white, as the hash front end does (canonical.ts), so a transparent
 * frame is a white frame.
 *
 * Measured on the corpus (test/eval, 142 photos, 76 registered): border-5 went from 0% to 97.4%
 * recall and border-15 from 0% to 98.7% (the originals' own ceiling), with no false match; a
 * first version that trimmed every side again after the first pass cut into the plain backdrops
 * of photos and reached 90.8% and 93.4%.
 */

/** Per-channel distance from the edge colour that still counts as the frame (8-bit levels). */
export const TRIM_TOLERANCE = 20;
/** Share of a line's pixels that may lie beyond the tolerance and the line still be uniform. */
export const TRIM_OUTLIER_FRACTION = 0.02;
/** Largest change of a band's line means (per channel, levels) along its depth. */
export const TRIM_MAX_DRIFT = 4;
/** Lines next to the content left out of the drift test (a chroma block of a 4:2:0 JPEG). */
export const TRIM_DRIFT_MARGIN = 16;
/** A band thinner than this share of its side (or than 2 px) is noise, not a frame. */
export const TRIM_MIN_BAND_FRACTION = 0.01;
/** The content must keep at least this share of each side of the image... */
export const TRIM_MIN_KEEP_FRACTION = 0.4;
/** ...and at least this many pixels each way, or there is nothing worth hashing. */
export const TRIM_MIN_KEEP_PX = 64;

export interface ContentRect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Pixel p's channel c (p a byte offset) composited onto white (alpha 255 leaves it as is), as the hash front end sees it. */
export function opaqueChannel(data: RgbaImage['data'], p: number, c: number): number {
  const a = data[p + 3];
  const v = data[p + c];
  return a === 255 ? v : 255 - ((255 - v) * a) / 255;
}

/**
 * Per-side scanner state, allocated once per findContentRect call:
 *   histogram  Uint32Array(3 · 256)  per-channel counts of the outermost line (median finding)
 *   ref        Float64Array(3)       the side's edge colour
 *   sums       Float64Array(3)       channel sums of the line under test
 *   means      Float32Array(3 · n)   mean colour of band line i at [3i, 3i + 3), n = longest side
 */
interface Scan {
  histogram: Uint32Array;
  ref: Float64Array;
  sums: Float64Array;
  means: Float32Array;
}

/**
 * Whether the line of `count` pixels from byte offset `start`, `step` bytes apart, is uniform
 * around scan.ref; leaves its channel sums in scan.sums (complete only when it is).
 */
function lineIsUniform(data: RgbaImage['data'], start: number, step: number, count: number, scan: Scan): boolean {
  const { ref, sums } = scan;
  const maxOutliers = Math.floor(count * TRIM_OUTLIER_FRACTION);
  let outliers = 0;
  sums[0] = sums[1] = sums[2] = 0;
  for (let i = 0, p = start; i < count; i++, p += step) {
    const r = opaqueChannel(data, p, 0);
    const g = opaqueChannel(data, p, 1);
    const b = opaqueChannel(data, p, 2);
    sums[0] += r;
    sums[1] += g;
    sums[2] += b;
    if (Math.abs(r - ref[0]) > TRIM_TOLERANCE || Math.abs(g - ref[1]) > TRIM_TOLERANCE || Math.abs(b - ref[2]) > TRIM_TOLERANCE) {
      if (++outliers > maxOutliers) return false;
    }
  }
  return true;
}

/** Per-channel median of a line into scan.ref (a histogram: no sort, no allocation). */
function lineMedian(data: RgbaImage['data'], start: number, step: number, count: number, scan: Scan): void {
  const h = scan.histogram;
  h.fill(0);
  for (let i = 0, p = start; i < count; i++, p += step) {
    for (let c = 0; c < 3; c++) h[c * 256 + Math.round(opaqueChannel(data, p, c))]++;
  }
  const half = count >> 1;
  for (let c = 0; c < 3; c++) {
    let seen = 0;
    let v = 0;
    for (; v < 255; v++) {
      seen += h[c * 256 + v];
      if (seen > half) break;
    }
    scan.ref[c] = v;
  }
}

/**
 * Depth of the uniform band at one side: `lineStep` bytes between successive lines inwards from
 * the line at `start`, each `count` pixels `step` bytes apart. 0 when the side has no band (too
 * thin, or drifting like a sky); -1 when the band goes deeper than `maxDepth` lines (what is
 * left would be too small: the caller gives up). Reads at most maxDepth + 1 lines.
 */
function bandDepth(data: RgbaImage['data'], start: number, lineStep: number, step: number, count: number, maxDepth: number, sideLength: number, scan: Scan): number {
  lineMedian(data, start, step, count, scan);
  let depth = 0;
  for (; depth <= maxDepth; depth++) {
    if (!lineIsUniform(data, start + depth * lineStep, step, count, scan)) break;
    for (let c = 0; c < 3; c++) scan.means[depth * 3 + c] = scan.sums[c] / count;
  }
  if (depth > maxDepth) return -1;
  if (depth < Math.max(2, Math.ceil(sideLength * TRIM_MIN_BAND_FRACTION))) return 0;
  const checked = Math.max(1, depth - TRIM_DRIFT_MARGIN);
  const m = scan.means;
  for (let i = 1; i < checked; i++) {
    for (let c = 0; c < 3; c++) if (Math.abs(m[i * 3 + c] - m[c]) > TRIM_MAX_DRIFT) return 0;
  }
  return depth;
}

/**
 * The rectangle of `img` left after removing a uniform frame (any colour, any width per side),
 * or null when there is no frame or what is left is too small to be the photo (under
 * TRIM_MIN_KEEP_FRACTION of a side, or TRIM_MIN_KEEP_PX). Deterministic; reads the pixels only.
 */
export function findContentRect(img: RgbaImage): ContentRect | null {
  const { width, height, data } = img;
  const minW = Math.max(TRIM_MIN_KEEP_PX, Math.ceil(width * TRIM_MIN_KEEP_FRACTION));
  const minH = Math.max(TRIM_MIN_KEEP_PX, Math.ceil(height * TRIM_MIN_KEEP_FRACTION));
  if (width < minW || height < minH || data.length !== width * height * 4) return null;
  const scan: Scan = {
    histogram: new Uint32Array(3 * 256),
    ref: new Float64Array(3),
    sums: new Float64Array(3),
    means: new Float32Array(3 * Math.max(width, height)),
  };
  const row = width * 4;
  // The rectangle [x0, x1) x [y0, y1) shrinks: top and bottom across its width, then left and
  // right between them. A second pass looks again only at sides the first left alone: it finds a
  // letterbox inside side bars of another colour (whose lines the first pass saw crossing both
  // colours), while a side already trimmed is not trimmed again: a photo on a plain backdrop
  // keeps its backdrop, as it was registered (on the corpus, 26 of 142 photos have such bands).
  let x0 = 0;
  let y0 = 0;
  let x1 = width;
  let y1 = height;
  let top = 0;
  let bottom = 0;
  let left = 0;
  let right = 0;
  for (let pass = 0; pass < 2; pass++) {
    const w = x1 - x0;
    if (top === 0) {
      top = bandDepth(data, (y0 * width + x0) * 4, row, 4, w, y1 - y0 - minH, height, scan);
      if (top < 0) return null;
      y0 += top;
    }
    if (bottom === 0) {
      bottom = bandDepth(data, ((y1 - 1) * width + x0) * 4, -row, 4, w, y1 - y0 - minH, height, scan);
      if (bottom < 0) return null;
      y1 -= bottom;
    }
    const h = y1 - y0;
    if (left === 0) {
      left = bandDepth(data, (y0 * width + x0) * 4, 4, row, h, x1 - x0 - minW, width, scan);
      if (left < 0) return null;
      x0 += left;
    }
    if (right === 0) {
      right = bandDepth(data, (y0 * width + x1 - 1) * 4, -4, row, h, x1 - x0 - minW, width, scan);
      if (right < 0) return null;
      x1 -= right;
    }
    if (top + bottom + left + right === 0 || (top > 0 && bottom > 0 && left > 0 && right > 0)) break;
  }
  if (x1 - x0 === width && y1 - y0 === height) return null;
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
}

/**
 * Copies `rect` of `img` into `out` (grown when too small; the returned image's data is a view of
 * the buffer actually used, so a caller keeps `result.data.buffer` for the next call).
 */
export function copyRect(img: RgbaImage, rect: ContentRect, out?: Uint8Array): RgbaImage {
  const bytes = rect.width * rect.height * 4;
  const buffer = out && out.length >= bytes ? out : new Uint8Array(bytes);
  const { data, width } = img;
  for (let y = 0; y < rect.height; y++) {
    const from = ((rect.y + y) * width + rect.x) * 4;
    buffer.set(data.subarray(from, from + rect.width * 4), y * rect.width * 4);
  }
  return { width: rect.width, height: rect.height, data: buffer.subarray(0, bytes) };
}
