import type { RgbaImage } from './types';
import { pixelDistance } from './breaks';
import { opaqueChannel } from './trim';

/**
 * Undoing a small rotation: a re-posted photo turned by a few degrees on a canvas grown to hold
 * it, the four corners filled with one colour (what `sharp(bytes).rotate(5, { background })`,
 * and most editors' "rotate" with a background, make). PDQ of the turned copy is far from the
 * original's (rotate-5 in docs/evaluation.md), and no crop of it matches, so the hasher hashes
 * the photo turned back as a view of its own.
 *
 * Detection. The four corner pixels share one colour (the fill). From each side of the canvas,
 * the first pixel in every row (or column) that is not fill traces the photo's outline: from
 * the left, two straight stretches meeting at the photo's leftmost corner, one steep (a side of
 * the photo) and one shallow (seen from the left, its top or bottom). A line is fitted to the
 * steep stretch seen from each of the four sides, by least squares with outliers dropped (photo
 * content the colour of the fill pushes the outline inwards, JPEG ringing outwards). The four
 * lines give four estimates of the angle; they must agree and fit tightly, and the corners they
 * meet at must touch the canvas's borders. An ordinary photo's corners rarely share a colour,
 * and when they do (a white backdrop), its outline is not four straight lines at one angle.
 *
 * Angles are in degrees, positive clockwise as seen on screen (y down), as sharp's rotate takes
 * them: findSmallRotation of `sharp(x).rotate(5)` is about 5, and unrotate(img, 5) turns it back.
 *
 * Measured on the corpus (142 photos turned by 5, 1, 15, -7 on black, -3 on grey, then JPEG):
 * found for 84 to 90% (misses: photos whose sides are the fill's colour, a white backdrop on a
 * white fill), angle error median 0.005 degrees, at most 0.21; turned back, PDQ within 31 of
 * the original for all of them (median 2 to 4 bits; the turned image as is: median 70 to 128,
 * and 36 at 1 degree). It fires on no original nor any of 4544 mild edits, crops and frames.
 * About 3 ms for a turned 1024 px photo, nothing for one whose corners differ.
 */

/** Per-channel distance (levels) from the fill beyond which a pixel is the photo. */
const FILL_TOLERANCE = 40;
/** Largest distance between the four corner pixels for them to be one fill. */
const CORNER_TOLERANCE = 12;
/** Smallest and largest angle (degrees) reported: below, the corners are a line or two of fill. */
export const DESKEW_MIN_DEGREES = 0.5;
export const DESKEW_MAX_DEGREES = 20;
/** Largest spread (degrees) between the four edges' angles: a constant, plus this over the shorter side in px. */
const ANGLE_AGREEMENT = 0.4;
const ANGLE_AGREEMENT_PX_DEGREES = 80;
/** Distance (px) from an edge's line within which an outline point counts for it. */
const FIT_INLIER_PX = 1.5;
/** Largest RMS distance (px) of an edge's inliers from its line, and least share of inliers. */
const FIT_MAX_RMS = 1;
const FIT_MIN_INLIERS = 0.6;
/** How far (px, and share of the longer side) a corner of the photo may lie from the canvas's border. */
const CORNER_SLACK_PX = 3;
const CORNER_SLACK_FRACTION = 0.01;
/** Smallest canvas side that is worth it. */
const DESKEW_MIN_SIDE = 48;

export interface SmallRotation {
  degrees: number;
  fill: [number, number, number];
}

/** A line depth = a + b·k fitted to an outline, with the share of points near it and their RMS distance. */
interface Line {
  a: number;
  b: number;
  inliers: number;
  rms: number;
}

/** Median of the first n values of a scratch array (sorted in place). */
function median(v: Float64Array, n: number): number {
  const s = v.subarray(0, n).sort();
  return n % 2 ? s[n >> 1] : (s[(n >> 1) - 1] + s[n >> 1]) / 2;
}

/**
 * A line through points (t[i], u[i]), robust to a large share of outliers: the slope is the
 * median of the slopes between points half the run apart (Theil and Sen's estimator, sampled),
 * the intercept the median offset; then least squares over the points within FIT_INLIER_PX,
 * twice.
 */
