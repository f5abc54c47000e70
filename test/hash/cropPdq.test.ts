import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { computeHashesFromRgba, createHashScratch } from '../../shared/hash/compute';
import { CROP_GRID_MAX_SIDE, createCropPdqScratch, cropPdqOfRect, lumaTable } from '../../shared/hash/cropPdq';
import { createPdqScratch } from '../../shared/hash/pdq';
import type { RgbaImage } from '../../shared/image/types';
import { hammingDistance } from '../../shared/match/hamming';
import { Matcher } from '../../shared/match/matcher';
import { photoEntries, photoOfEntry } from '../../shared/match/register';
import { photoLike, rawSharp } from '../support/images';

async function rgbaOf(s: Sharp, quality = 85): Promise<RgbaImage> {
  const jpeg = await s.jpeg({ quality }).toBuffer();
  const { data, info } = await sharp(jpeg).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

const whole = (img: RgbaImage) => ({ x: 0, y: 0, width: img.width, height: img.height });

function cropHashOf(img: RgbaImage, rect = whole(img)) {
  return cropPdqOfRect(lumaTable(img, createCropPdqScratch()), rect, createPdqScratch(), true);
}

describe('the crop hash (kind pdq-crop)', () => {
  it('integrates exactly: a flat image gives equal box means at any rectangle, fractional or not', () => {
    const data = new Uint8Array(40 * 30 * 4).fill(200);
    for (let i = 3; i < data.length; i += 4) data[i] = 255;
    const table = lumaTable({ width: 40, height: 30, data }, createCropPdqScratch());
    const pdq = createPdqScratch();
    const r = cropPdqOfRect(table, { x: 3, y: 2, width: 31, height: 17 }, pdq, false);
    // A flat rectangle has no structure: quality 0, refused by the gates downstream.
    expect(r.quality).toBe(0);
    expect([table.width, table.height]).toEqual([40, 30]);
    // Luma 200 in 1/256ths, summed over the grid.
    expect(table.sums[31 * 41 - 1]).toBeCloseTo((200 * (77 + 150 + 29) * 40 * 30) / 256, 6);
  });

  it('reduces images over CROP_GRID_MAX_SIDE to a grid of whole boxes and keeps the rest at full size', () => {
    const big = { width: 1300, height: 200, data: new Uint8Array(1300 * 200 * 4).fill(255) };
    const t = lumaTable(big, createCropPdqScratch());
    expect([t.width, t.height]).toEqual([Math.ceil(1300 / 3), Math.ceil(200 / 3)]);
    expect(Math.max(t.width, t.height)).toBeLessThanOrEqual(CROP_GRID_MAX_SIDE);
  });

  it('does not depend on the copy\'s resolution: a half-size copy and a re-encoded one stay close', async () => {
    const photo = photoLike(800, 600, 201);
    const original = cropHashOf(await rgbaOf(rawSharp(photo)));
    const half = cropHashOf(await rgbaOf(rawSharp(photo).resize(400, 300)));
    const poor = cropHashOf(await rgbaOf(rawSharp(photo), 40));
    expect(original.quality).toBeGreaterThanOrEqual(50);
    expect(hammingDistance(half.hashes[0], original.hashes[0])).toBeLessThanOrEqual(16);
    expect(hammingDistance(poor.hashes[0], original.hashes[0])).toBeLessThanOrEqual(16);
  });

  it('gives a mirrored or rotated copy the matching dihedral variant, within a few bits', async () => {
    const photo = photoLike(640, 480, 202);
    const original = cropHashOf(await rgbaOf(rawSharp(photo)));
    // DIHEDRAL_NAMES: 4 flipx (about the x axis: upside down), 5 flipy (left-right), 2 rot180.
    // Measured: 0 to 2 bits (PDQ itself: 14 to 16, its filter is not mirror-symmetric).
    for (const [variant, edit] of [[5, (s: Sharp) => s.flop()], [4, (s: Sharp) => s.flip()], [2, (s: Sharp) => s.rotate(180)]] as const) {
      const copy = cropHashOf(await rgbaOf(edit(rawSharp(photo))));
      expect(hammingDistance(copy.hashes[0], original.hashes[variant])).toBeLessThanOrEqual(6);
    }
  });

  it('a photo of another scene is far', async () => {
    const a = cropHashOf(await rgbaOf(rawSharp(photoLike(640, 480, 203))));
    const b = cropHashOf(await rgbaOf(rawSharp(photoLike(640, 480, 204))));
    expect(Math.min(...b.hashes.map((h) => hammingDistance(h, a.hashes[0])))).toBeGreaterThan(64);
  });
});

describe('crops: registered crop hashes meet a query\'s own crops', () => {
  const scratch = createHashScratch();
  const photos = [205, 206, 207].map((seed) => photoLike(720, 540, seed));

  async function registered(): Promise<Matcher> {
    const m = new Matcher();
    for (const [i, p] of photos.entries()) for (const e of photoEntries(i, computeHashesFromRgba(await rgbaOf(rawSharp(p)), scratch, { registration: true }), 'reported')) m.add(e);
    return m;
  }

  it('lists the whole photo and some 25 crops, each passing the gates, each once', async () => {
    const h = computeHashesFromRgba(await rgbaOf(rawSharp(photos[0])), scratch, { registration: true });
    expect(h.crops!.length).toBeGreaterThanOrEqual(20);
    expect(h.crops![0].hash).toEqual(h.cropHash!.hashes[0]);
    expect(new Set(h.crops!.map((c) => c.hash.join())).size).toBe(h.crops!.length);
    for (const c of h.crops!) expect(c.quality).toBeGreaterThanOrEqual(50);
  });

  it.each([
    ['centre crop 10% per side', (w: number, h: number) => ({ left: Math.round(w * 0.1), top: Math.round(h * 0.1), width: Math.round(w * 0.8), height: Math.round(h * 0.8) })],
    // (Deeper crops of these synthetic photos are too smooth for the quality gate; the corpus
    // evaluation measures 25% per side on real photos.)
    ['centre crop 17% per side', (w: number, h: number) => ({ left: Math.round(w * 0.17), top: Math.round(h * 0.17), width: Math.round(w * 0.66), height: Math.round(h * 0.66) })],
    ['bottom-right 70%', (w: number, h: number) => ({ left: Math.round(w * 0.3), top: Math.round(h * 0.3), width: Math.round(w * 0.7), height: Math.round(h * 0.7) })],
    ['square centre (re-framed to 1:1)', (w: number, h: number) => ({ left: Math.round((w - h) / 2), top: 0, width: h, height: h })],
  ])('finds a %s of a registered photo through the crop hashes, and PDQ alone does not', async (_name, region) => {
    const m = await registered();
    const copy = computeHashesFromRgba(await rgbaOf(rawSharp(photos[1]).extract(region(720, 540))), scratch);
    expect(m.match({ ...copy, views: undefined, cropHash: undefined })).toBeNull();
    const hit = m.match(copy);
    expect(hit?.kind).toBe('pdq-crop');
    expect(photoOfEntry(hit!.entry.id)).toBe(1);
    expect(m.matchAll(copy).every((r) => photoOfEntry(r.entry.id) === 1)).toBe(true);
  });

  it('does not match crops of an unregistered photo', async () => {
    const m = await registered();
    const stranger = photoLike(720, 540, 208);
    for (const region of [{ left: 72, top: 54, width: 576, height: 432 }, { left: 0, top: 0, width: 540, height: 405 }]) {
      expect(m.matchAll(computeHashesFromRgba(await rgbaOf(rawSharp(stranger).extract(region)), scratch))).toEqual([]);
    }
  });
});
