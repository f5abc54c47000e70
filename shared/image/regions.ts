import type { RgbaImage } from './types';
import { findContentRect, TRIM_MIN_KEEP_PX, type ContentRect } from './trim';
import { breakGrid, isPlainSampleLine, type BreakGrid } from './breaks';
import { EDGE_COVERAGE, isStraightEdge, lineNoise, stepAt, surfaceNoise, SURFACE_MAX_NOISE, SURFACE_OFFSET, SURFACE_QUIET, type EdgeProbe } from './edges';
import { findSeamTiles } from './seams';
import { captionBandPhoto } from './captionBand';

/**
 * The rectangles of a query image that may each hold a re-posted photo: the photo under or over a
 * meme caption, the photo inside a screenshot of an app, each tile of a collage. The hasher
 * hashes each as a view of its own, because PDQ of the whole (the photo plus the band, the UI or
 * the other tiles) is far from the photo's own (corpus median 108 to 130 bits).
 *
 * Framed photos: a recursive XY cut (Nagy and Seth, 1984, for page layout). A made-up surface
 * has plain lines (breaks.ts): a caption band between its text and the photo, the background of
 * a chat between its bubbles, a collage's gaps. Cutting a block along the runs of plain lines
 * that cross it, first across then down, and again inside each piece until no plain line
 * crosses it, leaves blocks of detail: glyphs, words, icons, and the photos. Each large leaf's
 * sides are then found at full resolution (placeSide): the nearest straight edge (edges.ts)
 * outwards from its detail, which may lie beyond a plain stretch of the photo itself (a sky
 * under a caption); the photo reaches the border when there is none; and a tile of a collage
 * whose edge is invisible (a white sky against a white gap) takes the edge of the tiles in its
 * row or column. PDQ tolerates about 1% of misalignment per side, so edges are placed to the
 * pixel: of the boundaries that pass, the one with the strongest step.
 *
 * Tiles laid edge to edge have no plain line between them: seams.ts finds straight seams that
 * cut the image (or a framed photo) into equal parts.
 *
 * An ordinary photo rarely has a plain line right across it, and when it has (a blown-out sky, a
 * black shadow), what is left rarely has a straight edge there. A single framed photo needs
 * more (embeddedPhoto): a drawn surface (quiet, not photographed) above or below it, carrying
 * marks (text, icons). Two framed photos that overlap are one photo cut by a line, and a
 * rectangle equal to findContentRect's is trim.ts's view already.
 *
 * A photo whose outer lines are the colour of a caption band over it (a white-backdrop portrait
 * under a white band) has no edge against the band, and its side is blocked by the caption's
 * text: captionBand.ts reads the band's layout instead (plain lines of one colour, a line of
 * text, a plain margin) and places the side where the margin ends. It adds that view only where
 * the XY cut framed no photo against the band.
 *
 * Measured on the corpus (142 photos, test/eval/edits.ts; each side within 1 px or 0.5%): the
 * photo under the caption edit 97.9% (88.7% by the XY cut alone), in the chat screenshot 94.4%,
 * the photo's cell of the 2x2 collage 93.0%; every region found is within PDQ 31 of the original
 * when the edit kept the photo's aspect (median 0, 10 and 6 bits; the whole edited image: 116 to
 * 128). The caption misses left: a photo whose top lines are plain and the band's colour (the
 * side lands 1.5% low) and two whose XY-cut side is a photo's own edge. It fires on no original,
 * and on 5 of 4118 mild edits and crops (all 23 mild and 6 crop edits, 0.12%: two photos, a
 * projector's printed panel and a pier's planks, both true straight edges on flat surfaces).
 * About 3 ms for a 1024 px photo in Node (a tenth of hashing it; the band adds about 0.3 ms to a
 * captioned image, nothing measurable to others).
 */

export type RegionReason = 'caption' | 'screenshot' | 'collage';

export interface QueryRegion {
  reason: RegionReason;
  rect: ContentRect;
}

export interface FindRegionsOptions {
  /**
   * findContentRect(img) when the caller has it already (the hasher does): a region equal to it
   * is left out. Computed here when absent.
   */
  trimmed?: ContentRect | null;
}

