import { describe, expect, it } from 'vitest';
import {
  MIN_HASHABLE_DIM,
  createPdqScratch,
  pdqDihedralFromLuma,
  pdqFromLuma,
  pdqImageDomainQualityMetric,
  pdqBuffer16x16ToBits,
  torben,
  DCT_MATRIX_16x64,
  dct16Dihedral,
} from '../../shared/hash/pdq';
import { lumaFromRgba } from '../../shared/image/canonical';
import { checkHashUsable } from '../../shared/hash/gates';
import { flatRgba, hammingDistance, prng, randomLuma, syntheticLuma, syntheticRgba, transformLuma } from './support/synthetic';

describe('pdqFromLuma', () => {
  it('is deterministic, with or without a reused scratch', () => {
    const img = syntheticLuma(320, 240, 3);
    const scratch = createPdqScratch();
    const a = pdqFromLuma(img, scratch);
    pdqFromLuma(syntheticLuma(97, 401, 4), scratch); // a different size in between
    const b = pdqFromLuma(img, scratch);
    const c = pdqFromLuma(img);
    expect(b.hash).toEqual(a.hash);
    expect(c.hash).toEqual(a.hash);
    expect(b.quality).toBe(a.quality);
  });

  it('does not modify the luma it is given', () => {
    const img = syntheticLuma(150, 90, 5);
    const copy = img.luma.slice();
    pdqFromLuma(img);
    expect(img.luma).toEqual(copy);
  });

  it('gives a balanced hash of full quality for a photo-like image', () => {
    const { hash, quality } = pdqFromLuma(lumaFromRgba(syntheticRgba(400, 300, 9)));
    expect(quality).toBe(100);
    expect(checkHashUsable('pdq', hash, quality)).toEqual({ usable: true });
  });

  it('tells different images apart', () => {
    const a = pdqFromLuma(syntheticLuma(256, 256, 1)).hash;
    const b = pdqFromLuma(syntheticLuma(256, 256, 2)).hash;
    expect(hammingDistance(a, b)).toBeGreaterThan(64);
  });

  it('stays close under mild brightness change and noise', () => {
    const img = syntheticLuma(300, 200, 11);
    const rnd = prng(5);
    const edited = { ...img, luma: img.luma.map((v) => Math.min(255, v * 0.9 + 12 + (rnd() - 0.5) * 6)) };
    expect(hammingDistance(pdqFromLuma(img).hash, pdqFromLuma(edited).hash)).toBeLessThanOrEqual(20);
  });

  it('gives quality 0 for a flat image, which the gates refuse', () => {
    const { hash, quality } = pdqFromLuma(lumaFromRgba(flatRgba(200, 150, 90, 120, 200)));
    expect(quality).toBe(0);
    expect(checkHashUsable('pdq', hash, quality)).toMatchObject({ usable: false, code: 'hash/low-quality' });
  });

  it('gives low quality to a faint gradient', () => {
    const w = 256;
    const luma = new Float32Array(w * w);
    for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) luma[y * w + x] = 100 + (x / w) * 20;
    expect(pdqFromLuma({ width: w, height: w, luma }).quality).toBeLessThan(50);
  });

  it.each([
    [4, 100],
    [100, 4],
    [1, 1],
  ])('returns zeros and quality 0 below MIN_HASHABLE_DIM (%i x %i)', (w, h) => {
    const { hash, quality } = pdqFromLuma(randomLuma(w, h));
    expect(quality).toBe(0);
    expect(hash).toEqual(new Uint8Array(32));
    const d = pdqDihedralFromLuma(randomLuma(w, h));
    expect(d.quality).toBe(0);
    for (const h8 of d.hashes) expect(h8).toEqual(new Uint8Array(32));
  });

  it('hashes the smallest hashable image and odd sizes without error', () => {
    for (const [w, h] of [
      [MIN_HASHABLE_DIM, MIN_HASHABLE_DIM],
      [5, 300],
      [63, 65],
      [64, 64],
      [129, 127],
    ]) {
      const { hash, quality } = pdqFromLuma(randomLuma(w, h, w * 7 + h));
      expect(hash.length).toBe(32);
      expect(quality).toBeGreaterThanOrEqual(0);
      expect(quality).toBeLessThanOrEqual(100);
    }
  });
});

describe('pdqDihedralFromLuma', () => {
  it('returns eight hashes whose first is pdqFromLuma, with the same quality', () => {
    const img = syntheticLuma(180, 120, 21);
    const d = pdqDihedralFromLuma(img);
    const p = pdqFromLuma(img);
    expect(d.hashes).toHaveLength(8);
    expect(d.hashes[0]).toEqual(p.hash);
    expect(d.quality).toBe(p.quality);
    // The variants are genuinely different hashes of an asymmetric image.
    for (let v = 1; v < 8; v++) expect(hammingDistance(d.hashes[v], d.hashes[0])).toBeGreaterThan(40);
  });

  // At 64x64 the reference hashes the pixels as they are (no filter), and sizes up to 127 use a
  // box window of 1, so a rotated image reaches the DCT exactly rotated: the hash of the
  // transformed image equals the variant derived from the DCT. Larger images go through box
  // filters and centre sampling that are not mirror-symmetric, so there the two agree closely
  // rather than exactly (the reference behaves the same).
  it.each([
    [64, 64, 0],
    [96, 96, 0],
    [37, 53, 0],
    [640, 480, 12],
    [1000, 700, 12],
  ])('the DCT-derived variants match hashing the transformed %i x %i image (<= %i bits)', (w, h, maxBits) => {
    const img = syntheticLuma(w, h, 7);
    const d = pdqDihedralFromLuma(img);
    for (let v = 0; v < 8; v++) {
      const direct = pdqFromLuma(transformLuma(img, v)).hash;
      expect(hammingDistance(direct, d.hashes[v]), `variant ${v}`).toBeLessThanOrEqual(maxBits);
    }
  });

  it('hashing a transformed image gives the transformed variants (the table is a group action)', () => {
    const img = syntheticLuma(96, 96, 8);
    const base = pdqDihedralFromLuma(img).hashes;
    const rotated = pdqDihedralFromLuma(transformLuma(img, 1)).hashes; // rot90
    // rot90 then rot90 = rot180, then rot270, then back to the original.
    expect(rotated[1]).toEqual(base[2]);
    expect(rotated[2]).toEqual(base[3]);
    expect(rotated[3]).toEqual(base[0]);
    expect(rotated[0]).toEqual(base[1]);
  });
});

