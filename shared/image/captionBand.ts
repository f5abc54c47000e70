import type { RgbaImage } from './types';
import type { ContentRect } from './trim';
import { opaqueChannel } from './trim';
import { isPlainSampleLine, medianOfFive, PLAIN_OUTLIER_FRACTION, sampleDistance, type BreakGrid } from './breaks';
import { surfaceNoise, SURFACE_QUIET } from './edges';

/**
 * The photo under (or over) a meme caption band whose edge the XY cut cannot place (regions.ts):
 * the photo's outer lines are the band's colour over most of the width (a white-backdrop
 * portrait, a pale sky under a white band), so no straight edge separates them, and placeSide's
 * search runs on into the caption's text. The band itself still reads plainly on the break grid
 * (breaks.ts), walking in from the image's top or bottom border: plain lines of one colour, a
 * line or two of text (short runs of detail, mostly the band's colour, split into several marks
 * across, with ink far from the band's colour), a plain margin, then the photo. The photo starts
 * where the margin's plain run ends, placed to the pixel by the first full-resolution line that
 * is still the band's colour. When the photo's own outer lines are plain and the band's colour
 * too, nothing tells them apart and the side lands that far inside the photo.
 *
 * An ordinary photo rarely has all of it: its plain stretch reaching the border must be as flat
 * as drawn (edges.ts surfaceNoise; a clipped sky is, but carries no text), and a speck, a bird
 * or JPEG's ringing is too short for a line of text and too faint or too few for written ink.
 * On the corpus (test/eval/edits.ts) it places the photo's side on 141 of the 142 caption edits
 * (within 1 px or 0.5%; the last lands 1.5% low, on a white top) and finds no band in any of the
 * 4260 originals, mild edits and crops.
 */

/** A caption band takes at most this share of the image's height. */
const BAND_MAX_FRACTION = 0.35;
/** A line of caption text is at least this share of the image's height (captions in the corpus: 4 to 5%)... */
const TEXT_LINE_MIN_FRACTION = 0.02;
/** ...and at most this share of the image's height (a run of detail taller than this is the photo). */
const TEXT_LINE_MAX_FRACTION = 0.12;
/** Marks (glyphs, words) across the band's text, at least: a caption is written, a lone speck is not one. */
const BAND_MIN_MARKS = 3;
/** A mark spans less than this share of the width (a run of detail across is the photo, not text). */
const MARK_MAX_SPAN = 0.9;
/** Text is ink on the band: at least this share of its lines' samples are the band's colour... */
const TEXT_MIN_BAND_SHARE = 0.5;
/** ...and at least this share are ink, at least INK_CONTRAST levels (largest channel) from it (corpus captions: 10% or more). */
const TEXT_MIN_INK_SHARE = 0.03;
const INK_CONTRAST = 128;
/** Per-channel distance (levels) within which a line is still the band's colour (JPEG rings a little next to the photo). */
const BAND_COLOUR_TOLERANCE = 12;
/** The photo keeps at least this share of the image's height (a band taking more is no caption). */
const PHOTO_MIN_FRACTION = 0.5;

/** Whether grid row j is plain across the image. */
function rowIsPlain(g: BreakGrid, j: number): boolean {
  return isPlainSampleLine(g, true, j, 0, g.w);
}

/** Offset in g.rgb of row j's typical colour (median of five samples along it). */
function rowColour(g: BreakGrid, j: number): number {
  const n = g.w;
  const o = j * g.w * 3;
  return medianOfFive(g.rgb, o, o + (n >> 2) * 3, o + (n >> 1) * 3, o + ((3 * n) >> 2) * 3, o + (n - 1) * 3);
}

/**
 * Marks across grid rows [j0, j1): the runs of columns with detail in them, or -1 when a run
 * spans most of the width (then the rows are a photo's, not text).
 */
function marksAcross(g: BreakGrid, j0: number, j1: number): number {
  let marks = 0;
  let start = -1;
  for (let i = 0; i <= g.w; i++) {
    const plain = i === g.w || isPlainSampleLine(g, false, i, j0, j1);
    if (!plain && start < 0) start = i;
    if (plain && start >= 0) {
      if (i - start >= g.w * MARK_MAX_SPAN) return -1;
      marks++;
      start = -1;
    }
  }
  return marks;
}

/** Samples of grid rows [j0, j1) that are the band's colour, and that are ink on it (far from it). */
function textSamples(g: BreakGrid, ref: number, j0: number, j1: number): { band: number; ink: number } {
  let band = 0;
  let ink = 0;
  for (let o = j0 * g.w * 3; o < j1 * g.w * 3; o += 3) {
    const d = sampleDistance(g.rgb, o, ref);
    if (d <= BAND_COLOUR_TOLERANCE) band++;
    else if (d >= INK_CONTRAST) ink++;
  }
  return { band, ink };
}

/**
 * Whether full-resolution row `y` is the band's colour `ref` (offset in g.rgb) at all but a few
 * of its positions (every `stride` px).
 */