/** Most regions returned: each costs a hash set and one more chance of a false match. */
export const MAX_QUERY_REGIONS = 6;
/** A region's sides are at least TRIM_MIN_KEEP_PX and this share of the image's side... */
const REGION_MIN_SIDE_FRACTION = 0.15;
/** ...and its area at least this share of the image's. */
const REGION_MIN_AREA_FRACTION = 0.03;
/** Positions of the quick look at a line before the full edge test. */
const EDGE_QUICK_POSITIONS = 24;
/** Pixels an edge may lie inside where the grid first sees detail (JPEG ringing before the edge). */
const EDGE_RINGING = 8;
/** A mark (text, an icon) spans less than this share of the image either way; a longer leaf is a rule or a stripe. */
const MARK_MAX_SPAN = 0.9;
/** Recursion depth of the XY cut (a 3x3 collage in a screenshot needs about 5). */
const MAX_CUT_DEPTH = 8;

/** A block of the grid, [i0, i1) x [j0, j1) in samples. */
interface Block {
  i0: number;
  j0: number;
  i1: number;
  j1: number;
}

/** Runs [start, end) of lines in [k0, k1) that are not plain. */
function detailRuns(k0: number, k1: number, plain: (k: number) => boolean): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  let start = -1;
  for (let k = k0; k < k1; k++) {
    if (!plain(k)) {
      if (start < 0) start = k;
    } else if (start >= 0) {
      runs.push([start, k]);
      start = -1;
    }
  }
  if (start >= 0) runs.push([start, k1]);
  return runs;
}

/** The XY cut: every leaf block (no plain line crosses it) of `b`, into `leaves`. */
function xyCut(g: BreakGrid, b: Block, depth: number, leaves: Block[]): void {
  // A block with no detail run either way (too small for a line to count breaks) is a leaf.
  const rows = detailRuns(b.j0, b.j1, (j) => isPlainSampleLine(g, true, j, b.i0, b.i1));
  if (rows.length === 0) {
    leaves.push(b);
    return;
  }
  if (rows.length !== 1 || rows[0][0] !== b.j0 || rows[0][1] !== b.j1) {
    if (depth < MAX_CUT_DEPTH) for (const [j0, j1] of rows) xyCut(g, { ...b, j0, j1 }, depth + 1, leaves);
    return;
  }
  const cols = detailRuns(b.i0, b.i1, (i) => isPlainSampleLine(g, false, i, b.j0, b.j1));
  if (cols.length === 0) {
    leaves.push(b);
    return;
  }
  if (cols.length !== 1 || cols[0][0] !== b.i0 || cols[0][1] !== b.i1) {
    if (depth < MAX_CUT_DEPTH) for (const [i0, i1] of cols) xyCut(g, { ...b, i0, i1 }, depth + 1, leaves);
    return;
  }
  leaves.push(b);
}

type Side = 'top' | 'bottom' | 'left' | 'right';
const SIDES: readonly Side[] = ['top', 'bottom', 'left', 'right'];

/**
 * One side of a leaf placed: `at` is the first photo line (top, left) or the first line after
 * the photo (bottom, right). 'edge': a straight edge was found there; 'border': no edge lies
 * between the leaf's detail and the image's border, so the photo's own outer stretch is plain or
 * sparse (a dark floor, a white wall, a blurred backdrop) and it reaches the border; 'blocked':
 * no edge before another large leaf (the next tile of a collage), at its near side.
 */
interface Placement {
  at: number;
  kind: 'edge' | 'border' | 'blocked';
}

/** A large leaf with its detail's pixel bounds and the placement of each side. */
interface Candidate {
  block: Block;
  /** Pixel bounds of the detail: [x0, x1) x [y0, y1). */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  sides: Record<Side, Placement>;
}

function detailBounds(b: Block, s: number): Pick<Candidate, 'x0' | 'y0' | 'x1' | 'y1'> {
  return { x0: b.i0 * s, y0: b.j0 * s, x1: (b.i1 - 1) * s + 1, y1: (b.j1 - 1) * s + 1 };
}

/**
 * The nearest straight edge on one side of candidate `c`, searched from just inside its detail
 * outwards: a photo's own outer lines can be plain or sparse (a sky under a caption, with a bird
 * in it), and then its edge lies beyond them. The search stops at the next large leaf across
 * that side. Of the boundaries next to the first that passes, the one with the strongest step
 * wins (JPEG smears an edge over a line or two).
 */
