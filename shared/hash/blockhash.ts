import { bmvbhash } from 'blockhash-core';
import type { LumaImage } from '../image/types';
import { hexToBytes } from '../hex';
import { HASH_BYTES } from './types';

/**
 * blockhash (Yang, Gu, Niu 2006; blockhash.io), 256 bits: the image cut into 16x16 blocks, each
 * bit "block brighter than the median of its quarter of the blocks". Computed by the
 * `blockhash-core` package's bmvbhash on our own deterministic reduction of the canonical luma:
 *
 *   canonical luma (W x H) → exact area average to BLOCKHASH_GRID x BLOCKHASH_GRID (float64)
 *   → round to 8-bit grey → RGBA with r = g = b = grey, alpha 255 → bmvbhash(…, 16)
 *
 * Why reduce first: bmvbhash on a full photo walks every pixel with fractional block weights in
 * generic JS arrays (tens of ms for 1024 px); on a 128x128 grid, which 16 divides, it takes its
 * exact fast path. Area averaging keeps each block's mean as it was (each grid cell is the mean
 * of exactly its share of the image, block boundaries falling on cell boundaries), and 8x8 cells
 * per block make the 8-bit rounding of cells average out. Why luma, not bmvbhash's r + g + b:
 * one canonical input for every hash, composited onto white once (blockhash would otherwise
 * treat only alpha = 0 as white). Values therefore differ from other blockhash tools' on colour
 * images; they are consistent across Veil's browser and Node paths, which is what matching needs.
 *
 * blockhash-core is CommonJS (`exports.bmvbhash = …`); Node's ESM loader and bundlers (Vite,
 * esbuild in WXT) both expose it as a named export.
 */

/** 16 x 16 blocks = 256 bits. */
export const BLOCKHASH_BLOCKS_PER_SIDE = 16;
/** Side of the grey grid handed to bmvbhash: 8 x 8 cells per block. */
export const BLOCKHASH_GRID = 128;

/** Reusable buffers for blockhashFromLuma; a batch passes the same scratch to every call. */
export interface BlockhashScratch {
  /** GRID x GRID area sums, then means (float64, row-major). */
  grid: Float64Array;
  /** width: the source rows of one grid row, summed per column (float64). */
  columnSums: Float64Array;
  /** GRID x GRID x 4: the grey RGBA handed to bmvbhash. */
  rgba: Uint8Array;
  /** Area-average weights along x and y, cached for the last size seen (see areaWeights). */
  xWeights: AreaWeights;
  yWeights: AreaWeights;
}

/**
 * Exact area-average weights from `inLength` pixels to `outLength` cells, in integer units of
 * 1/outLength pixel: source pixel s spans [s·out, (s+1)·out), cell o spans [o·in, (o+1)·in).
 * Cell o takes sources first[o] … first[o] + count[o] − 1 with weights weight[offset[o] + t];
 * its weights sum to inLength.
 */
export interface AreaWeights {
  inLength: number;
  outLength: number;
  first: Int32Array;
  count: Int32Array;
  offset: Int32Array;
  weight: Float64Array;
}

export function areaWeights(inLength: number, outLength: number): AreaWeights {
  const first = new Int32Array(outLength);
  const count = new Int32Array(outLength);
  const offset = new Int32Array(outLength);
  const weights: number[] = [];
  for (let o = 0; o < outLength; o++) {
    const lo = o * inLength;
    const hi = (o + 1) * inLength;
    const s0 = Math.floor(lo / outLength);
    const s1 = Math.ceil(hi / outLength);
    first[o] = s0;
    offset[o] = weights.length;
    for (let src = s0; src < s1; src++) {
      weights.push(Math.min(hi, (src + 1) * outLength) - Math.max(lo, src * outLength));
    }
    count[o] = s1 - s0;
  }
  return { inLength, outLength, first, count, offset, weight: Float64Array.from(weights) };
}

export function createBlockhashScratch(): BlockhashScratch {
  const none = areaWeights(1, 1);
  return {
    grid: new Float64Array(BLOCKHASH_GRID * BLOCKHASH_GRID),
    columnSums: new Float64Array(0),
    rgba: new Uint8Array(BLOCKHASH_GRID * BLOCKHASH_GRID * 4),
    xWeights: none,
    yWeights: none,
  };
}

