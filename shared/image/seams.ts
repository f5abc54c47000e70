import type { RgbaImage } from './types';
import type { ContentRect } from './trim';
import { BREAK_TOLERANCE, colBreakCount, pixelDistance, rowBreakCount, type BreakGrid } from './breaks';

/**
 * The tiles of a collage laid edge to edge, with no gap: a straight seam runs right across,
 * where every position changes at once from one photo to another. A photo's own straight edges
 * (a horizon, a shelf) rarely change at nearly every position, and more rarely still cut the
 * picture into equal parts; collage apps cut into equal parts, so seams are only accepted when
 * they do (one of n - 1 seams may be missing when at least half are there), which keeps
 * ordinary photos out. Measured on the corpus: 3 photos stacked edge to edge, 87% of the
 * photos' tiles found to within 1 px or 0.5%; of 142 originals and their 27 mild edits and crops
 * (3834 images), one crop of one photo (a pier's straight far edge at half height) split.
 *
 * Candidates come from the break grid (breaks.ts): a pair of sample lines that breaks along
 * SEAM_GRID_COVERAGE of the span, at least SEAM_CONTRAST times as often as the pairs beside it.
 * Each is placed to the pixel (the boundary with the largest mean step) and checked there: the
 * step exceeds BREAK_TOLERANCE at SEAM_COVERAGE of the positions, is SEAM_CONTRAST times the
 * steps a pixel either side, and the lines either side carry detail (a sky meeting the sea is
 * plain on one side, and so is the edge of a collage's gap).
 */

/** Share of a span's sample pairs across a candidate seam that must break. */
const SEAM_GRID_COVERAGE = 0.6;
/** How many times more often the seam's pairs break than the pairs two samples away... */
const SEAM_GRID_CONTRAST = 1.05;
/** ...and how many times larger its mean step is than the steps a pixel either side. */
const SEAM_CONTRAST = 2;
/** Share of positions whose step across the placed seam exceeds BREAK_TOLERANCE. */
const SEAM_COVERAGE = 0.7;
/** Tiles are equal to within this share of the side (1 px of rounding per tile, and JPEG). */
const SEAM_EQUAL_FRACTION = 0.01;
/** Share of sample pairs along the lines either side of a seam that break (detail on both sides). */
const SEAM_MIN_DETAIL = 0.03;
/** Most tiles along one side. */
const SEAM_MAX_TILES = 4;

/** Mean step across boundary b (between lines b - 1 and b) over the span, every `stride` px. */
function meanStep(img: RgbaImage, horizontal: boolean, b: number, from: number, to: number, stride: number): number {
  const { data, width } = img;
  let sum = 0;
  let n = 0;
  for (let a = from; a < to; a += stride, n++) {
    const p = horizontal ? (b * width + a) * 4 : (a * width + b) * 4;
    sum += pixelDistance(data, p - (horizontal ? width * 4 : 4), p);
  }
  return n ? sum / n : 0;
}

/** Share of positions with a step over BREAK_TOLERANCE across boundary b. */
function stepCoverage(img: RgbaImage, horizontal: boolean, b: number, from: number, to: number, stride: number): number {
  const { data, width } = img;
  let hits = 0;
  let n = 0;
  for (let a = from; a < to; a += stride, n++) {
    const p = horizontal ? (b * width + a) * 4 : (a * width + b) * 4;
    if (pixelDistance(data, p - (horizontal ? width * 4 : 4), p) > BREAK_TOLERANCE) hits++;
  }
  return n ? hits / n : 0;
}

/** Share of positions along line `line` whose step to the next position over exceeds BREAK_TOLERANCE. */
function breakShare(img: RgbaImage, horizontal: boolean, line: number, from: number, to: number, stride: number): number {
  const { data, width } = img;
  let hits = 0;
  let n = 0;
  for (let a = from; a + stride < to; a += stride, n++) {
    const p = horizontal ? (line * width + a) * 4 : (a * width + line) * 4;
    if (pixelDistance(data, p, p + (horizontal ? 4 : width * 4) * stride) > BREAK_TOLERANCE) hits++;
  }
  return n ? hits / n : 0;
}

/** Share of sample pairs (k, k + 1) that break, across the grid span [a0, a1). */
function pairBreaks(g: BreakGrid, horizontal: boolean, k: number, a0: number, a1: number): number {
  let n = 0;
  if (horizontal) {
    // Pairs down the columns: the column prefix sums step by w per sample row.
    for (let i = a0; i < a1; i++) n += g.colBreaks[(k + 1) * g.w + i] - g.colBreaks[k * g.w + i];
  } else {
    const base = (j: number) => j * (g.w + 1);
    for (let j = a0; j < a1; j++) n += g.rowBreaks[base(j) + k + 1] - g.rowBreaks[base(j) + k];
  }
  return n / Math.max(1, a1 - a0);
}

