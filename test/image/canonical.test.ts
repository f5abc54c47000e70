import { describe, expect, it } from 'vitest';
import {
  CANONICAL_MAX_SIDE,
  LUMA_FROM_B_COEFF,
  LUMA_FROM_G_COEFF,
  LUMA_FROM_R_COEFF,
  canonicalReductionFactor,
  canonicalSize,
  lumaFromRgba,
  lumaOfPixel,
} from '../../shared/image/canonical';
import { isVeilError } from '../../shared/errors';
import { flatRgba, prng, syntheticRgba } from '../hash/support/synthetic';

/** PDQ's fillFloatLumaFromRGB written out with explicit float32 rounding, as the C++ evaluates it. */
function referenceLuma(r: number, g: number, b: number): number {
  const f = Math.fround;
  return f(f(f(LUMA_FROM_R_COEFF * r) + f(LUMA_FROM_G_COEFF * g)) + f(LUMA_FROM_B_COEFF * b));
}

describe('lumaFromRgba', () => {
  it('uses the reference luma weights held as float32', () => {
    expect(LUMA_FROM_R_COEFF).toBe(Math.fround(0.299));
    expect(LUMA_FROM_G_COEFF).toBe(Math.fround(0.587));
    expect(LUMA_FROM_B_COEFF).toBe(Math.fround(0.114));
  });

  it('gives the reference float32 luma for every opaque pixel', () => {
    const img = syntheticRgba(61, 47, 3);
    const { width, height, luma } = lumaFromRgba(img);
    expect([width, height]).toEqual([61, 47]);
    for (let p = 0; p < width * height; p++) {
      const q = p * 4;
      expect(luma[p]).toBe(referenceLuma(img.data[q], img.data[q + 1], img.data[q + 2]));
    }
  });

  it('matches the reference on 20 000 random colours', () => {
    const rnd = prng(99);
    for (let i = 0; i < 20000; i++) {
      const r = (rnd() * 256) | 0;
      const g = (rnd() * 256) | 0;
      const b = (rnd() * 256) | 0;
      expect(lumaOfPixel(r, g, b)).toBe(referenceLuma(r, g, b));
    }
  });

  it('keeps grey within float rounding of its level', () => {
    for (let v = 0; v < 256; v++) expect(Math.abs(lumaOfPixel(v, v, v) - v)).toBeLessThan(1e-4);
  });

  it('composites alpha onto white in 8 bits, rounding half up', () => {
    const img = { width: 4, height: 1, data: Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 128, 200, 100, 50, 255, 10, 20, 30, 1]) };
    const { luma } = lumaFromRgba(img);
    expect(luma[0]).toBe(lumaOfPixel(255, 255, 255)); // fully transparent is white
    expect(luma[1]).toBe(lumaOfPixel(127, 127, 127)); // (255 * 127 + 127) / 255 = 127.5 → 127
    expect(luma[2]).toBe(lumaOfPixel(200, 100, 50)); // opaque untouched
    const c = (v: number) => Math.floor((v * 1 + 255 * 254 + 127) / 255);
    expect(luma[3]).toBe(lumaOfPixel(c(10), c(20), c(30)));
  });

  it('writes into the buffer it is given, or a view of a larger one', () => {
    const img = syntheticRgba(20, 10, 1);
    const exact = new Float32Array(200);
    expect(lumaFromRgba(img, exact).luma).toBe(exact);
    const larger = new Float32Array(1000);
    const view = lumaFromRgba(img, larger).luma;
    expect(view.buffer).toBe(larger.buffer);
    expect(view.length).toBe(200);
    expect(view).toEqual(lumaFromRgba(img).luma);
    expect(lumaFromRgba(img, new Float32Array(10)).luma.length).toBe(200); // too small: a new one
  });

  it('is deterministic and accepts Uint8ClampedArray', () => {
    const img = syntheticRgba(33, 21, 8);
    const clamped = { ...img, data: new Uint8ClampedArray(img.data) };
    expect(lumaFromRgba(clamped).luma).toEqual(lumaFromRgba(img).luma);
  });

  it('refuses an empty image and a buffer of the wrong length', () => {
    const fail = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return err;
      }
      return undefined;
    };
    expect(isVeilError(fail(() => lumaFromRgba({ width: 0, height: 5, data: new Uint8Array(0) })), 'image/empty')).toBe(true);
    expect(isVeilError(fail(() => lumaFromRgba({ width: 2, height: 2, data: new Uint8Array(15) })), 'internal')).toBe(true);
  });
});

describe('reduction of very large images', () => {
  it('factor is 1 up to CANONICAL_MAX_SIDE, then ceil(long / max)', () => {
    expect(canonicalReductionFactor(CANONICAL_MAX_SIDE, 10)).toBe(1);
    expect(canonicalReductionFactor(10, CANONICAL_MAX_SIDE + 1)).toBe(2);
    expect(canonicalReductionFactor(4096, 3000)).toBe(2);
    expect(canonicalReductionFactor(4097, 3000)).toBe(3);
    expect(canonicalSize(4100, 10)).toEqual({ width: 1367, height: 4 });
  });

  it('averages k x k blocks of luma, partial blocks at the edges over the pixels they hold', () => {
    const width = 4100;
    const height = 10;
    const img = syntheticRgba(width, height, 5);
    const k = 3;
    const { width: ow, height: oh, luma } = lumaFromRgba(img);
    expect([ow, oh]).toEqual([1367, 4]);
    for (const [ox, oy] of [
      [0, 0],
      [700, 1],
      [1366, 0],
      [1366, 3],
      [5, 3],
    ]) {
      let sum = 0;
      let n = 0;
      for (let y = oy * k; y < Math.min(height, oy * k + k); y++) {
        for (let x = ox * k; x < Math.min(width, ox * k + k); x++) {
          const q = (y * width + x) * 4;
          sum += lumaOfPixel(img.data[q], img.data[q + 1], img.data[q + 2]);
          n++;
        }
      }
      expect(luma[oy * ow + ox]).toBe(Math.fround(sum / n));
    }
  });

  it('keeps a flat image flat and bounds the output size', () => {
    const { width, height, luma } = lumaFromRgba(flatRgba(5000, 3000, 40, 80, 120));
    expect(Math.max(width, height)).toBeLessThanOrEqual(CANONICAL_MAX_SIDE);
    const expected = lumaOfPixel(40, 80, 120);
    for (let i = 0; i < luma.length; i += 997) expect(luma[i]).toBeCloseTo(expected, 4);
  });
});