/**
 * Area average of `img` onto an n x n grid (out is n·n float64, row-major): each cell is the mean
 * of the part of the image it covers, fractional pixels weighted by their covered fraction. For
 * each grid row, the source rows it covers are first summed column by column (one streaming
 * multiply-add per pixel), then reduced along x. Sums run in a fixed order in float64, so every
 * engine gives the same values.
 */
export function areaAverageLuma(img: LumaImage, out: Float64Array, n: number, scratch: BlockhashScratch): void {
  const { width, height, luma } = img;
  if (scratch.xWeights.inLength !== width || scratch.xWeights.outLength !== n) scratch.xWeights = areaWeights(width, n);
  if (scratch.yWeights.inLength !== height || scratch.yWeights.outLength !== n) scratch.yWeights = areaWeights(height, n);
  if (scratch.columnSums.length < width) scratch.columnSums = new Float64Array(width);
  sumAreas(luma, width, height, n, scratch.xWeights, scratch.yWeights, scratch.columnSums, out);
}

function sumAreas(
  luma: Float32Array,
  width: number,
  height: number,
  n: number,
  xw: AreaWeights,
  yw: AreaWeights,
  columnSums: Float64Array,
  out: Float64Array,
): void {
  const area = width * height;
  for (let oy = 0; oy < n; oy++) {
    columnSums.fill(0, 0, width);
    const yFirst = yw.first[oy];
    const yOff = yw.offset[oy];
    // Several source rows per sweep cut the loads and stores of columnSums.
    const c = yw.count[oy];
    let t = 0;
    for (; t + 3 < c; t += 4) {
      const rowA = (yFirst + t) * width;
      const rowB = rowA + width;
      const rowC = rowB + width;
      const rowD = rowC + width;
      const wA = yw.weight[yOff + t];
      const wB = yw.weight[yOff + t + 1];
      const wC = yw.weight[yOff + t + 2];
      const wD = yw.weight[yOff + t + 3];
      for (let x = 0; x < width; x++) {
        columnSums[x] += wA * luma[rowA + x] + wB * luma[rowB + x] + (wC * luma[rowC + x] + wD * luma[rowD + x]);
      }
    }
    for (; t + 1 < c; t += 2) {
      const rowA = (yFirst + t) * width;
      const rowB = rowA + width;
      const wA = yw.weight[yOff + t];
      const wB = yw.weight[yOff + t + 1];
      for (let x = 0; x < width; x++) columnSums[x] += wA * luma[rowA + x] + wB * luma[rowB + x];
    }
    if (t < c) {
      const row = (yFirst + t) * width;
      const wy = yw.weight[yOff + t];
      for (let x = 0; x < width; x++) columnSums[x] += wy * luma[row + x];
    }
    const cell = oy * n;
    for (let ox = 0; ox < n; ox++) {
      const xFirst = xw.first[ox];
      const xOff = xw.offset[ox];
      let sum = 0;
      for (let u = 0, c = xw.count[ox]; u < c; u++) sum += xw.weight[xOff + u] * columnSums[xFirst + u];
      out[cell + ox] = sum / area;
    }
  }
}

/** 256-bit blockhash of a canonical luma image (see the file comment), as 32 bytes. */
export function blockhashFromLuma(img: LumaImage, scratch: BlockhashScratch = createBlockhashScratch()): Uint8Array {
  const n = BLOCKHASH_GRID;
  areaAverageLuma(img, scratch.grid, n, scratch);
  const { grid, rgba } = scratch;
  for (let i = 0, q = 0; i < n * n; i++, q += 4) {
    const grey = Math.min(255, Math.max(0, Math.floor(grid[i] + 0.5)));
    rgba[q] = grey;
    rgba[q + 1] = grey;
    rgba[q + 2] = grey;
    rgba[q + 3] = 255;
  }
  return hexToBytes(bmvbhash({ width: n, height: n, data: rgba }, BLOCKHASH_BLOCKS_PER_SIDE), HASH_BYTES);
}