/**
 * Seams across `rect` (boundaries, in pixels, between `rect`'s first and last line), one axis:
 * `horizontal` seams are row boundaries. [] unless they cut it into 2 to SEAM_MAX_TILES equal parts.
 */
function seamsAlong(img: RgbaImage, g: BreakGrid, rect: ContentRect, horizontal: boolean): number[] {
  const s = g.step;
  const start = horizontal ? rect.y : rect.x;
  const length = horizontal ? rect.height : rect.width;
  const from = horizontal ? rect.x : rect.y;
  const to = from + (horizontal ? rect.width : rect.height);
  const a0 = Math.ceil(from / s);
  const a1 = Math.floor((to - 1) / s) + 1;
  // Sample lines far enough from the rectangle's ends for a tile of at least 1/SEAM_MAX_TILES.
  const k0 = Math.ceil((start + length / (SEAM_MAX_TILES + 1)) / s);
  const k1 = Math.floor((start + length - length / (SEAM_MAX_TILES + 1)) / s);
  const seams: number[] = [];
  for (let k = Math.max(2, k0); k < k1 && k + 3 < (horizontal ? g.h : g.w); k++) {
    const here = pairBreaks(g, horizontal, k, a0, a1);
    if (here < SEAM_GRID_COVERAGE) continue;
    const beside = Math.max(pairBreaks(g, horizontal, k - 2, a0, a1), pairBreaks(g, horizontal, k + 2, a0, a1));
    if (here < SEAM_GRID_CONTRAST * beside) continue;
    const detail = (line: number) => (horizontal ? rowBreakCount(g, line, a0, a1) : colBreakCount(g, line, a0, a1)) / Math.max(1, a1 - a0 - 1);
    if (detail(k - 1) < SEAM_MIN_DETAIL || detail(k + 2) < SEAM_MIN_DETAIL) continue;
    // The seam lies between samples k and k + 1: place it to the pixel, then check it there.
    const stride = Math.max(1, s >> 1);
    let best = -1;
    let bestStep = -1;
    for (let b = k * s + 1; b <= (k + 1) * s; b++) {
      const step = meanStep(img, horizontal, b, from, to, stride);
      if (step > bestStep) {
        bestStep = step;
        best = b;
      }
    }
    if (best < 2 || stepCoverage(img, horizontal, best, from, to, stride) < SEAM_COVERAGE) continue;
    // A sharp change: the lines one and two away step far less than the seam.
    const aside = Math.max(meanStep(img, horizontal, best - 1, from, to, stride), meanStep(img, horizontal, best + 1, from, to, stride));
    if (bestStep < SEAM_CONTRAST * aside) continue;
    // Detail right next to it on both sides, at full resolution: the edge of a gap is no seam.
    if (breakShare(img, horizontal, best - 2, from, to, stride) < SEAM_MIN_DETAIL || breakShare(img, horizontal, best + 1, from, to, stride) < SEAM_MIN_DETAIL) continue;
    if (seams.length === 0 || best - seams[seams.length - 1] > 2 * s) seams.push(best);
  }
  if (seams.length === 0) return [];
  // The seams must cut it into n equal tiles; a seam too weak to pass (a tile's edge of the colour
  // of its neighbour's) may be missing if at least half of the n - 1 are there.
  const tolerance = Math.max(2, length * SEAM_EQUAL_FRACTION);
  for (let n = 2; n <= SEAM_MAX_TILES; n++) {
    if (seams.length < Math.ceil((n - 1) / 2) || seams.length > n - 1) continue;
    const tile = length / n;
    const cuts: number[] = [];
    for (let i = 1; i < n; i++) {
      const want = start + tile * i;
      const found = seams.find((b) => Math.abs(b - want) <= tolerance);
      cuts.push(found ?? Math.round(want));
    }
    if (seams.every((b) => cuts.includes(b))) return cuts;
  }
  return [];
}

/**
 * The tiles of `rect` when seams cut it into equal parts (rows, columns or both); null when
 * there are none.
 */
export function findSeamTiles(img: RgbaImage, g: BreakGrid, rect: ContentRect): ContentRect[] | null {
  const rows = seamsAlong(img, g, rect, true);
  const cols = seamsAlong(img, g, rect, false);
  if (rows.length === 0 && cols.length === 0) return null;
  const ys = [rect.y, ...rows, rect.y + rect.height];
  const xs = [rect.x, ...cols, rect.x + rect.width];
  const tiles: ContentRect[] = [];
  for (let r = 0; r + 1 < ys.length; r++) {
    for (let c = 0; c + 1 < xs.length; c++) tiles.push({ x: xs[c], y: ys[r], width: xs[c + 1] - xs[c], height: ys[r + 1] - ys[r] });
  }
  return tiles;
}
