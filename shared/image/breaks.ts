import type { RgbaImage } from './types';
import { opaqueChannel } from './trim';

/**
 * Where lines of an image are plain and where they carry detail, on a coarse sample grid, for
 * the region finders (regions.ts). A line of made-up surface (a collage gap, a caption band
 * between the text and the photo, app UI between its elements) is plain: along it, the colour
 * stays put, or changes only at the few edges of UI boxes. A line across a photo is not: along
 * it, the colour jumps by more than BREAK_TOLERANCE between samples many times (measured on
 * corpus photos resized into a collage: 8 to 37% of sample pairs in every row; white JPEG gaps
 * between them: 0 to 0.3%).
 *
 * The tolerance is coarse on purpose: JPEG rings up to about ten levels in a white gap next to a
 * photo (chroma blocks are 16 px), so a per-pixel "equal to the neighbour" test calls such gaps
 * textured, while photo content differs by more than this between samples a step apart.
 *
 * Sample (i, j) stands for pixel (i·step, j·step); a break along a row is between samples (i, j)
 * and (i + 1, j), along a column between (i, j) and (i, j + 1). Prefix sums give the breaks on
 * any stretch of a row or column in O(1). Layout:
 *   rgb        Uint8Array(3 · w · h)    colour of sample (i, j) at [3(j·w + i), +3), onto white
 *   rowBreaks  Int32Array(h · (w + 1))  [j·(w + 1) + i] = breaks between samples 0..i of row j
 *   colBreaks  Int32Array((h + 1) · w)  [j·w + i] = breaks between samples 0..j of column i
 */

/** Largest per-channel change (8-bit levels) between neighbouring samples that is not a break. */
export const BREAK_TOLERANCE = 12;
/** A line is plain with at most this share of its sample pairs breaking (the edges of UI boxes)... */
export const PLAIN_BREAK_FRACTION = 0.015;
/** ...or at most this many... */
export const PLAIN_MIN_BREAKS = 2;
/** ...and all but PLAIN_OUTLIER_FRACTION of its samples within this distance (levels, trim.ts's
 * tolerance) of its typical colour. */
export const PLAIN_TOLERANCE = 20;
export const PLAIN_OUTLIER_FRACTION = 0.03;
/** The grid's longest side is at most about this many samples. */
export const BREAK_GRID_SIDE = 256;

export interface BreakGrid {
  /** Pixels between samples. */
  step: number;
  /** Samples across and down. */
  w: number;
  h: number;
  rgb: Uint8Array;
  rowBreaks: Int32Array;
  colBreaks: Int32Array;
}

/** Largest per-channel difference between the pixels at byte offsets p and q (onto white). */
export function pixelDistance(data: RgbaImage['data'], p: number, q: number): number {
  if (data[p + 3] === 255 && data[q + 3] === 255) {
    const r = Math.abs(data[p] - data[q]);
    const g = Math.abs(data[p + 1] - data[q + 1]);
    const b = Math.abs(data[p + 2] - data[q + 2]);
    return r > g ? (r > b ? r : b) : g > b ? g : b;
  }
  let d = 0;
  for (let c = 0; c < 3; c++) d = Math.max(d, Math.abs(opaqueChannel(data, p, c) - opaqueChannel(data, q, c)));
  return d;
}

/** Largest per-channel difference between samples at offsets p and q of a grid's rgb. */
export function sampleDistance(rgb: Uint8Array, p: number, q: number): number {
  const r = Math.abs(rgb[p] - rgb[q]);
  const g = Math.abs(rgb[p + 1] - rgb[q + 1]);
  const b = Math.abs(rgb[p + 2] - rgb[q + 2]);
  return r > g ? (r > b ? r : b) : g > b ? g : b;
}

/** The sampling step for an image of this size: 1 up to BREAK_GRID_SIDE px, then larger. */
export function breakGridStep(width: number, height: number): number {
  return Math.max(1, Math.ceil(Math.max(width, height) / BREAK_GRID_SIDE));
}

