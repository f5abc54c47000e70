import { describe, expect, it } from 'vitest';
import { computeHashesFromRgba, computeImageHashes, createHashScratch, pdqOfFlips, wipeHashScratch } from '../../shared/hash/compute';
import { pdqDihedralFromLuma } from '../../shared/hash/pdq';
import { blockhashFromLuma } from '../../shared/hash/blockhash';
import { checkHashUsable } from '../../shared/hash/gates';
import { DIHEDRAL_NAMES, FLIP_NAMES } from '../../shared/hash/types';
import type { RgbaImage } from '../../shared/image/types';
import { hashInputLuma, lumaFromRgba, PDQ_FRONT_END_DIMS } from '../../shared/image/canonical';
import { hammingDistance } from '../../shared/match/hamming';
import { Matcher } from '../../shared/match/matcher';
import { photoEntries, photoOfEntry } from '../../shared/match/register';
import { flatRgba, flipRgba, syntheticRgba, transformLuma } from './support/synthetic';

/** FLIP_NAMES order: mirror (left-right), upside-down, both. */
const FLIPS: readonly [boolean, boolean][] = [
  [true, false],
  [false, true],
  [true, true],
];

/**
 * The RGBA image rotated or flipped as DIHEDRAL_NAMES[variant] names it: transformLuma moves
 * each pixel's index (exact in float32 for these sizes), and the pixels follow.
 */
function transformRgba(img: RgbaImage, variant: number): RgbaImage {
  const { width, height, data } = img;
  const where = transformLuma({ width, height, luma: Float32Array.from({ length: width * height }, (_, i) => i) }, variant);
  const out = new Uint8Array(data.length);
  for (let j = 0; j < where.luma.length; j++) out.set(data.subarray(where.luma[j] * 4, where.luma[j] * 4 + 4), j * 4);
  return { width: where.width, height: where.height, data: out };
}

describe('computeImageHashes', () => {
  it('returns PDQ, quality, eight dihedral PDQs and blockhash as 32-byte arrays', () => {
    const luma = lumaFromRgba(syntheticRgba(240, 180, 1));
    const h = computeImageHashes(luma);
    const d = pdqDihedralFromLuma(luma);
    expect(h.pdq).toEqual(d.hashes[0]);
    expect(h.pdqDihedral).toEqual(d.hashes);
    expect(h.quality).toBe(d.quality);
    expect(h.blockhash).toEqual(blockhashFromLuma(luma));
    expect([h.width, h.height]).toEqual([240, 180]);
    for (const x of [h.pdq, h.blockhash, ...h.pdqDihedral]) expect(x).toHaveLength(32);
    expect(h.pdqFlips).toBeUndefined();
  });
});

describe('computeHashesFromRgba', () => {
  it('equals computeImageHashes of the canonical luma', () => {
    const img = syntheticRgba(300, 200, 2);
    const { cropHash, ...rest } = computeHashesFromRgba(img, createHashScratch(), { views: false });
    expect(rest).toEqual(computeImageHashes(lumaFromRgba(img)));
    expect(cropHash?.hashes).toHaveLength(8);
  });

  it('reports the decoded size when the front end resampled the image', () => {
    const img = syntheticRgba(4200, 60, 3);
    const h = computeHashesFromRgba(img);
    expect([h.width, h.height]).toEqual([4200, 60]);
    const input = hashInputLuma(img);
    expect([input.width, input.height]).toEqual([PDQ_FRONT_END_DIMS, PDQ_FRONT_END_DIMS]);
    expect(h.pdq).toEqual(computeImageHashes(input).pdq);
  });

  it('adds the PDQs of the flipped images only when asked (registration), the rest unchanged', () => {
    const img = syntheticRgba(240, 180, 1);
    const plain = computeHashesFromRgba(img);
    const registered = computeHashesFromRgba(img, createHashScratch(), { registration: true });
    expect(plain.pdqFlips).toBeUndefined();
    expect(registered.pdqFlips).toEqual(pdqOfFlips(img));
    expect(registered.pdqFlips).toHaveLength(FLIP_NAMES.length);
    expect(plain.crops).toBeUndefined();
    expect(registered.crops!.length).toBeGreaterThan(20);
    expect(registered.views).toBeUndefined();
    expect({ ...registered, pdqFlips: undefined, crops: undefined }).toEqual({ ...plain, views: undefined });
  });

  it('gives the same hashes with one scratch across a batch of different sizes', () => {
    const batch = [syntheticRgba(500, 375, 4), syntheticRgba(64, 64, 5), syntheticRgba(37, 120, 6), syntheticRgba(600, 530, 8), syntheticRgba(500, 375, 4)];
    const scratch = createHashScratch();
    const reused = batch.map((img) => computeHashesFromRgba(img, scratch, { registration: true }));
    const fresh = batch.map((img) => computeHashesFromRgba(img, createHashScratch(), { registration: true }));
    expect(reused).toEqual(fresh);
    expect(reused[4]).toEqual(reused[0]);
  });

  it('a flat image is hashed but its PDQ is refused by the gates', () => {
    const h = computeHashesFromRgba(flatRgba(120, 90, 200, 200, 200));
    expect(h.quality).toBe(0);
    expect(checkHashUsable('pdq', h.pdq, h.quality).usable).toBe(false);
  });

  it('wipeHashScratch leaves no image data behind and the scratch still works', () => {
    const scratch = createHashScratch();
    for (const img of [syntheticRgba(200, 150, 7), syntheticRgba(600, 520, 7)]) {
      const before = computeHashesFromRgba(img, scratch, { registration: true });
      wipeHashScratch(scratch);
      const buffers = [
        scratch.luma,
        scratch.flipped,
        scratch.frontEnd,
        scratch.pdq.jarosz.full,
        scratch.pdq.jarosz.sampled,
        scratch.pdq.buffer64x64,
        scratch.blockhash.grid,
        scratch.blockhash.rgba,
      ];
      for (const b of buffers) expect(b.every((v) => v === 0)).toBe(true);
      expect(computeHashesFromRgba(img, scratch, { registration: true })).toEqual(before);
    }
  });
});