describe('dct16Dihedral', () => {
  const a = Float32Array.from({ length: 256 }, (_, i) => Math.fround(Math.sin(i * 1.7) * 50));
  const apply = (v: number, x: Float32Array) => {
    const out = new Float32Array(256);
    dct16Dihedral(x, v, out);
    return out;
  };
  it('composes like the dihedral group (rot90² = rot180, rot90³ = rot270, flips are involutions)', () => {
    const r90 = apply(1, a);
    expect(apply(1, r90)).toEqual(apply(2, a));
    expect(apply(1, apply(1, r90))).toEqual(apply(3, a));
    expect(apply(1, apply(3, a))).toEqual(a);
    for (const v of [2, 4, 5, 6, 7]) expect(apply(v, apply(v, a))).toEqual(a);
    expect(apply(4, apply(5, a))).toEqual(apply(2, a)); // flipx ∘ flipy = rot180
    expect(apply(6, apply(7, a))).toEqual(apply(2, a)); // the two diagonal flips = rot180
    expect(apply(0, a)).toEqual(a);
  });
});

describe('PDQ steps', () => {
  it('torben returns the lower median without reordering', () => {
    const rnd = prng(17);
    for (const n of [1, 2, 5, 256, 257]) {
      const m = Float32Array.from({ length: n }, () => Math.fround(rnd() * 100 - 50));
      const before = m.slice();
      const sorted = Array.from(m).sort((x, y) => x - y);
      expect(torben(m, n)).toBe(sorted[Math.floor((n + 1) / 2) - 1]); // rank ⌊(n+1)/2⌋
      expect(m).toEqual(before);
    }
  });

  it('torben handles ties', () => {
    const m = Float32Array.from([3, 1, 3, 3, 2, 3, 1, 3]);
    expect(torben(m, m.length)).toBe(3);
    expect(torben(Float32Array.from([5, 5, 5, 5]), 4)).toBe(5);
  });

  it('pdqBuffer16x16ToBits lays out bit k at byte 31 - k/8, bit k%8 (the reference hex order)', () => {
    const ramp = Float32Array.from({ length: 256 }, (_, k) => k);
    const hash = new Uint8Array(32);
    pdqBuffer16x16ToBits(ramp, hash);
    // Median (lower) of 0..255 is 127: coefficients 128..255 are above it.
    expect(Array.from(hash.subarray(0, 16))).toEqual(new Array(16).fill(0xff));
    expect(Array.from(hash.subarray(16))).toEqual(new Array(16).fill(0));
    const one = new Float32Array(256);
    one[9] = 1; // only k = 9 above the median 0
    pdqBuffer16x16ToBits(one, hash);
    expect(hash[30]).toBe(0b10);
    expect(hash.reduce((s, b) => s + b, 0)).toBe(2);
  });

  it('the quality metric counts quantised gradients', () => {
    const flat = new Float32Array(4096).fill(77);
    expect(pdqImageDomainQualityMetric(flat)).toBe(0);
    const stripes = new Float32Array(4096);
    for (let i = 0; i < 4096; i++) stripes[i] = (i & 1) * 255; // every horizontal step is 100%
    expect(pdqImageDomainQualityMetric(stripes)).toBe(100);
    const weak = new Float32Array(4096);
    for (let i = 0; i < 4096; i++) weak[i] = (i & 1) * 2; // 2/255 = 0.78% per step, truncated to 0
    expect(pdqImageDomainQualityMetric(weak)).toBe(0);
  });

  it('the DCT basis is orthonormal (to float32 precision)', () => {
    for (let i = 0; i < 16; i++) {
      for (let j = i; j < 16; j++) {
        let dot = 0;
        for (let k = 0; k < 64; k++) dot += DCT_MATRIX_16x64[i * 64 + k] * DCT_MATRIX_16x64[j * 64 + k];
        expect(dot).toBeCloseTo(i === j ? 1 : 0, 5);
      }
    }
  });

  it('no DCT matrix entry changes if Math.cos is off by one ulp (engines agree on the basis)', () => {
    const view = new DataView(new ArrayBuffer(8));
    const step = (x: number, dir: 1 | -1): number => {
      view.setFloat64(0, x);
      const bits = view.getBigInt64(0);
      view.setBigInt64(0, bits + BigInt(x > 0 ? dir : -dir));
      return view.getFloat64(0);
    };
    const scale = Math.fround(Math.sqrt(2 / 64));
    for (let i = 0; i < 16; i++) {
      for (let j = 0; j < 64; j++) {
        const c = Math.cos((Math.PI / 2 / 64) * (i + 1) * (2 * j + 1));
        const entry = DCT_MATRIX_16x64[i * 64 + j];
        expect(Math.fround(scale * step(c, 1))).toBe(entry);
        expect(Math.fround(scale * step(c, -1))).toBe(entry);
      }
    }
  });
});