export function breakGrid(img: RgbaImage, step = breakGridStep(img.width, img.height)): BreakGrid {
  const { width, height, data } = img;
  const w = Math.floor((width - 1) / step) + 1;
  const h = Math.floor((height - 1) / step) + 1;
  const rgb = new Uint8Array(w * h * 3);
  for (let j = 0, o = 0; j < h; j++) {
    for (let i = 0, p = j * step * width * 4; i < w; i++, p += 4 * step, o += 3) {
      if (data[p + 3] === 255) {
        rgb[o] = data[p];
        rgb[o + 1] = data[p + 1];
        rgb[o + 2] = data[p + 2];
      } else {
        for (let c = 0; c < 3; c++) rgb[o + c] = Math.round(opaqueChannel(data, p, c));
      }
    }
  }
  const rowBreaks = new Int32Array(h * (w + 1));
  const colBreaks = new Int32Array((h + 1) * w);
  const down = w * 3;
  const t = BREAK_TOLERANCE;
  // Written out rather than through sampleDistance: this loop is most of the finder's time.
  for (let j = 0; j < h; j++) {
    let run = 0;
    const base = j * (w + 1);
    const hasBelow = j + 1 < h;
    for (let i = 0, o = j * w * 3; i < w; i++, o += 3) {
      const r = rgb[o];
      const g = rgb[o + 1];
      const b = rgb[o + 2];
      if (i + 1 < w) {
        const dr = r - rgb[o + 3];
        const dg = g - rgb[o + 4];
        const db = b - rgb[o + 5];
        if (dr > t || dr < -t || dg > t || dg < -t || db > t || db < -t) run++;
      }
      rowBreaks[base + i + 1] = run;
      let below = 0;
      if (hasBelow) {
        const dr = r - rgb[o + down];
        const dg = g - rgb[o + down + 1];
        const db = b - rgb[o + down + 2];
        if (dr > t || dr < -t || dg > t || dg < -t || db > t || db < -t) below = 1;
      }
      colBreaks[j * w + i + w] = colBreaks[j * w + i] + below;
    }
  }
  return { step, w, h, rgb, rowBreaks, colBreaks };
}

/** Breaks along row j between samples i0 and i1 - 1 (the pairs inside [i0, i1)). */
export function rowBreakCount(g: BreakGrid, j: number, i0: number, i1: number): number {
  const base = j * (g.w + 1);
  return g.rowBreaks[base + i1 - 1] - g.rowBreaks[base + i0];
}

/** Breaks along column i between samples j0 and j1 - 1. */
export function colBreakCount(g: BreakGrid, i: number, j0: number, j1: number): number {
  return g.colBreaks[(j1 - 1) * g.w + i] - g.colBreaks[j0 * g.w + i];
}

/**
 * Whether grid line k (a row when `horizontal`, else a column) is plain over samples [a0, a1):
 * few breaks along it, and nearly all of its samples near its typical colour. The second test
 * keeps a photo's smooth stretches (a blurred backdrop, a sky) from counting as surface: they
 * have no breaks but drift in colour along the line.
 */
export function isPlainSampleLine(g: BreakGrid, horizontal: boolean, k: number, a0: number, a1: number): boolean {
  const n = a1 - a0;
  const breaks = horizontal ? rowBreakCount(g, k, a0, a1) : colBreakCount(g, k, a0, a1);
  if (n < 1 || breaks > Math.max(PLAIN_MIN_BREAKS, n * PLAIN_BREAK_FRACTION)) return false;
  const { rgb } = g;
  // Offset of the line's first sample in rgb, and the step between its samples.
  const o0 = horizontal ? (k * g.w + a0) * 3 : (a0 * g.w + k) * 3;
  const d = horizontal ? 3 : g.w * 3;
  const ref = medianOfFive(rgb, o0, o0 + (n >> 2) * d, o0 + (n >> 1) * d, o0 + ((3 * n) >> 2) * d, o0 + (n - 1) * d);
  let outliers = Math.floor(n * PLAIN_OUTLIER_FRACTION);
  for (let a = 0, o = o0; a < n; a++, o += d) {
    if (sampleDistance(rgb, o, ref) > PLAIN_TOLERANCE && --outliers < 0) return false;
  }
  return true;
}

/**
 * Of five pixels (offsets of their red byte in `px`, RGB or RGBA), the middle one by brightness:
 * a line's typical colour, robust to a speck or a UI edge at any one of them.
 */
export function medianOfFive(px: ArrayLike<number>, a: number, b: number, c: number, d: number, e: number): number {
  const at = [a, b, c, d, e];
  const key = (o: number) => px[o] + px[o + 1] + px[o + 2];
  for (let i = 0; i < 5; i++) {
    const ki = key(at[i]);
    let rank = 0;
    for (let j = 0; j < 5; j++) {
      const kj = key(at[j]);
      if (kj < ki || (kj === ki && j < i)) rank++;
    }
    if (rank === 2) return at[i];
  }
  return c;
}
