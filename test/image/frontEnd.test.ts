import { describe, expect, it } from 'vitest';
import { hashInputLuma, lumaFromRgba, lumaOfPixel, PDQ_FRONT_END_DIMS } from '../../shared/image/canonical';
import { flipRgba, syntheticRgba } from '../hash/support/synthetic';

describe("hashInputLuma (PDQ's reference front end)", () => {
  it('leaves images of 512 px or less at their size', () => {
    const img = syntheticRgba(512, 300, 3);
    const luma = hashInputLuma(img);
    expect([luma.width, luma.height]).toEqual([512, 300]);
    expect(luma.luma).toEqual(lumaFromRgba(img).luma);
  });

  it('resamples a larger image to 512 x 512 by nearest neighbour, aspect ratio not kept', () => {
    const img = syntheticRgba(1000, 600, 5);
    const luma = hashInputLuma(img);
    expect([luma.width, luma.height]).toEqual([PDQ_FRONT_END_DIMS, PDQ_FRONT_END_DIMS]);
    for (const [x, y] of [[0, 0], [511, 511], [300, 17], [17, 300]]) {
      const sx = Math.floor((x * 1000) / 512);
      const sy = Math.floor((y * 600) / 512);
      const q = (sy * 1000 + sx) * 4;
      expect(luma.luma[y * 512 + x]).toBe(Math.fround(lumaOfPixel(img.data[q], img.data[q + 1], img.data[q + 2])));
    }
  });

  it('gives the same luma from an unaligned RGBA buffer (byte-by-byte path)', () => {
    const img = syntheticRgba(700, 520, 9);
    const shifted = new Uint8Array(img.data.length + 1).subarray(1);
    shifted.set(img.data);
    expect(hashInputLuma({ ...img, data: shifted }).luma).toEqual(hashInputLuma(img).luma);
  });

  it.each([
    ['left-right', true, false],
    ['upside down', false, true],
    ['both', true, true],
  ])('a %s flip equals hashing the mirrored image, large and small', (_name, fx, fy) => {
    for (const [w, h] of [[900, 640], [400, 260]]) {
      const img = syntheticRgba(w, h, 11);
      const flipped = hashInputLuma(img, undefined, undefined, { x: fx, y: fy });
      expect(flipped.luma).toEqual(hashInputLuma(flipRgba(img, fx, fy)).luma);
    }
  });

  it('reuses the caller buffers and wipes the resampled pixels', () => {
    const img = syntheticRgba(800, 800, 2);
    const out = new Float32Array(512 * 512);
    const rgba = new Uint8Array(512 * 512 * 4);
    const luma = hashInputLuma(img, out, rgba);
    expect(luma.luma.buffer).toBe(out.buffer);
    expect(rgba.every((v) => v === 0)).toBe(true);
  });
});