function placeSide(img: RgbaImage, g: BreakGrid, c: Candidate, side: Side, others: Candidate[], leaves: Block[]): Placement {
  const s = g.step;
  const horizontal = side === 'top' || side === 'bottom';
  const inward: 1 | -1 = side === 'top' || side === 'left' ? 1 : -1;
  const limit = horizontal ? img.height : img.width;
  const margin = s + EDGE_RINGING;
  // Measured along the detail's other extent, well inside it.
  const from = (horizontal ? c.x0 : c.y0) + margin;
  const to = (horizontal ? c.x1 : c.y1) - margin;
  const detailEdge = horizontal ? (inward > 0 ? c.y0 : c.y1) : inward > 0 ? c.x0 : c.x1;
  const atBorder = inward > 0 ? detailEdge === 0 : detailEdge >= (horizontal ? (g.h - 1) * s + 1 : (g.w - 1) * s + 1);
  if (atBorder || to - from < EDGE_QUICK_POSITIONS) return { at: inward > 0 ? 0 : limit, kind: 'border' };
  // The next large leaf outwards across this side.
  let stop = inward > 0 ? 0 : limit;
  for (const o of others) {
    if (o === c) continue;
    const overlap = Math.min(to, horizontal ? o.x1 : o.y1) - Math.max(from, horizontal ? o.x0 : o.y0);
    if (overlap <= 0) continue;
    const facing = horizontal ? (inward > 0 ? o.y1 : o.y0) : inward > 0 ? o.x1 : o.x0;
    if (inward > 0 ? facing <= detailEdge && facing > stop : facing >= detailEdge && facing < stop) stop = facing;
  }
  const e: EdgeProbe = { img, horizontal, inward, from, to, stride: Math.max(1, s >> 1) };
  const sparse = Math.max(e.stride, Math.floor((to - from) / EDGE_QUICK_POSITIONS));
  const first = Math.max(1, Math.min(limit - 1, detailEdge + inward * margin));
  // An edge needs its surface line outside the image: nearer the border it is the photo's own.
  const last = inward > 0 ? Math.max(SURFACE_OFFSET + 1, stop + 1) : Math.min(limit - 1 - SURFACE_OFFSET, stop - 1);
  for (let at = first; inward > 0 ? at >= last : at <= last; at -= inward) {
    // A quick look at a few positions first: most lines are plainly no edge.
    if (!isStraightEdge(e, at, sparse, EDGE_COVERAGE - 0.2) || !isStraightEdge(e, at)) continue;
    let best = at;
    let bestStep = -1;
    for (let b = at - 2 * inward; b !== at + 2 * inward; b += inward) {
      if (b < 1 || b > limit - 1 || !isStraightEdge(e, b)) continue;
      const step = stepAt(e, b);
      if (step > bestStep) {
        bestStep = step;
        best = b;
      }
    }
    return { at: best, kind: 'edge' };
  }
  if (stop !== 0 && stop !== limit) return { at: stop, kind: 'blocked' };
  // Reaching the border over a mark apart from the detail (a line of caption text beyond the
  // plain band) would take the mark in: that side has no place.
  for (const b of leaves) {
    if (b === c.block) continue;
    const lo = horizontal ? b.j0 * s : b.i0 * s;
    const hi = horizontal ? (b.j1 - 1) * s + 1 : (b.i1 - 1) * s + 1;
    const overlap = Math.min(to, horizontal ? (b.i1 - 1) * s + 1 : (b.j1 - 1) * s + 1) - Math.max(from, horizontal ? b.i0 * s : b.j0 * s);
    if (overlap <= 0 || (inward > 0 ? hi > detailEdge : lo < detailEdge)) continue;
    // Apart, that is, by a drawn surface: a line between as flat as drawn (a photo's own smooth
    // wall or floor with a speck on it is not that flat after JPEG, unless crushed to black).
    const near = inward > 0 ? hi : lo;
    for (let line = detailEdge; line !== near; line -= inward) {
      if (lineNoise(img, horizontal, line, from, to) <= SURFACE_QUIET) return { at: stop, kind: 'blocked' };
    }
  }
  return { at: stop, kind: 'border' };
}

/**
 * A side without an edge of its own (a white sky next to a white gap), blocked by the next tile
 * of a collage or reaching the border, takes the same side of another tile whose edge lies
 * between: tiles in a row of a grid share their top and bottom, tiles in a column their left
 * and right, all of them the collage's outer margin. Null when there is none.
 */
