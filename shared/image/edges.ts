import type { RgbaImage } from './types';
import { BREAK_TOLERANCE, medianOfFive, pixelDistance, PLAIN_BREAK_FRACTION, PLAIN_MIN_BREAKS, PLAIN_OUTLIER_FRACTION, PLAIN_TOLERANCE } from './breaks';

/**
 * The straight edge between a pasted photo and the surface around it, at full resolution, for
 * regions.ts. An edge is a boundary between two lines: `b` is the first photo line of a top or
 * left edge, or the first surface line after a bottom or right edge. Lines are rows for top and
 * bottom edges (measured along columns [from, to)), columns for left and right edges.
 *
 * A straight edge: along nearly all of it, the last surface line still matches the surface a
 * few lines further out (which is plain, breaks.ts), and one of the first lines inside differs
 * from it. A photo's own edges (a subject against a backdrop, a shelf, a sign) rarely pass over
 * their whole length; an edge drawn by pasting passes everywhere the photo is not the colour of
 * the surface.
 */

/** Per-channel distance (levels) within which the last surface line still matches the surface (JPEG rings next to an edge)... */
const EDGE_TOLERANCE = 24;
/** ...and beyond which a line inside differs from it: a drawn surface is flat, so a small difference is the photo. */
const EDGE_INSIDE_TOLERANCE = 12;
/** Lines inside the photo that may show it, from its edge (JPEG smears the edge's first line). */
const EDGE_DEPTH = 3;
/** Share of an edge's positions that must pass. */
export const EDGE_COVERAGE = 0.8;
/** Lines between an edge and the surface line it is checked against (past JPEG's worst ringing). */
export const SURFACE_OFFSET = 3;
/** Largest mean step along a surface line (levels) that still counts as drawn, not photographed. */
export const SURFACE_MAX_NOISE = 0.5;
/** Lines outside an edge probed for noise, and a noise that ends the search (a line as drawn). */
const SURFACE_PROBE_DEPTH = 48;
export const SURFACE_QUIET = 0.1;

export interface EdgeProbe {
  img: RgbaImage;
  /** true: the edge is a row boundary (top or bottom); false: a column boundary. */
  horizontal: boolean;
  /** +1 when the photo lies at larger coordinates (top and left edges), -1 otherwise. */
  inward: 1 | -1;
  /** The span measured along the edge, [from, to) in pixels. */
  from: number;
  to: number;
  /** Positions along the edge are this many pixels apart. */
  stride: number;
}

function offset(e: EdgeProbe, line: number, along: number): number {
  return (e.horizontal ? line * e.img.width + along : along * e.img.width + line) * 4;
}

/** Summed step between the two lines either side of boundary `b` (b - 1 and b). */
export function stepAt(e: EdgeProbe, b: number): number {
  let sum = 0;
  for (let a = e.from; a < e.to; a += e.stride) sum += pixelDistance(e.img.data, offset(e, b - 1, a), offset(e, b, a));
  return sum;
}

/**
 * Whether boundary `b` is a straight edge (see above), checked every `stride` px and passing at
 * `coverage` of the positions. Gives up as soon as too many positions failed, so a line that is
 * plainly no edge costs a fifth of its length.
 */
export function isStraightEdge(e: EdgeProbe, b: number, stride = e.stride, coverage = EDGE_COVERAGE): boolean {
  const { data } = e.img;
  const limit = e.horizontal ? e.img.height : e.img.width;
  const outside = e.inward > 0 ? b - 1 : b;
  const firstInside = e.inward > 0 ? b : b - 1;
  const surface = Math.max(0, Math.min(limit - 1, outside - e.inward * SURFACE_OFFSET));
  const positions = Math.ceil((e.to - e.from) / stride);
  if (positions <= 0 || outside < 0 || outside >= limit) return false;
  let failures = Math.floor(positions * (1 - coverage));
  for (let a = e.from; a < e.to; a += stride) {
    const ref = offset(e, surface, a);
    let sharp = false;
    if (pixelDistance(data, offset(e, outside, a), ref) <= EDGE_TOLERANCE) {
      for (let d = 0; d < EDGE_DEPTH && !sharp; d++) {
        const line = firstInside + d * e.inward;
        if (line < 0 || line >= limit) break;
        sharp = pixelDistance(data, offset(e, line, a), ref) > EDGE_INSIDE_TOLERANCE;
      }
    }
    if (!sharp && --failures < 0) return false;
  }
  return isPlainLine(e, surface);
}

/**
 * breaks.ts's plain test on a full-resolution line over the probe's span: the surface outside a
 * photo is plain, where the far side of a gap (the next photo of a collage) is not.
 */
function isPlainLine(e: EdgeProbe, line: number): boolean {
  const { data } = e.img;
  const stride = 2 * e.stride;
  const n = Math.ceil((e.to - e.from) / stride);
  if (n < 5) return false;
  const at = (i: number) => offset(e, line, e.from + i * stride);
  const ref = medianOfFive(data, at(0), at(n >> 2), at(n >> 1), at((3 * n) >> 2), at(n - 1));
  let breaks = Math.floor(Math.max(PLAIN_MIN_BREAKS, n * PLAIN_BREAK_FRACTION));
  let outliers = Math.floor(n * PLAIN_OUTLIER_FRACTION);
  for (let i = 0; i < n; i++) {
    if (pixelDistance(data, at(i), ref) > PLAIN_TOLERANCE && --outliers < 0) return false;
    if (i > 0 && pixelDistance(data, at(i - 1), at(i)) > BREAK_TOLERANCE && --breaks < 0) return false;
  }
  return true;
}

/**
 * Mean step (largest channel, levels) between neighbours along line `line` over [a0, a1), at
 * every other position, leaving out steps over BREAK_TOLERANCE (the edges of text and icons):
 * about 0 on a drawn surface, even after JPEG away from edges; 1.5 to 3 on a photographed wall.
 */
export function lineNoise(img: RgbaImage, horizontal: boolean, line: number, a0: number, a1: number): number {
  const next = horizontal ? 4 : img.width * 4;
  let sum = 0;
  let count = 0;
  for (let a = a0; a + 1 < a1; a += 2) {
    const p = horizontal ? (line * img.width + a) * 4 : (a * img.width + line) * 4;
    const d = pixelDistance(img.data, p, p + next);
    if (d > BREAK_TOLERANCE) continue;
    sum += d;
    count++;
  }
  return count > 0 ? sum / count : Infinity;
}

/**
 * The quietest of the surface lines outside an edge (`edge` the surface line next to the photo,
 * `outward` away from it), up to SURFACE_PROBE_DEPTH lines out: the lines next to the photo ring
 * after JPEG and some cross text, but a drawn surface has some line as flat as it was drawn.
 */
export function surfaceNoise(img: RgbaImage, horizontal: boolean, edge: number, outward: 1 | -1, a0: number, a1: number): number {
  const limit = horizontal ? img.height : img.width;
  let quietest = Infinity;
  for (let d = 2; d <= SURFACE_PROBE_DEPTH && quietest > SURFACE_QUIET; d++) {
    const line = edge + outward * d;
    if (line < 0 || line >= limit) break;
    quietest = Math.min(quietest, lineNoise(img, horizontal, line, a0, a1));
  }
  return quietest;
}
