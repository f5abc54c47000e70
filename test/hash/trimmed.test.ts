import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { computeHashesFromRgba, createHashScratch, wipeHashScratch } from '../../shared/hash/compute';
import type { RgbaImage } from '../../shared/image/types';
import { findContentRect } from '../../shared/image/trim';
import { hammingDistance } from '../../shared/match/hamming';
import { photoLike, rawSharp } from '../support/images';

async function rgbaOf(s: Sharp): Promise<RgbaImage> {
  const jpeg = await s.jpeg({ quality: 85 }).toBuffer();
  const { data, info } = await sharp(jpeg).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

describe('computeHashesFromRgba: the trimmed view', () => {
  it('hashes the photo inside a border, close to the photo itself and far from the framed image', async () => {
    const photo = photoLike(600, 450, 61);
    const plain = computeHashesFromRgba(await rgbaOf(rawSharp(photo)));
    const framedImg = await rgbaOf(rawSharp(photo).extend({ top: 68, bottom: 68, left: 90, right: 90, background: '#ffffff' }));
    const framed = computeHashesFromRgba(framedImg);
    const rect = findContentRect(framedImg)!;
    const trimmed = framed.views?.[0];
    expect(trimmed?.name).toBe('trimmed');
    expect([trimmed!.hashes.width, trimmed!.hashes.height]).toEqual([rect.width, rect.height]);
    expect([framed.width, framed.height]).toEqual([780, 586]);
    expect(trimmed!.hashes.views).toBeUndefined();
    expect(trimmed!.hashes.pdqDihedral).toHaveLength(8);
    expect(hammingDistance(trimmed!.hashes.pdq, plain.pdq)).toBeLessThanOrEqual(16);
    expect(hammingDistance(trimmed!.hashes.cropHash!.hashes[0], plain.cropHash!.hashes[0])).toBeLessThanOrEqual(16);
    expect(hammingDistance(framed.pdq, plain.pdq)).toBeGreaterThan(31);
  });

  it('has no trimmed view for a photo with no frame', async () => {
    const h = computeHashesFromRgba(await rgbaOf(rawSharp(photoLike(400, 300, 62))));
    expect(h.views?.some((v) => v.name === 'trimmed')).toBe(false);
  });

  it('takes no views when registering or when told not to', async () => {
    const img = await rgbaOf(rawSharp(photoLike(400, 300, 63)).extend({ top: 30, bottom: 30, left: 30, right: 30, background: '#000000' }));
    const registration = computeHashesFromRgba(img, createHashScratch(), { registration: true });
    expect(registration.pdqFlips).toHaveLength(3);
    expect(registration.views).toBeUndefined();
    expect(computeHashesFromRgba(img, createHashScratch(), { views: false }).views).toBeUndefined();
    expect(computeHashesFromRgba(img, createHashScratch(), { registration: true, views: true }).views?.[0].name).toBe('trimmed');
  });

  it('gives the same hashes with a reused scratch as with a fresh one, and the scratch keeps no pixels', async () => {
    const scratch = createHashScratch();
    const a = await rgbaOf(rawSharp(photoLike(500, 400, 64)).extend({ top: 40, bottom: 40, background: '#000000' }));
    const b = await rgbaOf(rawSharp(photoLike(300, 300, 65)).extend({ left: 45, right: 45, background: '#ffffff' }));
    const first = computeHashesFromRgba(a, scratch);
    computeHashesFromRgba(b, scratch);
    expect(computeHashesFromRgba(a, scratch)).toEqual(first);
    expect(computeHashesFromRgba(a, createHashScratch())).toEqual(first);
    expect(scratch.rect.every((v) => v === 0)).toBe(true);
    wipeHashScratch(scratch);
    expect(scratch.luma.every((v) => v === 0)).toBe(true);
  });
});
