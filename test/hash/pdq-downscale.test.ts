import { describe, expect, it } from 'vitest';
import {
  box1DFloat,
  box4RowsFloat,
  computeJaroszFilterWindowSize,
  createJaroszScratch,
  decimateFloat,
  decimationIndex,
  jaroszFilterDecimate64,
  jaroszFilterFloat,
} from '../../shared/hash/pdq-downscale';
import { randomLuma, syntheticLuma } from './support/synthetic';

/** The reference's order of work: full Jarosz filter in place, then decimation. */
function referenceDownsample(luma: Float32Array, rows: number, cols: number): Float32Array {
  const b1 = luma.slice();
  const b2 = new Float32Array(rows * cols);
  jaroszFilterFloat(b1, b2, rows, cols, computeJaroszFilterWindowSize(cols, 64), computeJaroszFilterWindowSize(rows, 64), 2);
  const out = new Float32Array(64 * 64);
  decimateFloat(b1, rows, cols, out, 64, 64);
  return out;
}

describe('Jarosz filter and decimation', () => {
  it('window sizes are ceil(old / 128) for a 64 px target', () => {
    expect(computeJaroszFilterWindowSize(1024, 64)).toBe(8);
    expect(computeJaroszFilterWindowSize(1025, 64)).toBe(9);
    expect(computeJaroszFilterWindowSize(128, 64)).toBe(1);
    expect(computeJaroszFilterWindowSize(5, 64)).toBe(1);
    expect(computeJaroszFilterWindowSize(2048, 64)).toBe(16);
  });

  it('decimation samples target pixel centres', () => {
    expect(decimationIndex(0, 1024, 64)).toBe(8);
    expect(decimationIndex(63, 1024, 64)).toBe(1016);
    expect(decimationIndex(0, 34, 64)).toBe(0);
    expect(decimationIndex(63, 34, 64)).toBe(33);
  });

  it('box1DFloat averages a centred window that shrinks at the edges', () => {
    const v = Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const out = new Float32Array(10);
    box1DFloat(v, 0, out, 0, 10, 1, 3);
    // Window 3: out[i] = mean of v[i-1..i+1] clipped to the vector.
    expect(Array.from(out)).toEqual([0.5, 1, 2, 3, 4, 5, 6, 7, 8, 8.5]);
    box1DFloat(v, 0, out, 0, 10, 1, 1);
    expect(Array.from(out)).toEqual(Array.from(v));
  });

  it.each([1, 2, 3, 7, 8, 16])('box4RowsFloat gives box1DFloat floats on each row (window %i)', (window) => {
    const cols = 211;
    const img = randomLuma(cols, 4, window);
    const fast = new Float32Array(cols * 4);
    const slow = new Float32Array(cols * 4);
    const reciprocals = Float64Array.from({ length: 17 }, (_, c) => (c === 0 ? 0 : 1 / c));
    box4RowsFloat(img.luma, 0, fast, 0, cols, window, reciprocals);
    for (let r = 0; r < 4; r++) box1DFloat(img.luma, r * cols, slow, r * cols, cols, 1, window);
    expect(fast).toEqual(slow);
  });

  it.each([
    [5, 5],
    [34, 42],
    [64, 64],
    [65, 63],
    [127, 129],
    [200, 150],
    [333, 250],
    [1024, 768],
    [17, 1000],
    [1500, 9],
  ])('the fused fast path gives the reference path floats bit for bit (%i x %i)', (w, h) => {
    const scratch = createJaroszScratch();
    for (const img of [randomLuma(w, h, w + h), syntheticLuma(w, h, w * h)]) {
      const out = new Float32Array(4096);
      jaroszFilterDecimate64(img.luma, h, w, computeJaroszFilterWindowSize(w, 64), computeJaroszFilterWindowSize(h, 64), out, scratch);
      expect(out).toEqual(referenceDownsample(img.luma, h, w));
    }
  });

  it('a scratch grown for a large image still gives exact results for a small one', () => {
    const scratch = createJaroszScratch();
    const big = randomLuma(900, 700, 1);
    const small = randomLuma(70, 90, 2);
    const out = new Float32Array(4096);
    jaroszFilterDecimate64(big.luma, 700, 900, 8, 6, out, scratch);
    jaroszFilterDecimate64(small.luma, 90, 70, 1, 1, out, scratch);
    expect(out).toEqual(referenceDownsample(small.luma, 90, 70));
  });
});
