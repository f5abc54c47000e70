import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { computeHashesFromRgba, createHashScratch } from '../../shared/hash/compute';
import type { ImageHashes } from '../../shared/hash/types';
import type { RgbaImage } from '../../shared/image/types';
import { Matcher } from '../../shared/match/matcher';
import { photoEntries, photoOfEntry } from '../../shared/match/register';
import { photoLike, rawSharp } from '../support/images';

/**
 * A query's views end to end: copies of a registered photo that are a different picture as a
 * whole (captioned, turned on a filled canvas, tiled into a collage, shown inside an app's UI)
 * are found through the view that holds the photo, and nothing is found for the same edits of a
 * photo that was never registered.
 */

async function rgbaOf(s: Sharp): Promise<RgbaImage> {
  const png = await s.png().toBuffer();
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

const svg = (w: number, h: number, body: string) => Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${body}</svg>`);

const W = 640;
const H = 480;

const EDITS: Record<string, (photo: Buffer, others: Buffer[]) => Promise<Sharp>> = {
  caption: async (photo) => {
    const band = Math.round(H * 0.2);
    const text = svg(W, band, `<rect width="100%" height="100%" fill="white"/><text x="50%" y="${band * 0.62}" text-anchor="middle" font-family="DejaVu Sans" font-weight="bold" font-size="${band * 0.38}" fill="black">who is this</text>`);
    return sharp(photo).extend({ top: band, background: '#ffffff' }).composite([{ input: await sharp(text).png().toBuffer(), top: 0, left: 0 }]);
  },
  deskewed: async (photo) => sharp(await sharp(photo).rotate(6, { background: '#ffffff' }).png().toBuffer()),
  collage: async (photo, others) => {
    const tiles = await Promise.all([photo, ...others].map((b) => sharp(b).resize(400, 300).png().toBuffer()));
    return sharp({ create: { width: 818, height: 618, channels: 3, background: '#ffffff' } }).composite(tiles.map((input, i) => ({ input, left: 6 + (i % 2) * 406, top: 6 + Math.floor(i / 2) * 306 })));
  },
  screenshot: async (photo) => {
    const ui = svg(540, 1000, `<rect width="100%" height="100%" fill="#ece5dd"/><rect width="100%" height="90" fill="#128c7e"/><text x="80" y="58" font-family="DejaVu Sans" font-size="26" fill="white">Group chat</text><rect x="16" y="120" rx="12" width="320" height="60" fill="white"/><text x="32" y="158" font-family="DejaVu Sans" font-size="20" fill="#222">did you see this??</text><rect x="90" y="230" rx="12" width="430" height="350" fill="#dcf8c6"/><rect y="920" width="100%" height="80" fill="#f0f0f0"/>`);
    return sharp(ui).composite([{ input: await sharp(photo).resize(400, 300).png().toBuffer(), left: 105, top: 245 }]);
  },
};

describe('Matcher: the views of a query', () => {
  const scratch = createHashScratch();
  const photos = [301, 302, 303, 304, 305, 306].map((seed) => photoLike(W, H, seed));

  async function setUp(): Promise<{ matcher: Matcher; pngs: Buffer[] }> {
    const matcher = new Matcher();
    const pngs = await Promise.all(photos.map((p) => rawSharp(p).png().toBuffer()));
    // Photos 0 and 1 are registered; 2 and 3 never are; 4 and 5 fill collages.
    for (const i of [0, 1]) for (const e of photoEntries(i, computeHashesFromRgba(await rgbaOf(sharp(pngs[i])), scratch, { registration: true }), 'reported')) matcher.add(e);
    return { matcher, pngs };
  }

  for (const [name, edit] of Object.entries(EDITS)) {
    it(`finds a registered photo in a ${name} copy through that view, and nothing in an unregistered one`, async () => {
      const { matcher, pngs } = await setUp();
      const copy: ImageHashes = computeHashesFromRgba(await rgbaOf(await edit(pngs[1], [pngs[4], pngs[5], pngs[3]])), scratch);
      expect(copy.views?.some((v) => v.name === name)).toBe(true);
      const asWhole = matcher.match({ ...copy, views: copy.views?.filter((v) => v.name !== name) });
      expect(asWhole).toBeNull();
      const hit = matcher.match(copy);
      expect(hit?.view).toBe(name);
      expect(photoOfEntry(hit!.entry.id)).toBe(1);
      const stranger = computeHashesFromRgba(await rgbaOf(await edit(pngs[2], [pngs[4], pngs[5], pngs[3]])), scratch);
      expect(matcher.matchAll(stranger)).toEqual([]);
    });
  }
});
