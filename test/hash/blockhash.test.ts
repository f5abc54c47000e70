import { describe, expect, it } from 'vitest';
import { bmvbhash } from 'blockhash-core';
import {
  BLOCKHASH_GRID,
  areaAverageLuma,
  areaWeights,
  blockhashFromLuma,
  createBlockhashScratch,
} from '../../shared/hash/blockhash';
import { hexToBytes } from '../../shared/hex';
import { checkHashUsable } from '../../shared/hash/gates';
import type { LumaImage } from '../../shared/image/types';
import { hammingDistance, randomLuma, syntheticLuma } from './support/synthetic';

/** Area average by brute force: integrate the piecewise-constant image over each cell. */
function bruteAreaAverage(img: LumaImage, n: number): Float64Array {
  const out = new Float64Array(n * n);
  const { width: w, height: h, luma } = img;
  const overlap = (a0: number, a1: number, b0: number, b1: number) => Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
  for (let oy = 0; oy < n; oy++) {
    for (let ox = 0; ox < n; ox++) {
      const x0 = (ox * w) / n;
      const x1 = ((ox + 1) * w) / n;
      const y0 = (oy * h) / n;
      const y1 = ((oy + 1) * h) / n;
      let sum = 0;
      for (let y = Math.floor(y0); y < Math.ceil(y1); y++) {
        for (let x = Math.floor(x0); x < Math.ceil(x1); x++) {
          sum += overlap(x, x + 1, x0, x1) * overlap(y, y + 1, y0, y1) * luma[y * w + x];
        }
      }
      out[oy * n + ox] = sum / ((x1 - x0) * (y1 - y0));
    }
  }
  return out;
}

describe('area average', () => {
  it.each([
    [1024, 128],
    [1000, 128],
    [37, 128],
    [5, 16],
    [128, 128],
  ])('weights from %i to %i cover each cell exactly once', (inLength, outLength) => {
    const w = areaWeights(inLength, outLength);
    for (let o = 0; o < outLength; o++) {
      let sum = 0;
      for (let t = 0; t < w.count[o]; t++) sum += w.weight[w.offset[o] + t];
      expect(sum).toBe(inLength);
      expect(w.first[o] + w.count[o]).toBeLessThanOrEqual(inLength);
    }
  });

  it.each([
    [300, 200],
    [37, 23],
    [5, 7],
    [128, 128],
    [1000, 9],
  ])('equals the brute-force integral (%i x %i)', (w, h) => {
    const img = randomLuma(w, h, w * 31 + h);
    const out = new Float64Array(BLOCKHASH_GRID * BLOCKHASH_GRID);
    areaAverageLuma(img, out, BLOCKHASH_GRID, createBlockhashScratch());
    const brute = bruteAreaAverage(img, BLOCKHASH_GRID);
    for (let i = 0; i < out.length; i++) expect(out[i]).toBeCloseTo(brute[i], 6);
  });
});

describe('blockhashFromLuma', () => {
  it('sets a bit for each block brighter than its band median (left dark, right bright)', () => {
    const w = 320;
    const h = 200;
    const luma = new Float32Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) luma[y * w + x] = x < w / 2 ? 20 : 230;
    const hash = blockhashFromLuma({ width: w, height: h, luma });
    // Each row of 16 blocks reads 0000000011111111 = 0x00 0xff.
    expect(Array.from(hash)).toEqual(Array.from({ length: 32 }, (_, i) => (i % 2 === 0 ? 0x00 : 0xff)));
  });

  it('equals blockhash-core on the full-size grey image when cells hold whole pixels', () => {
    // 256 x 256 with 2x2 constant cells: the 128 grid is exact, so the reduction changes nothing.
    const w = 256;
    const small = syntheticLuma(128, 128, 4);
    const luma = new Float32Array(w * w);
    const rgba = new Uint8Array(w * w * 4);
    for (let y = 0; y < w; y++) {
      for (let x = 0; x < w; x++) {
        const grey = Math.round(small.luma[(y >> 1) * 128 + (x >> 1)]);
        luma[y * w + x] = grey;
        rgba.set([grey, grey, grey, 255], (y * w + x) * 4);
      }
    }
    expect(blockhashFromLuma({ width: w, height: w, luma })).toEqual(hexToBytes(bmvbhash({ width: w, height: w, data: rgba }, 16)));
  });

  it('stays close to blockhash-core on the full image when sizes do not divide', () => {
    const img = syntheticLuma(333, 251, 12);
    const rgba = new Uint8Array(333 * 251 * 4);
    for (let i = 0; i < img.luma.length; i++) {
      const g = Math.round(img.luma[i]);
      rgba.set([g, g, g, 255], i * 4);
    }
    const direct = hexToBytes(bmvbhash({ width: 333, height: 251, data: rgba }, 16));
    expect(hammingDistance(blockhashFromLuma(img), direct)).toBeLessThanOrEqual(8);
  });

  it('is deterministic across scratch reuse and sizes, and balanced on a photo-like image', () => {
    const scratch = createBlockhashScratch();
    const a = syntheticLuma(400, 300, 2);
    const first = blockhashFromLuma(a, scratch);
    blockhashFromLuma(syntheticLuma(31, 77, 3), scratch);
    expect(blockhashFromLuma(a, scratch)).toEqual(first);
    expect(blockhashFromLuma(a)).toEqual(first);
    expect(checkHashUsable('blockhash', first)).toEqual({ usable: true });
  });

  it('handles tiny images', () => {
    expect(blockhashFromLuma(randomLuma(1, 1, 1))).toHaveLength(32);
    expect(blockhashFromLuma(randomLuma(3, 40, 1))).toHaveLength(32);
  });

  it('tells different images apart and keeps resized copies close', () => {
    const a = syntheticLuma(400, 300, 5);
    const b = syntheticLuma(400, 300, 6);
    const aSmall = syntheticLuma(200, 150, 5); // the same scene rendered at half size
    expect(hammingDistance(blockhashFromLuma(a), blockhashFromLuma(b))).toBeGreaterThan(50);
    expect(hammingDistance(blockhashFromLuma(a), blockhashFromLuma(aSmall))).toBeLessThanOrEqual(6);
  });
});
