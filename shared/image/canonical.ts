import { VeilError } from '../errors';
import type { LumaImage, RgbaImage } from './types';

/**
 * The canonical hash input: decoded RGBA8 → alpha composited onto white → PDQ luminance, with a
 * deterministic integer box reduction for very large images. Every step is plain IEEE arithmetic
 * in a fixed order (float32 emulated with typed-array stores and Math.fround), so Chromium, Node
 * and any other engine turn identical RGBA into bit-identical luma. No platform resize is used:
 * canvas and libvips resamplers differ between builds, and each difference costs hash bits.
 */

/**
 * Luma weights as PDQ's reference declares them (pdq/cpp/hashing/pdqhashing.cpp,
 * `luma_from_R_coeff` … : "standard RGB to luminance", the Rec. 601 'Y'), held as C++ `float`.
 */
export const LUMA_FROM_R_COEFF = Math.fround(0.299);
export const LUMA_FROM_G_COEFF = Math.fround(0.587);
export const LUMA_FROM_B_COEFF = Math.fround(0.114);

/**
 * Longest side kept at full resolution. PDQ decimates to 64x64 and blockhash to 16x16, so detail
 * beyond 2048 px changes no bit that matters, while a 100-megapixel photo would need 400 MB of
 * float luma. Above this, the image is reduced by an integer box factor k = ceil(longSide / 2048)
 * (see lumaFromRgba), which keeps the luma buffer under 2048 x 2048 floats (16 MiB).
 */
export const CANONICAL_MAX_SIDE = 2048;

/** The integer box factor lumaFromRgba applies: 1 up to CANONICAL_MAX_SIDE, then ceil(long / max). */
export function canonicalReductionFactor(width: number, height: number): number {
  const longSide = Math.max(width, height);
  return longSide > CANONICAL_MAX_SIDE ? Math.ceil(longSide / CANONICAL_MAX_SIDE) : 1;
}

/** Size of the canonical luma image for a decoded image of this size. */
export function canonicalSize(width: number, height: number): { width: number; height: number } {
  const k = canonicalReductionFactor(width, height);
  return { width: Math.ceil(width / k), height: Math.ceil(height / k) };
}

/**
 * One channel composited onto white: c·a/255 + 255·(1 − a/255), rounded half up to 8 bits, in
 * integers. Rounding to 8 bits (rather than keeping a float) makes a transparent PNG hash exactly
 * like the same PNG flattened onto white by any 8-bit tool first, which is how the reference
 * vectors were made (../shared/pdq/README: "composited onto white first").
 */
export function compositeOnWhite(c: number, a: number): number {
  return ((c * a + 255 * (255 - a) + 127) / 255) | 0;
}

/**
 * PDQ's fillFloatLumaFromRGB for one pixel, in float32 exactly as the C++ evaluates
 * `R*r + G*g + B*b` (each product and each sum rounded to float). For grey pixels (r = g = b) the
 * result can differ from the grey value in the last float bit, as in the reference.
 */
export function lumaOfPixel(r: number, g: number, b: number): number {
  const fr = Math.fround(LUMA_FROM_R_COEFF * r);
  const fg = Math.fround(LUMA_FROM_G_COEFF * g);
  return Math.fround(Math.fround(fr + fg) + Math.fround(LUMA_FROM_B_COEFF * b));
}

/**
 * The per-pixel loop of lumaFromRgba at full size, for opaque pixels from index p0 on; returns the
 * index of the first pixel that is not opaque (or n). Kept free of the compositing branch, which
 * made the whole loop a third slower when inlined; the coefficients come in as parameters so
 * the optimiser holds them in registers. The typed-array store is lumaOfPixel's last fround.
 */
function fillOpaqueLuma(
  data: Uint8Array | Uint8ClampedArray,
  luma: Float32Array,
  p0: number,
  n: number,
  cr: number,
  cg: number,
  cb: number,
): number {
  for (let p = p0, q = p0 * 4; p < n; p++, q += 4) {
    if (data[q + 3] !== 255) return p;
    luma[p] = Math.fround(Math.fround(cr * data[q]) + Math.fround(cg * data[q + 1])) + Math.fround(cb * data[q + 2]);
  }
  return n;
}

