import { describe, expect, it } from 'vitest';
import { computeHashesFromRgba, computeImageHashes, createHashScratch, wipeHashScratch } from '../../shared/hash/compute';
import { pdqDihedralFromLuma } from '../../shared/hash/pdq';
import { blockhashFromLuma } from '../../shared/hash/blockhash';
import { checkHashUsable } from '../../shared/hash/gates';
import { lumaFromRgba } from '../../shared/image/canonical';
import { flatRgba, syntheticRgba } from './support/synthetic';

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
  });
});

describe('computeHashesFromRgba', () => {
  it('equals computeImageHashes of the canonical luma', () => {
    const img = syntheticRgba(300, 200, 2);
    expect(computeHashesFromRgba(img)).toEqual(computeImageHashes(lumaFromRgba(img)));
  });

  it('reports the decoded size even when the luma was reduced', () => {
    const img = syntheticRgba(4200, 60, 3);
    const h = computeHashesFromRgba(img);
    expect([h.width, h.height]).toEqual([4200, 60]);
    expect(h.pdq).toEqual(computeImageHashes(lumaFromRgba(img)).pdq);
  });

  it('gives the same hashes with one scratch across a batch of different sizes', () => {
    const batch = [syntheticRgba(500, 375, 4), syntheticRgba(64, 64, 5), syntheticRgba(37, 120, 6), syntheticRgba(500, 375, 4)];
    const scratch = createHashScratch();
    const reused = batch.map((img) => computeHashesFromRgba(img, scratch));
    const fresh = batch.map((img) => computeHashesFromRgba(img));
    expect(reused).toEqual(fresh);
    expect(reused[3]).toEqual(reused[0]);
  });

  it('a flat image is hashed but its PDQ is refused by the gates', () => {
    const h = computeHashesFromRgba(flatRgba(120, 90, 200, 200, 200));
    expect(h.quality).toBe(0);
    expect(checkHashUsable('pdq', h.pdq, h.quality).usable).toBe(false);
  });

  it('wipeHashScratch leaves no image data behind and the scratch still works', () => {
    const scratch = createHashScratch();
    const img = syntheticRgba(200, 150, 7);
    const before = computeHashesFromRgba(img, scratch);
    wipeHashScratch(scratch);
    const buffers = [scratch.luma, scratch.pdq.jarosz.full, scratch.pdq.jarosz.sampled, scratch.pdq.buffer64x64, scratch.blockhash.grid, scratch.blockhash.rgba];
    for (const b of buffers) expect(b.every((v) => v === 0)).toBe(true);
    expect(computeHashesFromRgba(img, scratch)).toEqual(before);
  });
});