function robustLine(t: Float64Array, u: Float64Array, n: number): Line | null {
  if (n < 8) return null;
  const scratch = new Float64Array(n);
  const half = n >> 1;
  for (let i = 0; i < half; i++) scratch[i] = (u[i + half] - u[i]) / (t[i + half] - t[i]);
  let b = median(scratch, half);
  for (let i = 0; i < n; i++) scratch[i] = u[i] - b * t[i];
  let a = median(scratch, n);
  let inliers = 0;
  let rms = Infinity;
  for (let pass = 0; pass < 2; pass++) {
    let st = 0;
    let su = 0;
    let stt = 0;
    let stu = 0;
    let m = 0;
    for (let i = 0; i < n; i++) {
      if (Math.abs(u[i] - a - b * t[i]) > FIT_INLIER_PX) continue;
      st += t[i];
      su += u[i];
      stt += t[i] * t[i];
      stu += t[i] * u[i];
      m++;
    }
    const det = m * stt - st * st;
    if (m < 8 || det === 0) return null;
    b = (m * stu - st * su) / det;
    a = (su - b * st) / m;
    inliers = 0;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const r = Math.abs(u[i] - a - b * t[i]);
      if (r <= FIT_INLIER_PX) {
        inliers++;
        ss += r * r;
      }
    }
    rms = Math.sqrt(ss / Math.max(1, inliers));
  }
  return { a, b, inliers: inliers / n, rms };
}

/**
 * The photo's outline seen from one side: for each line across (a row for left and right, a
 * column for top and bottom), how deep the fill reaches, to a fraction of a pixel; -1 where the
 * line is all fill. The depth is where the distance from the fill crosses half the photo's
 * distance just inside (the middle of the resampled edge), so content of any contrast gives the
 * same position.
 */
function outline(img: RgbaImage, fromStart: boolean, rows: boolean, fill: Uint8Array): Float64Array {
  const { width: W, height: H, data } = img;
  const lines = rows ? H : W;
  const depth = rows ? W : H;
  const out = new Float64Array(lines);
  const at = (k: number, d: number) => {
    const along = fromStart ? d : depth - 1 - d;
    return (rows ? k * W + along : along * W + k) * 4;
  };
  for (let k = 0; k < lines; k++) {
    out[k] = -1;
    for (let d = 0; d < depth; d++) {
      const dist = distanceToFill(data, at(k, d), fill);
      if (dist <= FILL_TOLERANCE) continue;
      const inside = Math.max(dist, d + 1 < depth ? distanceToFill(data, at(k, d + 1), fill) : 0, d + 2 < depth ? distanceToFill(data, at(k, d + 2), fill) : 0);
      const level = inside / 2;
      // Walk back to the pixel below the level and interpolate between it and the next.
      let e = d;
      let de = dist;
      while (e > 0 && de >= level) {
        e--;
        de = distanceToFill(data, at(k, e), fill);
      }
      const next = e < d ? distanceToFill(data, at(k, e + 1), fill) : de;
      out[k] = de >= level || next === de ? e : e + (level - de) / (next - de);
      break;
    }
  }
  return out;
}

function distanceToFill(data: RgbaImage['data'], p: number, fill: Uint8Array): number {
  if (data[p + 3] === 255) {
    const r = Math.abs(data[p] - fill[0]);
    const g = Math.abs(data[p + 1] - fill[1]);
    const b = Math.abs(data[p + 2] - fill[2]);
    return r > g ? (r > b ? r : b) : g > b ? g : b;
  }
  let d = 0;
  for (let c = 0; c < 3; c++) d = Math.max(d, Math.abs(opaqueChannel(data, p, c) - fill[c]));
  return d;
}

/**
 * The steep stretch of an outline (the depth changing slowly along it: the side of the photo
 * facing that side of the canvas) fitted with a line depth = a + b·k, or null. The outline is
 * split where the fill is shallowest (the photo's corner nearest that side); each part loses a
 * tenth at each end (resampling and JPEG round the corners) and the longer part with |b| < 1
 * is the side. Lines that are all fill are left out.
 */
