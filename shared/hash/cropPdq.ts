import type { ContentRect } from '../image/trim';
import type { RgbaImage } from '../image/types';
import { compositeOnWhite } from '../image/canonical';
import { HASH_BYTES } from './types';
import { cropDct64To16, cropGradientQuality } from './cropDct';
import { dct16Dihedral, pdqBuffer16x16ToBits } from './pdq-dct';
import type { PdqScratch } from './pdq';

/**
 * The crop hash (kind 'pdq-crop'): PDQ's DCT, median bits and quality over a 64 x 64 grid of
 * box means of one rectangle of the image. Registration lists it for the whole photo and a
 * ladder of its crops (shared/image/cropViews.ts); a query takes it of itself and of its own
 * slightly smaller crops, so a cropped copy meets a listed crop of nearly the same rectangle.
 *
 * Why not PDQ itself: a query needs a dozen rectangles, and PDQ's front end and tent filter cost
 * about 3 ms each on a 1024 px photo. Here the image's luma is integrated once (a summed-area
 * table, about as costly as one PDQ) and every rectangle then costs only its 4096 box means and
 * one 16 x 16 DCT (a few tenths of a millisecond). Box means at fractional boundaries are exact
 * area integrals (the table is interpolated bilinearly, which is exact for pixel-constant luma),
 * so the grid does not depend on the copy's resolution, and a mirrored image's grid is the
 * mirrored grid: the DCT's dihedral variants are exact, no mirrored hashes need listing.
 */

/**
 * Long side of the luma grid the table integrates: the smallest listed crop (about half the
 * photo) still spans some 240 grid pixels, almost 4 per cell of the 64 x 64 grid.
 */
export const CROP_GRID_MAX_SIDE = 512;

/** The integrated luma of one image. */
export interface LumaTable {
  /** Size of the luma grid integrated. */
  width: number;
  height: number;
  /** Luma grid pixels per image pixel on each axis (1 unless the image was reduced). */
  scaleX: number;
  scaleY: number;
  /** (width + 1) x (height + 1) prefix sums, row-major; row 0 and column 0 are zero. */
  sums: Float64Array;
}

export interface CropPdqScratch {
  /** Luma sums of one grid row. */
  row: Uint32Array;
  sums: Float64Array;
}

export function createCropPdqScratch(): CropPdqScratch {
  return { row: new Uint32Array(0), sums: new Float64Array(0) };
}

/**
 * Integer luma (Rec. 601 weights in 1/256ths) of one pixel, alpha composited onto white. Integers
 * keep the table identical in every engine; this hash has no reference to be bit-exact with.
 */
function lumaOf(data: RgbaImage['data'], q: number): number {
  const a = data[q + 3];
  if (a === 255) return 77 * data[q] + 150 * data[q + 1] + 29 * data[q + 2];
  // Each channel rounded to 8 bits on white first, as canonical.ts does for PDQ: the same as a
  // copy flattened by any 8-bit tool, and as Chromium's canvas, whose translucent colours differ.
  return 77 * compositeOnWhite(data[q], a) + 150 * compositeOnWhite(data[q + 1], a) + 29 * compositeOnWhite(data[q + 2], a);
}

/**
 * lumaOf for one row of pixels read as words, summed per grid cell (k pixels) into the grid row.
 * Signed words: an opaque pixel is above 2^31 as unsigned, which V8 would hold as a double and
 * convert back for every shift (three times slower).
 */
function addRowWords(words: Int32Array, start: number, w: number, k: number, row: Uint32Array): void {
  for (let gx = 0, x = 0; x < w; gx++) {
    const end = Math.min(w, x + k);
    let acc = 0;
    for (; x < end; x++) {
      const p = words[start + x];
      const a = (p >> 24) & 255;
      acc +=
        a === 255
          ? 77 * (p & 255) + 150 * ((p >> 8) & 255) + 29 * ((p >> 16) & 255)
          : 77 * compositeOnWhite(p & 255, a) + 150 * compositeOnWhite((p >> 8) & 255, a) + 29 * compositeOnWhite((p >> 16) & 255, a);
    }
    row[gx] += acc;
  }
}

/**
 * One row of the summed-area table: the grid row's sums as means (each over `divisor` 1/256ths of
 * luma, the last cell, which may hold fewer columns, over `lastDivisor`), accumulated along the row and added to the row
 * above. A power-of-two divisor (k = 1, 2, 4 inside the image: photos up to 2048 px) is applied as
 * its exact reciprocal: the same doubles as dividing, without a division per cell.
 */
function addTableRow(row: Uint32Array, gw: number, divisor: number, lastDivisor: number, sums: Float64Array, above: number, here: number): void {
  let acc = 0;
  const last = gw - 1;
  if ((divisor & (divisor - 1)) === 0) {
    const inverse = 1 / divisor;
    for (let gx = 0; gx < last; gx++) {
      acc += row[gx] * inverse;
      sums[here + gx + 1] = sums[above + gx + 1] + acc;
    }
  } else {
    for (let gx = 0; gx < last; gx++) {
      acc += row[gx] / divisor;
      sums[here + gx + 1] = sums[above + gx + 1] + acc;
    }
  }
  acc += row[last] / lastDivisor;
  sums[here + last + 1] = sums[above + last + 1] + acc;
}

/**
 * Integrates the image's luma, reduced by whole k x k boxes (k = ceil(long side /
 * CROP_GRID_MAX_SIDE); edge boxes average the pixels they hold), into a summed-area table.
 */