function alignSide(c: Candidate, side: Side, all: Candidate[]): number | null {
  const p = c.sides[side];
  const inward = side === 'top' || side === 'left' ? 1 : -1;
  const detailEdge = side === 'top' ? c.y0 : side === 'bottom' ? c.y1 : side === 'left' ? c.x0 : c.x1;
  let best: number | null = null;
  for (const o of all) {
    const q = o.sides[side];
    if (o === c || q.kind === 'blocked') continue;
    const between = inward > 0 ? q.at >= p.at && q.at <= detailEdge : q.at <= p.at && q.at >= detailEdge;
    if (between && (best === null || Math.abs(q.at - detailEdge) < Math.abs(best - detailEdge))) best = q.at;
  }
  return best;
}

function isLarge(r: ContentRect, W: number, H: number): boolean {
  return (
    r.width >= Math.max(TRIM_MIN_KEEP_PX, W * REGION_MIN_SIDE_FRACTION) &&
    r.height >= Math.max(TRIM_MIN_KEEP_PX, H * REGION_MIN_SIDE_FRACTION) &&
    r.width * r.height >= W * H * REGION_MIN_AREA_FRACTION
  );
}

/** Whether two rectangles are the same view for PDQ: every side within 0.5% of the size (or 1 px). */
function sameView(a: ContentRect, b: ContentRect): boolean {
  const tx = Math.max(1, 0.005 * a.width);
  const ty = Math.max(1, 0.005 * a.height);
  return (
    Math.abs(a.x - b.x) <= tx &&
    Math.abs(a.x + a.width - b.x - b.width) <= tx &&
    Math.abs(a.y - b.y) <= ty &&
    Math.abs(a.y + a.height - b.y - b.height) <= ty
  );
}

/**
 * Whether `r` has the sides that caption bands placed on `band` (its top unless 0, its bottom
 * unless the image's), each as close as sameView asks.
 */
function sameBandSides(r: ContentRect, band: ContentRect, H: number): boolean {
  const t = Math.max(1, 0.005 * band.height);
  const bottom = band.y + band.height;
  return (band.y === 0 || Math.abs(r.y - band.y) <= t) && (bottom === H || Math.abs(r.y + r.height - bottom) <= t);
}