function sideLine(profile: Float64Array): Line | null {
  const n = profile.length;
  let vertex = -1;
  let best = Infinity;
  for (let k = 0; k < n; k++) {
    if (profile[k] >= 0 && profile[k] < best) {
      best = profile[k];
      vertex = k;
    }
  }
  if (vertex < 0) return null;
  // The middle of the run of lines within a pixel of the shallowest.
  let end = vertex;
  while (end + 1 < n && profile[end + 1] >= 0 && profile[end + 1] < best + 1) end++;
  vertex = (vertex + end) >> 1;
  const t = new Float64Array(n);
  const u = new Float64Array(n);
  let chosen: Line | null = null;
  let chosenLength = 0;
  for (const [s, e] of [
    [0, vertex],
    [vertex + 1, n],
  ]) {
    const trim = Math.floor((e - s) / 10) + 1;
    let m = 0;
    for (let k = s + trim; k < e - trim; k++) {
      if (profile[k] < 0) continue;
      t[m] = k;
      u[m] = profile[k];
      m++;
    }
    if (m <= chosenLength) continue;
    const line = robustLine(t, u, m);
    if (line && Math.abs(line.b) < 1) {
      chosen = line;
      chosenLength = m;
    }
  }
  return chosen;
}

/** A side of the photo found on the canvas: x = p + q·y when steep, y = p + q·x when shallow. */
interface Side {
  steep: boolean;
  p: number;
  q: number;
  degrees: number;
}

/** All four sides if their angles agree within `tolerance`, else the three that agree best, else null. */
function bestAgreeing(sides: Side[], tolerance: number): Side[] | null {
  const spread = (set: Side[]) => Math.max(...set.map((x) => x.degrees)) - Math.min(...set.map((x) => x.degrees));
  if (sides.length === 4 && spread(sides) <= tolerance) return sides;
  let best: Side[] | null = null;
  for (let skip = 0; skip < sides.length; skip++) {
    const set = sides.length === 4 ? sides.filter((_, i) => i !== skip) : sides;
    if (set.length === 3 && spread(set) <= tolerance && (best === null || spread(set) < spread(best))) best = set;
  }
  return best;
}

/**
 * The angle of a photo turned by a small angle on a canvas filled with one colour, and that
 * colour; null for anything else (an ordinary photo, a flat image, a tiny one).
 */
export function findSmallRotation(img: RgbaImage): SmallRotation | null {
  const { width: W, height: H, data } = img;
  if (W < DESKEW_MIN_SIDE || H < DESKEW_MIN_SIDE || data.length !== W * H * 4) return null;
  const corners = [0, (W - 1) * 4, (H - 1) * W * 4, (H * W - 1) * 4];
  for (const p of corners) for (const q of corners) if (pixelDistance(data, p, q) > CORNER_TOLERANCE) return null;
  const fill = new Uint8Array(3);
  for (let c = 0; c < 3; c++) fill[c] = Math.round(corners.reduce((s, p) => s + opaqueChannel(data, p, c), 0) / 4);

  // Depth of the fill from each side; positions are turned into canvas coordinates below.
  const left = sideLine(outline(img, true, true, fill));
  const right = sideLine(outline(img, false, true, fill));
  const top = sideLine(outline(img, true, false, fill));
  const bottom = sideLine(outline(img, false, false, fill));
  // Each side in canvas coordinates (steep ones x = p + q·y, shallow ones y = p + q·x) and the
  // angle it gives. Clockwise by θ the left side runs x = a - tanθ·y, the right side's depth
  // grows with y, the top runs y = a + tanθ·x and the bottom's depth shrinks with x.
  const deg = (slope: number) => (Math.atan(slope) * 180) / Math.PI;
  const sides: Side[] = [];
  const add = (l: Line | null, steep: boolean, p: (l: Line) => number, sign: 1 | -1) => {
    if (l && l.rms <= FIT_MAX_RMS && l.inliers >= FIT_MIN_INLIERS) sides.push({ steep, p: p(l), q: sign * l.b, degrees: (steep ? -sign : sign) * deg(l.b) });
  };
  add(left, true, (l) => l.a, 1);
  add(right, true, (l) => W - 1 - l.a, -1);
  add(top, false, (l) => l.a, 1);
  add(bottom, false, (l) => H - 1 - l.a, -1);
  // A side hidden by photo content the colour of the fill (a white backdrop on white) is left
  // out: three sides that agree are enough. Each side's angle is good to about a pixel over its
  // length.
  const tolerance = ANGLE_AGREEMENT + ANGLE_AGREEMENT_PX_DEGREES / Math.min(W, H);
  const agreeing = bestAgreeing(sides, tolerance);
  if (agreeing === null) return null;
  const degrees = agreeing.reduce((sum, side) => sum + side.degrees, 0) / agreeing.length;
  if (Math.abs(degrees) < DESKEW_MIN_DEGREES || Math.abs(degrees) > DESKEW_MAX_DEGREES) return null;
  // The photo's corners, where its sides meet, touch the canvas's borders (it was grown to hold
  // the turned photo).
  const slack = CORNER_SLACK_PX + Math.max(W, H) * CORNER_SLACK_FRACTION;
  for (const v of agreeing) {
    for (const h of agreeing) {
      if (!v.steep || h.steep) continue;
      const x = (v.p + v.q * h.p) / (1 - v.q * h.q);
      const y = h.p + h.q * x;
      const gap = Math.min(Math.abs(x), Math.abs(W - 1 - x), Math.abs(y), Math.abs(H - 1 - y));
      if (gap > slack || x < -slack || y < -slack || x > W - 1 + slack || y > H - 1 + slack) return null;
    }
  }
  return { degrees, fill: [fill[0], fill[1], fill[2]] };
}