function fillLuma(data: Uint8Array | Uint8ClampedArray, luma: Float32Array, n: number): void {
  let p = 0;
  while (p < n) {
    p = fillOpaqueLuma(data, luma, p, n, LUMA_FROM_R_COEFF, LUMA_FROM_G_COEFF, LUMA_FROM_B_COEFF);
    // Then runs of translucent pixels, composited onto white one by one.
    for (let q = p * 4; p < n && data[q + 3] !== 255; p++, q += 4) {
      const a = data[q + 3];
      luma[p] = lumaOfPixel(compositeOnWhite(data[q], a), compositeOnWhite(data[q + 1], a), compositeOnWhite(data[q + 2], a));
    }
  }
}

function checkRgba(img: RgbaImage): void {
  const { width, height, data } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new VeilError('image/empty', `Decoded size ${width}x${height} has no pixels.`);
  }
  if (data.length !== width * height * 4) {
    throw new VeilError('internal', `RGBA buffer holds ${data.length} bytes, expected ${width * height * 4}.`);
  }
}

/**
 * Canonical luma of decoded RGBA (see the file comment). `out` is used when it holds at least
 * width·height floats of the canonical size (a batch passes the same buffer each time); the
 * returned `luma` is then a view of it, valid until the next call with the same buffer.
 *
 * Large images (long side > CANONICAL_MAX_SIDE): each output pixel is the plain mean of the
 * luma of a k x k block of input pixels (blocks at the right and bottom edges hold fewer, and
 * average only the pixels they hold). Sums run in float64 in row-major order, then round to
 * float32. Only one row of sums is kept, so memory is the output plus 16 KiB.
 */
export function lumaFromRgba(img: RgbaImage, out?: Float32Array): LumaImage {
  checkRgba(img);
  const { width, height, data } = img;
  const k = canonicalReductionFactor(width, height);
  const outW = Math.ceil(width / k);
  const outH = Math.ceil(height / k);
  const n = outW * outH;
  const luma = out && out.length >= n ? (out.length === n ? out : out.subarray(0, n)) : new Float32Array(n);

  if (k === 1) {
    fillLuma(data, luma, n);
    return { width: outW, height: outH, luma };
  }

  const rowSums = new Float64Array(outW);
  for (let oy = 0; oy < outH; oy++) {
    rowSums.fill(0);
    const y0 = oy * k;
    const y1 = Math.min(height, y0 + k);
    for (let y = y0; y < y1; y++) {
      let q = y * width * 4;
      for (let x = 0; x < width; x++, q += 4) {
        const a = data[q + 3];
        let r = data[q];
        let g = data[q + 1];
        let b = data[q + 2];
        if (a !== 255) {
          r = compositeOnWhite(r, a);
          g = compositeOnWhite(g, a);
          b = compositeOnWhite(b, a);
        }
        rowSums[(x / k) | 0] += lumaOfPixel(r, g, b);
      }
    }
    const rows = y1 - y0;
    const base = oy * outW;
    for (let ox = 0; ox < outW; ox++) {
      const cols = Math.min(width, (ox + 1) * k) - ox * k;
      luma[base + ox] = rowSums[ox] / (rows * cols);
    }
  }
  return { width: outW, height: outH, luma };
}

/**
 * pdq-photo-hasher's front end: an image wider or taller than PDQ_FRONT_END_DIMS is resampled to
 * exactly PDQ_FRONT_END_DIMS x PDQ_FRONT_END_DIMS by nearest neighbour (source pixel
 * floor(i * size / 512) on each axis; the aspect ratio is not kept) before its luma is taken.
 *
 * Veil hashes through this front end because it makes Veil's PDQ the reference tool's PDQ, bit
 * for bit, for the same decoded pixels (all 34 vectors in ../shared/pdq), so lists can be
 * exchanged with ThreatExchange and Hasher-Matcher-Actioner without a margin lost to front-end
 * differences. Measured alternatives: full-resolution luma (lumaFromRgba) came 2 to 10 bits from
 * the reference on the large vectors and cost 3x the time on a 1024 px photo, for the same recall
 * on the corpus (docs/evaluation.md).
 */
