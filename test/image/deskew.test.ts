import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import type { RgbaImage } from '../../shared/image/types';
import { findSmallRotation, unrotate } from '../../shared/image/deskew';
import { computeHashesFromRgba } from '../../shared/hash/compute';
import { hammingDistance } from '../../shared/match/hamming';
import { photoLike, rawSharp } from '../support/images';

/** Decoded RGBA of a pipeline, after a JPEG round trip unless `png`. */
async function rgbaOf(s: Sharp, png = false): Promise<RgbaImage> {
  const bytes = png ? await s.png().toBuffer() : await s.jpeg({ quality: 85 }).toBuffer();
  const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

/** The photo turned by `degrees` on a canvas grown to hold it, corners filled, as sharp makes it. */
async function rotated(seed: number, degrees: number, background: string, png = false): Promise<RgbaImage> {
  const turned = await rawSharp(photoLike(400, 300, seed)).rotate(degrees, { background }).png().toBuffer();
  return rgbaOf(sharp(turned), png);
}

describe('findSmallRotation', () => {
  it.each([
    [5, '#ffffff', 201],
    [-5, '#ffffff', 202],
    [-7, '#000000', 203],
    [1, '#ffffff', 204],
    [15, '#ffffff', 205],
    [-3, '#808080', 206],
    [12, '#2d6cdf', 207],
  ] as [number, string, number][])('measures a turn of %f degrees on a %s canvas to within 0.2 degrees', async (degrees, background, seed) => {
    const found = findSmallRotation(await rotated(seed, degrees, background));
    expect(found).not.toBeNull();
    expect(Math.abs(found!.degrees - degrees)).toBeLessThanOrEqual(0.2);
    const fill = sharp({ create: { width: 1, height: 1, channels: 3, background } });
    const want = [...(await fill.raw().toBuffer())];
    for (let c = 0; c < 3; c++) expect(Math.abs(found!.fill[c] - want[c])).toBeLessThanOrEqual(6);
  });

  it.each([211, 212, 213, 214, 215])('returns null for an ordinary photo (seed %i)', async (seed) => {
    expect(findSmallRotation(await rgbaOf(rawSharp(photoLike(500, 375, seed))))).toBeNull();
  });

  it('returns null for a photo in a plain border (not turned)', async () => {
    expect(findSmallRotation(await rgbaOf(rawSharp(photoLike(400, 300, 216)).extend({ top: 20, bottom: 20, left: 20, right: 20, background: '#ffffff' })))).toBeNull();
  });

  it('returns null for a flat image', () => {
    expect(findSmallRotation({ width: 300, height: 200, data: new Uint8Array(300 * 200 * 4).fill(255) })).toBeNull();
  });

  it('returns null for a tiny image', async () => {
    expect(findSmallRotation(await rgbaOf(rawSharp(photoLike(30, 24, 217)).rotate(5, { background: '#ffffff' })))).toBeNull();
  });

  it('returns null for a photo with transparent corners (a round vignette, not a turn)', () => {
    const img = photoLike(400, 300, 218, { alpha: true });
    expect(findSmallRotation({ width: img.width, height: img.height, data: img.data })).toBeNull();
  });
});

describe('unrotate', () => {
  it.each([
    [5, 221],
    [-7, 222],
    [15, 223],
  ])('turns a photo turned by %f degrees back to its own size and hash', async (degrees, seed) => {
    const photo = photoLike(400, 300, seed);
    const original = computeHashesFromRgba(await rgbaOf(rawSharp(photo), true));
    const img = await rotated(seed, degrees, '#ffffff');
    const found = findSmallRotation(img)!;
    const back = unrotate(img, found.degrees);
    expect(Math.abs(back.width - 400)).toBeLessThanOrEqual(1);
    expect(Math.abs(back.height - 300)).toBeLessThanOrEqual(1);
    expect(back.data).toHaveLength(back.width * back.height * 4);
    expect(hammingDistance(computeHashesFromRgba(back).pdq, original.pdq)).toBeLessThanOrEqual(16);
    // The turned copy itself is far from the original: this is what unrotate is for.
    expect(hammingDistance(computeHashesFromRgba(img).pdq, original.pdq)).toBeGreaterThan(31);
  });

  it('returns the image unchanged in size for a turn of 0', async () => {
    const img = await rgbaOf(rawSharp(photoLike(120, 90, 224)), true);
    const back = unrotate(img, 0);
    expect([back.width, back.height]).toEqual([120, 90]);
    expect(back.data).toEqual(img.data);
  });
});