/**
 * The photo of a canvas made by turning it `degrees` clockwise (see findSmallRotation), turned
 * back and cut to its original size, by bilinear sampling. The original size follows from the
 * canvas's (which holds the turned photo exactly, centred): W' = W·cos + H·sin, H' = W·sin + H·cos,
 * rounded (measured on sharp's canvases: the size comes back to within a pixel). Throws a
 * RangeError beyond DESKEW_MAX_DEGREES, where that inversion loses its precision (at 45 degrees
 * it has none).
 */
export function unrotate(img: RgbaImage, degrees: number): RgbaImage {
  const { width: Wc, height: Hc, data } = img;
  if (!(Math.abs(degrees) <= DESKEW_MAX_DEGREES)) throw new RangeError(`unrotate: ${degrees} degrees is not a small rotation`);
  if (Wc < 2 || Hc < 2) return { width: Wc, height: Hc, data: Uint8Array.from(data) };
  const t = (degrees * Math.PI) / 180;
  const c = Math.cos(t);
  const s = Math.sin(t);
  const ca = Math.abs(c);
  const sa = Math.abs(s);
  const det = ca * ca - sa * sa;
  const W = Math.max(1, Math.round((Wc * ca - Hc * sa) / det));
  const H = Math.max(1, Math.round((Hc * ca - Wc * sa) / det));
  const out = new Uint8Array(W * H * 4);
  const cx = Wc / 2;
  const cy = Hc / 2;
  for (let v = 0; v < H; v++) {
    const dv = v + 0.5 - H / 2;
    for (let u = 0; u < W; u++) {
      const du = u + 0.5 - W / 2;
      // The photo's pixel centre turned clockwise onto the canvas, in index space.
      const x = cx + du * c - dv * s - 0.5;
      const y = cy + du * s + dv * c - 0.5;
      sampleBilinear(data, Wc, Hc, x, y, out, (v * W + u) * 4);
    }
  }
  return { width: W, height: H, data: out };
}

function sampleBilinear(data: RgbaImage['data'], W: number, H: number, x: number, y: number, out: Uint8Array, o: number): void {
  const xc = Math.min(W - 1, Math.max(0, x));
  const yc = Math.min(H - 1, Math.max(0, y));
  const x0 = Math.min(W - 2, Math.floor(xc));
  const y0 = Math.min(H - 2, Math.floor(yc));
  const fx = xc - x0;
  const fy = yc - y0;
  const p00 = (y0 * W + x0) * 4;
  const p01 = p00 + 4;
  const p10 = p00 + W * 4;
  const p11 = p10 + 4;
  for (let ch = 0; ch < 4; ch++) {
    const top = data[p00 + ch] + (data[p01 + ch] - data[p00 + ch]) * fx;
    const bottom = data[p10 + ch] + (data[p11 + ch] - data[p10 + ch]) * fx;
    out[o + ch] = Math.round(top + (bottom - top) * fy);
  }
}