export const PDQ_FRONT_END_DIMS = 512;

/** Mirror left-right (x) and/or upside down (y). */
export interface Flip {
  x: boolean;
  y: boolean;
}
export const NO_FLIP: Readonly<Flip> = Object.freeze({ x: false, y: false });

/** Mirrors a luma image in place (exact: one value per pixel moves). */
function flipLuma(img: LumaImage, flip: Flip): LumaImage {
  const { width, height, luma } = img;
  if (flip.x) {
    for (let y = 0; y < height; y++) luma.subarray(y * width, (y + 1) * width).reverse();
  }
  if (flip.y) {
    const tmp = new Float32Array(width);
    for (let y = 0; y < height >> 1; y++) {
      const a = luma.subarray(y * width, (y + 1) * width);
      const b = luma.subarray((height - 1 - y) * width, (height - y) * width);
      tmp.set(a);
      a.set(b);
      b.set(tmp);
    }
  }
  return img;
}

/**
 * Luma of the image as PDQ and blockhash see it: lumaFromRgba of the front end's output.
 * `rgbaScratch` (PDQ_FRONT_END_DIMS² · 4 bytes, reused by a batch) holds the resampled pixels.
 */
export function hashInputLuma(img: RgbaImage, out?: Float32Array, rgbaScratch?: Uint8Array, flip: Flip = NO_FLIP): LumaImage {
  checkRgba(img);
  const { width, height, data } = img;
  const n = PDQ_FRONT_END_DIMS;
  if (width <= n && height <= n) return flipLuma(lumaFromRgba(img, out), flip);
  const rgba = rgbaScratch && rgbaScratch.length >= n * n * 4 ? rgbaScratch.subarray(0, n * n * 4) : new Uint8Array(n * n * 4);
  // Source column of each output column, computed once per image rather than once per pixel.
  const columns = new Int32Array(n);
  // Flipping samples the flipped image's grid, so a flip computed here equals resampling an
  // image that was mirrored before it reached us (what a re-poster's mirror produces).
  for (let x = 0; x < n; x++) {
    const c = Math.floor((x * width) / n);
    columns[x] = flip.x ? width - 1 - c : c;
  }
  // Whole pixels move as one 32-bit word when both buffers are word-aligned (they are, from
  // sharp, canvas and the scratch), else byte by byte. Signed words: V8 keeps them as integers,
  // where an opaque pixel read as unsigned (over 2^31) would go through a double.
  const aligned = data.byteOffset % 4 === 0 && rgba.byteOffset % 4 === 0;
  const src32 = aligned ? new Int32Array(data.buffer, data.byteOffset, width * height) : null;
  const dst32 = aligned ? new Int32Array(rgba.buffer, rgba.byteOffset, n * n) : null;
  for (let y = 0; y < n; y++) {
    const r = Math.floor((y * height) / n);
    const row = (flip.y ? height - 1 - r : r) * width;
    const base = y * n;
    if (src32 && dst32) {
      for (let x = 0; x < n; x++) dst32[base + x] = src32[row + columns[x]];
      continue;
    }
    for (let x = 0; x < n; x++) {
      const src = (row + columns[x]) * 4;
      const dst = (base + x) * 4;
      rgba[dst] = data[src];
      rgba[dst + 1] = data[src + 1];
      rgba[dst + 2] = data[src + 2];
      rgba[dst + 3] = data[src + 3];
    }
  }
  const luma = lumaFromRgba({ width: n, height: n, data: rgba }, out);
  rgba.fill(0);
  return luma;
}