export function lumaTable(img: RgbaImage, scratch: CropPdqScratch): LumaTable {
  const { width: w, height: h, data } = img;
  const k = Math.max(1, Math.ceil(Math.max(w, h) / CROP_GRID_MAX_SIDE));
  const gw = Math.ceil(w / k);
  const gh = Math.ceil(h / k);
  const stride = gw + 1;
  if (scratch.sums.length < stride * (gh + 1)) scratch.sums = new Float64Array(stride * (gh + 1));
  if (scratch.row.length < gw) scratch.row = new Uint32Array(gw);
  const { sums, row } = scratch;
  sums.fill(0, 0, stride);
  // Whole pixels are read as one little-endian word (R in the low byte) when the buffer allows.
  const words = data.byteOffset % 4 === 0 ? new Int32Array(data.buffer, data.byteOffset, w * h) : null;
  for (let gy = 0; gy < gh; gy++) {
    row.fill(0, 0, gw);
    const y0 = gy * k;
    const y1 = Math.min(h, y0 + k);
    for (let y = y0; y < y1; y++) {
      if (words !== null) addRowWords(words, y * w, w, k, row);
      else for (let x = 0, q = y * w * 4; x < w; x++, q += 4) row[(x / k) | 0] += lumaOf(data, q);
    }
    const above = gy * stride;
    const here = above + stride;
    sums[here] = 0;
    addTableRow(row, gw, 256 * k * (y1 - y0), 256 * (w - (gw - 1) * k) * (y1 - y0), sums, above, here);
  }
  row.fill(0);
  return { width: gw, height: gh, scaleX: gw / w, scaleY: gh / h, sums };
}

/** Zeroes the table (image-derived values) once a batch is done. */
export function wipeCropPdqScratch(scratch: CropPdqScratch): void {
  scratch.row.fill(0);
  scratch.sums.fill(0);
}

/** Where each of the 65 cell edges falls on one axis of the table: a column or row index and the fraction past it. */
interface EdgeSamples {
  index: Int32Array;
  frac: Float64Array;
}

function edgeSamples(): EdgeSamples {
  return { index: new Int32Array(65), frac: new Float64Array(65) };
}

/** Edges start + i·step (i = 0..64) clamped to [0, size], as table cells and the fraction past each. */
function placeEdges(out: EdgeSamples, start: number, step: number, size: number): void {
  for (let i = 0; i <= 64; i++) {
    const f = Math.min(Math.max(start + i * step, 0), size);
    const cell = Math.min(Math.floor(f), size - 1);
    out.index[i] = cell;
    out.frac[i] = f - cell;
  }
}

// Scratch of cropPdqOfRect, which runs one call at a time (JS is single-threaded). The lattice
// and the grid hold image-derived values and are zeroed before it returns.
const EDGES_X = edgeSamples();
const EDGES_Y = edgeSamples();
/** The luma integral at the 65 x 65 cell corners, bilinear in the table (exact for pixel-constant luma). */
const LATTICE = new Float64Array(65 * 65);
/** The 64 x 64 box means. */
const GRID = new Float64Array(64 * 64);

/**
 * The crop hash's 64 x 64 grid of one rectangle (image pixels): the box means of its cells, from
 * the integral at the 65 x 65 cell corners. Written to `out` (4096 values), which then holds
 * image-derived values: the caller wipes it when done.
 */
export function cropGridOfRect(table: LumaTable, rect: ContentRect, out: Float64Array): void {
  const cw = (rect.width * table.scaleX) / 64;
  const ch = (rect.height * table.scaleY) / 64;
  placeEdges(EDGES_X, rect.x * table.scaleX, cw, table.width);
  placeEdges(EDGES_Y, rect.y * table.scaleY, ch, table.height);
  const stride = table.width + 1;
  const s = table.sums;
  for (let j = 0; j <= 64; j++) {
    const r = EDGES_Y.index[j] * stride;
    const ay = EDGES_Y.frac[j];
    for (let i = 0; i <= 64; i++) {
      const q = r + EDGES_X.index[i];
      const ax = EDGES_X.frac[i];
      const top = s[q] + (s[q + 1] - s[q]) * ax;
      const bottom = s[q + stride] + (s[q + stride + 1] - s[q + stride]) * ax;
      LATTICE[j * 65 + i] = top + (bottom - top) * ay;
    }
  }
  const area = cw * ch;
  for (let j = 0; j < 64; j++) {
    const up = j * 65;
    const down = up + 65;
    for (let i = 0; i < 64; i++) {
      out[j * 64 + i] = (LATTICE[down + i + 1] - LATTICE[up + i + 1] - (LATTICE[down + i] - LATTICE[up + i])) / area;
    }
  }
  LATTICE.fill(0);
}

export interface CropPdqResult {
  /** The hash of the rectangle, then (with `dihedral`) its seven rotations and flips: DIHEDRAL_NAMES order. */
  hashes: Uint8Array[];
  quality: number;
}

/**
 * The crop hash of one rectangle (image pixels) of the image `table` integrates. Writes the PDQ
 * scratch's 16 x 16 DCT buffers, so it must not run in the middle of a PDQ.
 */
export function cropPdqOfRect(table: LumaTable, rect: ContentRect, scratch: PdqScratch, dihedral: boolean): CropPdqResult {
  cropGridOfRect(table, rect, GRID);
  const quality = cropGradientQuality(GRID);
  cropDct64To16(GRID, scratch.buffer16x16);
  GRID.fill(0);
  const hashes = [new Uint8Array(HASH_BYTES)];
  pdqBuffer16x16ToBits(scratch.buffer16x16, hashes[0]);
  if (dihedral) {
    for (let v = 1; v < 8; v++) {
      const h = new Uint8Array(HASH_BYTES);
      dct16Dihedral(scratch.buffer16x16, v, scratch.buffer16x16Aux);
      pdqBuffer16x16ToBits(scratch.buffer16x16Aux, h);
      hashes.push(h);
    }
  }
  return { hashes, quality };
}