describe('pdqOfFlips', () => {
  // Sizes whose PDQ filter windows are even along one axis, both, or neither (where a mirrored
  // image's PDQ differs from the DCT-derived variant), and sizes the front end resamples.
  it.each([
    [200, 160, 3],
    [320, 240, 11],
    [257, 191, 14],
    [300, 300, 13],
    [513, 400, 4],
    [777, 530, 2],
  ])('equals the PDQ of the %ix%i image flipped in RGBA first, bit for bit', (w, h, seed) => {
    const img = syntheticRgba(w, h, seed);
    const flips = pdqOfFlips(img);
    FLIPS.forEach(([flipX, flipY], i) => {
      expect(flips[i], FLIP_NAMES[i]).toEqual(computeHashesFromRgba(flipRgba(img, flipX, flipY)).pdq);
    });
    expect(computeHashesFromRgba(img, createHashScratch(), { registration: true }).pdqFlips).toEqual(flips);
  });

  it('lets every rotation and flip of a registered photo match within a few bits where the DCT variants alone are further', () => {
    const bound = 4;
    // 200x160: PDQ's filter windows are even along both axes, so the DCT's mirror is far from
    // the mirrored image's PDQ (measured 22 to 48 bits); 700x560 is resampled by the front end
    // (measured 10 to 18).
    const cases: [number, number, number][] = [
      [200, 160, 1],
      [200, 160, 2],
      [200, 160, 3],
      [200, 160, 4],
      [700, 560, 3],
    ];
    let plainBeyondThreshold = 0;
    for (const [w, h, seed] of cases) {
      const img = syntheticRgba(w, h, seed);
      const registered = computeHashesFromRgba(img, createHashScratch(), { registration: true });
      const m = new Matcher();
      for (const e of photoEntries(seed, registered, 'confirmed')) m.add(e);
      for (let t = 0; t < DIHEDRAL_NAMES.length; t++) {
        const what = `${w}x${h} seed ${seed} ${DIHEDRAL_NAMES[t]}`;
        const copy = computeHashesFromRgba(transformRgba(img, t));
        const hit = m.match(copy);
        expect(hit, what).not.toBeNull();
        expect(hit!.kind).toBe('pdq');
        expect(hit!.distance, what).toBeLessThanOrEqual(bound);
        expect(photoOfEntry(hit!.entry.id)).toBe(seed);
        if (DIHEDRAL_NAMES[t] !== 'flipy' && DIHEDRAL_NAMES[t] !== 'rot180') continue;
        // Against the original's PDQ alone (no flips registered): the nearest DCT variant.
        const plain = Math.min(...copy.pdqDihedral.map((v) => hammingDistance(v, registered.pdq)));
        expect(plain, what).toBeGreaterThanOrEqual(hit!.distance + 8);
        if (plain > 31) plainBeyondThreshold++;
      }
    }
    // Without the flips some mirrored copies would not match at all.
    expect(plainBeyondThreshold).toBeGreaterThan(0);
  });
});
