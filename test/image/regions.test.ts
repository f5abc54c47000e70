import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import type { RgbaImage } from '../../shared/image/types';
import type { ContentRect } from '../../shared/image/trim';
import { findQueryRegions, MAX_QUERY_REGIONS } from '../../shared/image/regions';
import { photoLike, rawSharp, type RawImage } from '../support/images';

/** Decoded RGBA of a pipeline, after a JPEG round trip (the noise a re-post adds) unless `png`. */
async function rgbaOf(s: Sharp, png = false): Promise<RgbaImage> {
  const bytes = png ? await s.png().toBuffer() : await s.jpeg({ quality: 85 }).toBuffer();
  const { data, info } = await sharp(bytes).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

function svg(width: number, height: number, body: string): Buffer {
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${body}</svg>`);
}

/** A meme caption band: flat colour, bold text in the middle. */
function band(width: number, height: number, background: string, ink: string, text: string): Promise<Buffer> {
  const body =
    `<rect width="100%" height="100%" fill="${background}"/>` +
    `<text x="50%" y="${height * 0.65}" text-anchor="middle" font-family="DejaVu Sans, sans-serif" font-weight="bold" font-size="${Math.round(height * 0.4)}" fill="${ink}">${text}</text>`;
  return sharp(svg(width, height, body)).png().toBuffer();
}

/**
 * The photo's pixels washed towards `colour` (0 or 255) over `rows` rows at the top (or bottom,
 * `atBottom`) and over `share` of its width from the left (or right): a white wall behind a
 * portrait, a black floor. The washed part keeps a twenty-fifth of the photo's detail (a few
 * levels, as after JPEG), then gives way to the photo over 40 px either way.
 */
function washed(img: RawImage, colour: 0 | 255, rows: number, share: number, atBottom = false): RawImage {
  const data = new Uint8Array(img.data);
  const reach = Math.round(img.width * share);
  for (let r = 0; r < rows; r++) {
    const y = atBottom ? img.height - 1 - r : r;
    for (let x = 0; x < img.width; x++) {
      const across = atBottom ? img.width - 1 - x : x;
      const k = Math.min(1, Math.max(0.04, (across - reach) / 40 + 0.04, (r - rows + 40) / 40));
      for (let c = 0; c < 3; c++) {
        const p = (y * img.width + x) * img.channels + c;
        data[p] = Math.round(colour + (data[p] - colour) * k);
      }
    }
  }
  return { ...img, data };
}

/** Each side within 1 px or 0.5% of the rectangle's size. */
function expectRect(got: ContentRect | undefined, want: ContentRect): void {
  expect(got).toBeDefined();
  const tx = Math.max(1, want.width * 0.005);
  const ty = Math.max(1, want.height * 0.005);
  expect(Math.abs(got!.x - want.x)).toBeLessThanOrEqual(tx);
  expect(Math.abs(got!.x + got!.width - want.x - want.width)).toBeLessThanOrEqual(tx);
  expect(Math.abs(got!.y - want.y)).toBeLessThanOrEqual(ty);
  expect(Math.abs(got!.y + got!.height - want.y - want.height)).toBeLessThanOrEqual(ty);
}

describe('findQueryRegions: captions', () => {
  it('finds the photo under a white caption band with black text', async () => {
    const photo = photoLike(400, 300, 101);
    const b = 60;
    const img = await rgbaOf(rawSharp(photo).extend({ top: b, background: '#ffffff' }).composite([{ input: await band(400, b, '#fff', '#000', 'look who it is lol'), top: 0, left: 0 }]));
    const regions = findQueryRegions(img);
    expect(regions).toHaveLength(1);
    expect(regions[0].reason).toBe('caption');
    expectRect(regions[0].rect, { x: 0, y: b, width: 400, height: 300 });
  });

  it('finds the photo over a black band with white text at the bottom', async () => {
    const photo = photoLike(480, 360, 102);
    const b = 72;
    const img = await rgbaOf(rawSharp(photo).extend({ bottom: b, background: '#000000' }).composite([{ input: await band(480, b, '#000', '#fff', 'WHEN IT WORKS'), top: 360, left: 0 }]));
    const regions = findQueryRegions(img);
    expect(regions).toHaveLength(1);
    expectRect(regions[0].rect, { x: 0, y: 0, width: 480, height: 360 });
  });

  it('finds the photo between two bands of any flat colour', async () => {
    const photo = photoLike(420, 320, 103);
    const b = 56;
    const img = await rgbaOf(
      rawSharp(photo)
        .extend({ top: b, bottom: b, background: '#2d6cdf' })
        .composite([
          { input: await band(420, b, '#2d6cdf', '#fff', 'top text'), top: 0, left: 0 },
          { input: await band(420, b, '#2d6cdf', '#fff', 'bottom text'), top: b + 320, left: 0 },
        ]),
    );
    expectRect(findQueryRegions(img)[0]?.rect, { x: 0, y: b, width: 420, height: 320 });
  });

  // No straight edge between band and photo: the photo's outer lines are the band's colour over
  // most of the width, so only the band's layout (plain lines, text, a plain margin) places it.
  it.each([101, 102, 103])('finds the photo under a white band when its top is a white wall (seed %i)', async (seed) => {
    const photo = washed(photoLike(400, 300, seed), 255, 150, 0.6);
    const b = 60;
    const img = await rgbaOf(rawSharp(photo).extend({ top: b, background: '#ffffff' }).composite([{ input: await band(400, b, '#fff', '#000', 'look who it is lol'), top: 0, left: 0 }]));
    const regions = findQueryRegions(img);
    expect(regions.map((r) => r.reason)).toContain('caption');
    expectRect(regions[0].rect, { x: 0, y: b, width: 400, height: 300 });
  });

  it('finds the photo over a black band when its bottom is a black floor', async () => {
    const photo = washed(photoLike(480, 360, 102), 0, 150, 0.6, true);
    const b = 72;
    const img = await rgbaOf(rawSharp(photo).extend({ bottom: b, background: '#000000' }).composite([{ input: await band(480, b, '#000', '#fff', 'WHEN IT WORKS'), top: 360, left: 0 }]));
    const regions = findQueryRegions(img);
    expect(regions).toHaveLength(1);
    expectRect(regions[0].rect, { x: 0, y: 0, width: 480, height: 360 });
  });

  it('finds the photo under a caption inside a uniform border', async () => {
    const photo = photoLike(400, 300, 104);
    const b = 54;
    const captioned = await rawSharp(photo).extend({ top: b, background: '#ffffff' }).composite([{ input: await band(400, b, '#fff', '#000', 'no way'), top: 0, left: 0 }]).png().toBuffer();
    const img = await rgbaOf(sharp(captioned).extend({ top: 20, bottom: 20, left: 20, right: 20, background: '#ffffff' }));
    const regions = findQueryRegions(img);
    expect(regions).toHaveLength(1);
    expect(regions[0].reason).toBe('caption');
    expectRect(regions[0].rect, { x: 20, y: 20 + b, width: 400, height: 300 });
  });
});

describe('findQueryRegions: screenshots', () => {
  it('finds the photo in a phone chat screenshot', async () => {
    const W = 540;
    const H = 1170;
    const pw = 400;
    const ph = 300;
    const top = 250;
    const left = W - pw - 24;
    const ui = svg(
      W,
      H,
      `<rect width="100%" height="100%" fill="#ece5dd"/>` +
        `<rect width="100%" height="44" fill="#075e54"/><text x="20" y="30" font-family="DejaVu Sans" font-size="18" fill="white">9:41</text>` +
        `<rect y="44" width="100%" height="76" fill="#128c7e"/><circle cx="48" cy="82" r="24" fill="#dddddd"/><text x="86" y="90" font-family="DejaVu Sans" font-size="24" fill="white">Friends</text>` +
        `<rect x="16" y="140" rx="12" width="300" height="60" fill="white"/><text x="32" y="178" font-family="DejaVu Sans" font-size="20" fill="#222">have you seen it</text>` +
        `<rect x="${left - 12}" y="${top - 12}" rx="12" width="${pw + 24}" height="${ph + 56}" fill="#dcf8c6"/>` +
        `<text x="${W - 40}" y="${top + ph + 32}" text-anchor="end" font-family="DejaVu Sans" font-size="16" fill="#667">10:02</text>` +
        `<rect y="${H - 80}" width="100%" height="80" fill="#f0f0f0"/><rect x="16" y="${H - 64}" rx="24" width="${W - 100}" height="48" fill="white"/>`,
    );
    const photo = await rawSharp(photoLike(pw, ph, 105)).png().toBuffer();
    const img = await rgbaOf(sharp(ui).composite([{ input: photo, left, top }]), true);
    const regions = findQueryRegions(img);
    expect(regions).toHaveLength(1);
    expect(regions[0].reason).toBe('screenshot');
    expectRect(regions[0].rect, { x: left, y: top, width: pw, height: ph });
  });

  it('finds a full-width photo between a dark app bar and text, after JPEG', async () => {
    const W = 720;
    const ph = 480;
    const top = 180;
    const ui = svg(
      W,
      1100,
      `<rect width="100%" height="100%" fill="#15202b"/><circle cx="50" cy="110" r="30" fill="#8899a6"/>` +
        `<text x="95" y="105" font-family="DejaVu Sans" font-weight="bold" font-size="24" fill="#fff">Some Account</text>` +
        `<text x="20" y="${top + ph + 50}" font-family="DejaVu Sans" font-size="24" fill="#fff">this is wild</text>`,
    );
    const photo = await rawSharp(photoLike(W, ph, 142)).png().toBuffer();
    const img = await rgbaOf(sharp(ui).composite([{ input: photo, left: 0, top }]));
    expectRect(findQueryRegions(img)[0]?.rect, { x: 0, y: top, width: W, height: ph });
  });
});

describe('findQueryRegions: collages', () => {
  it('finds every cell of a 2x2 collage with white gaps', async () => {
    const cw = 480;
    const ch = 360;
    const gap = 6;
    const tiles = await Promise.all([107, 108, 109, 110].map((seed) => rawSharp(photoLike(cw, ch, seed)).png().toBuffer()));
    const cells = tiles.map((_, i) => ({ x: gap + (i % 2) * (cw + gap), y: gap + Math.floor(i / 2) * (ch + gap), width: cw, height: ch }));
    const canvas = sharp({ create: { width: cw * 2 + gap * 3, height: ch * 2 + gap * 3, channels: 3, background: '#ffffff' } });
    const img = await rgbaOf(canvas.composite(tiles.map((input, i) => ({ input, left: cells[i].x, top: cells[i].y }))));
    const regions = findQueryRegions(img);
    expect(regions).toHaveLength(4);
    expect(regions.every((r) => r.reason === 'collage')).toBe(true);
    for (const cell of cells) expectRect(regions.find((r) => Math.abs(r.rect.x - cell.x) < 10 && Math.abs(r.rect.y - cell.y) < 10)?.rect, cell);
  });

  it('finds tiles laid edge to edge, with no gap', async () => {
    const cw = 400;
    const ch = 260;
    const tiles = await Promise.all([111, 112, 113].map((seed) => rawSharp(photoLike(cw, ch, seed)).png().toBuffer()));
    const canvas = sharp({ create: { width: cw, height: ch * 3, channels: 3, background: '#ffffff' } });
    const img = await rgbaOf(canvas.composite(tiles.map((input, i) => ({ input, left: 0, top: i * ch }))));
    const regions = findQueryRegions(img);
    expect(regions).toHaveLength(3);
    for (let i = 0; i < 3; i++) expectRect(regions.find((r) => Math.abs(r.rect.y - i * ch) < 10)?.rect, { x: 0, y: i * ch, width: cw, height: ch });
  });

  it(`returns at most ${MAX_QUERY_REGIONS} regions, the same on every call`, async () => {
    const cw = 200;
    const ch = 150;
    const gap = 8;
    const tiles = await Promise.all(Array.from({ length: 9 }, (_, i) => rawSharp(photoLike(cw, ch, 120 + i)).png().toBuffer()));
    const canvas = sharp({ create: { width: cw * 3 + gap * 4, height: ch * 3 + gap * 4, channels: 3, background: '#000000' } });
    const img = await rgbaOf(canvas.composite(tiles.map((input, i) => ({ input, left: gap + (i % 3) * (cw + gap), top: gap + Math.floor(i / 3) * (ch + gap) }))));
    const regions = findQueryRegions(img);
    expect(regions).toHaveLength(MAX_QUERY_REGIONS);
    expect(findQueryRegions(img)).toEqual(regions);
  });
});

describe('findQueryRegions: nothing to find', () => {
  it.each([131, 132, 133, 134, 135, 136])('returns [] for an ordinary photo (seed %i)', async (seed) => {
    expect(findQueryRegions(await rgbaOf(rawSharp(photoLike(500, 375, seed))))).toEqual([]);
  });

  // A clipped sky is as flat as a drawn band, but carries no text above a margin.
  it.each([131, 132, 133])('returns [] for a photo with a white sky (seed %i)', async (seed) => {
    expect(findQueryRegions(await rgbaOf(rawSharp(washed(photoLike(500, 375, seed), 255, 160, 1))))).toEqual([]);
  });

  it('returns [] for a photo in a plain border (trim.ts finds that one)', async () => {
    const img = await rgbaOf(rawSharp(photoLike(400, 300, 137)).extend({ top: 30, bottom: 30, left: 30, right: 30, background: '#ffffff' }));
    expect(findQueryRegions(img)).toEqual([]);
  });

  it('returns [] for a flat image', () => {
    expect(findQueryRegions({ width: 300, height: 200, data: new Uint8Array(300 * 200 * 4).fill(255) })).toEqual([]);
  });

  it('returns [] for a tiny image', async () => {
    expect(findQueryRegions(await rgbaOf(rawSharp(photoLike(40, 30, 138))))).toEqual([]);
  });

  it('returns [] for a photo with transparent corners', async () => {
    const img = photoLike(400, 300, 139, { alpha: true });
    expect(findQueryRegions({ width: img.width, height: img.height, data: img.data })).toEqual([]);
  });

  it('returns [] for data of the wrong length', () => {
    expect(findQueryRegions({ width: 300, height: 200, data: new Uint8Array(16) })).toEqual([]);
  });
});