function isBandLine(img: RgbaImage, g: BreakGrid, ref: number, y: number, stride: number): boolean {
  const { data, width } = img;
  const n = Math.ceil(width / stride);
  let outliers = Math.floor(n * PLAIN_OUTLIER_FRACTION);
  for (let x = 0; x < width; x += stride) {
    const p = (y * width + x) * 4;
    for (let c = 0; c < 3; c++) {
      const v = data[p + 3] === 255 ? data[p + c] : opaqueChannel(data, p, c);
      if (Math.abs(v - g.rgb[ref + c]) > BAND_COLOUR_TOLERANCE) {
        if (--outliers < 0) return false;
        break;
      }
    }
  }
  return true;
}

/**
 * The photo's outer line next to a caption band along the top (`fromTop`) or bottom border: the
 * first photo row (top), or the row after the photo (bottom); null when that border has no band.
 */
export function captionBandEdge(img: RgbaImage, g: BreakGrid, fromTop: boolean): number | null {
  const dir = fromTop ? 1 : -1;
  const rowAt = (k: number) => (fromTop ? k : g.h - 1 - k);
  if (!rowIsPlain(g, rowAt(0))) return null;
  const ref = rowColour(g, rowAt(0));
  const maxRows = Math.floor(g.h * BAND_MAX_FRACTION);
  const maxText = Math.max(2, Math.floor(g.h * TEXT_LINE_MAX_FRACTION));
  let marks = 0;
  let samples = 0;
  let ink = 0;
  // The photo starts at walking row k, after the band's text: written text has several marks,
  // and ink that stands out from the band (a photo's specks on a clipped sky, or hair on a black
  // backdrop, are near the surface's colour).
  const photoAt = (k: number) => {
    return marks >= BAND_MIN_MARKS && ink >= samples * TEXT_MIN_INK_SHARE ? placeBandEdge(img, g, ref, rowAt(k), dir) : null;
  };
  let k = 1;
  while (k <= maxRows) {
    // A plain run of the band's colour (a plain line of another colour is the photo's)...
    while (k <= maxRows && rowIsPlain(g, rowAt(k))) {
      if (sampleDistance(g.rgb, rowColour(g, rowAt(k)), ref) > BAND_COLOUR_TOLERANCE) return photoAt(k);
      k++;
    }
    if (k > maxRows) return null;
    // ...then a run of detail: a line of text (short, mostly the band's colour, split into marks
    // across), or the photo.
    let end = k;
    while (end < g.h && end - k <= maxText && !rowIsPlain(g, rowAt(end))) end++;
    const j0 = Math.min(rowAt(k), rowAt(end - 1));
    const j1 = Math.max(rowAt(k), rowAt(end - 1)) + 1;
    const text = textSamples(g, ref, j0, j1);
    const n = (j1 - j0) * g.w;
    const across = end - k <= maxText && end < g.h && text.band >= n * TEXT_MIN_BAND_SHARE ? marksAcross(g, j0, j1) : -1;
    if (across < 0) return photoAt(k);
    // Shorter than a line of text: specks (JPEG's ringing under the text, birds in a clipped sky).
    if (end - k >= g.h * TEXT_LINE_MIN_FRACTION) {
      marks += across;
      samples += n;
      ink += text.ink;
    }
    k = end;
  }
  return null;
}

/**
 * The band's edge at full resolution: grid row `j` is the photo's outermost row of detail and
 * the row before it (outwards, -dir) is the band's; the lines between are the photo's until the
 * first of the band's colour. Null unless the band is drawn: some line of it as flat as drawn.
 */
function placeBandEdge(img: RgbaImage, g: BreakGrid, ref: number, j: number, dir: 1 | -1): number | null {
  const s = g.step;
  const stride = Math.max(1, s >> 1);
  const detail = j * s;
  let first = detail;
  for (let d = 1; d < s; d++) {
    const y = detail - dir * d;
    if (isBandLine(img, g, ref, y, stride)) break;
    first = y;
  }
  const at = dir > 0 ? first : first + 1;
  const outer = dir > 0 ? at - 1 : at;
  if (surfaceNoise(img, true, outer, dir > 0 ? -1 : 1, 0, img.width) > SURFACE_QUIET) return null;
  return at;
}

/**
 * The photo between caption bands at the top and/or bottom, spanning the width; null when the
 * image has no such band or too little is left.
 */
export function captionBandPhoto(img: RgbaImage, g: BreakGrid): ContentRect | null {
  const top = captionBandEdge(img, g, true);
  const bottom = captionBandEdge(img, g, false);
  if (top === null && bottom === null) return null;
  const y0 = top ?? 0;
  const y1 = bottom ?? img.height;
  if (y1 - y0 < img.height * PHOTO_MIN_FRACTION) return null;
  return { x: 0, y: y0, width: img.width, height: y1 - y0 };
}