function intersects(a: ContentRect, b: ContentRect): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** Whether leaf b lies wholly outside rect r (s: the grid's step). */
function outside(b: Block, s: number, r: ContentRect): boolean {
  return b.i1 * s <= r.x || b.i0 * s >= r.x + r.width || b.j1 * s <= r.y || b.j0 * s >= r.y + r.height;
}

/**
 * Rectangles of `img` that may each hold a re-posted photo, best (largest) first, at most
 * MAX_QUERY_REGIONS; [] for an ordinary photo. Deterministic; reads the pixels only.
 */
export function findQueryRegions(img: RgbaImage, opts: FindRegionsOptions = {}): QueryRegion[] {
  const { width: W, height: H } = img;
  if (W < TRIM_MIN_KEEP_PX || H < TRIM_MIN_KEEP_PX || img.data.length !== W * H * 4) return [];
  const g = breakGrid(img);
  const leaves: Block[] = [];
  xyCut(g, { i0: 0, j0: 0, i1: g.w, j1: g.h }, 0, leaves);
  const found: QueryRegion[] = [];
  const photos = framedPhotos(img, g, leaves);
  if (photos.length === 1) {
    const single = embeddedPhoto(img, photos[0], leaves, g.step);
    photos.length = 0;
    if (single) photos.push(single);
  }
  if (photos.length > 0) {
    const reason = photos.length > 1 ? 'collage' : singleReason(g, photos[0], W);
    for (const rect of photos) {
      const tiles = findSeamTiles(img, g, rect);
      if (tiles) for (const tile of tiles) found.push({ reason: 'collage', rect: tile });
      else found.push({ reason, rect });
    }
  }
  // Tiles laid edge to edge, with no plain line between them for the XY cut.
  const tiles = findSeamTiles(img, g, { x: 0, y: 0, width: W, height: H });
  if (tiles) for (const tile of tiles) found.push({ reason: 'collage', rect: tile });
  // A caption band whose photo the XY cut could not frame: no edge between them (the photo's
  // outer lines are the band's colour). Where it did frame one against the band, that one has
  // its other sides placed (a frame around the captioned photo is not the photo's).
  const banded = captionBandPhoto(img, g);
  if (banded && !found.some((r) => sameBandSides(r.rect, banded, H))) found.push({ reason: 'caption', rect: banded });
  const trimmed = opts.trimmed !== undefined ? opts.trimmed : findContentRect(img);
  const kept: QueryRegion[] = [];
  for (const r of found) {
    if (trimmed && sameView(r.rect, trimmed)) continue;
    if (!kept.some((k) => sameView(k.rect, r.rect))) kept.push(r);
  }
  kept.sort((a, b) => b.rect.width * b.rect.height - a.rect.width * a.rect.height);
  return kept.slice(0, MAX_QUERY_REGIONS);
}

/**
 * The photos the XY cut's large leaves frame: each side placed and every side either an edge,
 * the border, or aligned with another tile's. Two that overlap are dropped: tiles of a collage
 * do not overlap, and two regions that do are one photo cut in two by a line across it.
 */
function framedPhotos(img: RgbaImage, g: BreakGrid, leaves: Block[]): ContentRect[] {
  const { width: W, height: H } = img;
  const s = g.step;
  const candidates: Candidate[] = [];
  for (const block of leaves) {
    const c = { block, ...detailBounds(block, s), sides: {} as Record<Side, Placement> };
    if (isLarge({ x: c.x0, y: c.y0, width: c.x1 - c.x0, height: c.y1 - c.y0 }, W, H)) candidates.push(c);
  }
  for (const c of candidates) for (const side of SIDES) c.sides[side] = placeSide(img, g, c, side, candidates, leaves);
  const photos: ContentRect[] = [];
  for (const c of candidates) {
    const at: Partial<Record<Side, number>> = {};
    for (const side of SIDES) {
      const p = c.sides[side];
      const placed = p.kind === 'edge' ? p.at : (alignSide(c, side, candidates) ?? (p.kind === 'border' ? p.at : null));
      if (placed !== null) at[side] = placed;
    }
    if (at.top === undefined || at.bottom === undefined || at.left === undefined || at.right === undefined) continue;
    const rect = { x: at.left, y: at.top, width: at.right - at.left, height: at.bottom - at.top };
    if (isLarge(rect, W, H) && (rect.width < W || rect.height < H)) photos.push(rect);
  }
  return photos.filter((r) => photos.every((o) => o === r || !intersects(o, r)));
}

/**
 * 'caption' when the photo spans the image's width, or all of it between plain side margins (a
 * frame); 'screenshot' otherwise.
 */
function singleReason(g: BreakGrid, r: ContentRect, W: number): RegionReason {
  const s = g.step;
  const plainColumn = (x: number) => x < 0 || x >= g.w || isPlainSampleLine(g, false, x, 0, g.h);
  const left = r.x === 0 || plainColumn(Math.floor(r.x / s) - 1);
  const right = r.x + r.width === W || plainColumn(Math.ceil((r.x + r.width) / s) + 1);
  return left && right ? 'caption' : 'screenshot';
}

/**
 * A single region with the extra evidence it needs, or null: an ordinary photo can hold a
 * straight edge against a plain stretch (a sign on a wall, a door frame, a step). A side whose
 * surface is photographed, not drawn (noisy: a wall, a sky), is the photo's own and goes to the
 * border; then the photo must still be cut above or below (a caption, a screenshot: a plain
 * stretch beside it only is a wall or a pillar, and a frame of one colour all round is
 * trim.ts's case), and the surface must carry marks (text, icons; a lone rule across is none).
 */
function embeddedPhoto(img: RgbaImage, r: ContentRect, leaves: Block[], s: number): ContentRect | null {
  const { width: W, height: H } = img;
  const quiet = (horizontal: boolean, edge: number, outward: 1 | -1) =>
    surfaceNoise(img, horizontal, edge, outward, horizontal ? r.x : r.y, horizontal ? r.x + r.width : r.y + r.height) <= SURFACE_MAX_NOISE;
  const y0 = r.y > 0 && quiet(true, r.y - 1, -1) ? r.y : 0;
  const y1 = r.y + r.height < H && quiet(true, r.y + r.height, 1) ? r.y + r.height : H;
  const x0 = r.x > 0 && quiet(false, r.x - 1, -1) ? r.x : 0;
  const x1 = r.x + r.width < W && quiet(false, r.x + r.width, 1) ? r.x + r.width : W;
  if (y0 === 0 && y1 === H) return null;
  const rect = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  // A mark is a glyph, a word, an icon: some lines of it both ways, short of a rule across.
  const isMark = (b: Block) => b.i1 - b.i0 >= 2 && b.j1 - b.j0 >= 2 && (b.i1 - b.i0) * s < W * MARK_MAX_SPAN && (b.j1 - b.j0) * s < H * MARK_MAX_SPAN;
  return leaves.some((b) => isMark(b) && outside(b, s, rect)) ? rect : null;
}
