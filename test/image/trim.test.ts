import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import type { RgbaImage } from '../../shared/image/types';
import { copyRect, findContentRect, TRIM_MIN_KEEP_PX } from '../../shared/image/trim';
import { photoLike, rawSharp, seededRandom, type RawImage } from '../support/images';

type Rgb = [number, number, number];

interface Frame {
  top: number;
  bottom: number;
  left: number;
  right: number;
  colour: Rgb;
}

/** Decoded RGBA of a sharp pipeline after a JPEG round trip (the noise a re-post adds). */
async function jpegRgba(s: Sharp, quality = 85): Promise<RgbaImage & { data: Uint8Array }> {
  const jpeg = await s.jpeg({ quality }).toBuffer();
  const { data, info } = await sharp(jpeg).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

function framed(img: RawImage, f: Frame, quality = 85): Promise<RgbaImage> {
  const [r, g, b] = f.colour;
  return jpegRgba(rawSharp(img).extend({ top: f.top, bottom: f.bottom, left: f.left, right: f.right, background: { r, g, b } }), quality);
}

/** Pixels lost or frame kept at each side, at most `slack` (JPEG smears the content's edge). */
function expectNear(rect: ReturnType<typeof findContentRect>, want: { x: number; y: number; width: number; height: number }, slack = 3): void {
  expect(rect).not.toBeNull();
  const r = rect!;
  expect(Math.abs(r.x - want.x)).toBeLessThanOrEqual(slack);
  expect(Math.abs(r.y - want.y)).toBeLessThanOrEqual(slack);
  expect(Math.abs(r.x + r.width - (want.x + want.width))).toBeLessThanOrEqual(slack);
  expect(Math.abs(r.y + r.height - (want.y + want.height))).toBeLessThanOrEqual(slack);
}

/** photoLike with its top `fraction` of rows replaced by a sky: a smooth vertical gradient with grain. */
function withSky(img: RawImage, fraction: number, from: Rgb, to: Rgb, seed: number): RawImage {
  const rand = seededRandom(seed);
  const data = img.data.slice();
  const rows = Math.round(img.height * fraction);
  for (let y = 0; y < rows; y++) {
    const t = y / rows;
    for (let x = 0; x < img.width; x++) {
      const p = (y * img.width + x) * img.channels;
      for (let c = 0; c < 3; c++) data[p + c] = Math.max(0, Math.min(255, Math.round(from[c] + (to[c] - from[c]) * t + (rand() - 0.5) * 4)));
    }
  }
  return { ...img, data };
}

describe('findContentRect', () => {
  const frames: [string, number, number, Rgb][] = [
    ['white, 5% per side', 0.05, 0.05, [255, 255, 255]],
    ['black, 5% per side', 0.05, 0.05, [0, 0, 0]],
    ['white, 15% per side', 0.15, 0.15, [255, 255, 255]],
    ['black, 15% per side', 0.15, 0.15, [0, 0, 0]],
    ['mid grey, 10% per side', 0.1, 0.1, [128, 128, 128]],
    ['saturated red, 8% per side', 0.08, 0.08, [200, 30, 40]],
    ['pale blue, 3% wide and 12% high', 0.03, 0.12, [180, 210, 240]],
  ];

  it.each(frames)('finds the photo inside a %s frame after JPEG', async (_name, fx, fy, colour) => {
    const photo = photoLike(400, 300, 11);
    const x = Math.round(photo.width * fx);
    const y = Math.round(photo.height * fy);
    const img = await framed(photo, { top: y, bottom: y, left: x, right: x, colour });
    expectNear(findContentRect(img), { x, y, width: photo.width, height: photo.height });
  });

  it('survives a harsher re-encode (JPEG quality 60) of a black 10% frame', async () => {
    const photo = photoLike(360, 360, 12);
    const img = await framed(photo, { top: 36, bottom: 36, left: 36, right: 36, colour: [0, 0, 0] }, 60);
    expectNear(findContentRect(img), { x: 36, y: 36, width: 360, height: 360 });
  });

  it('finds a letterbox (bars at top and bottom only) and leaves the sides alone', async () => {
    const photo = photoLike(480, 270, 13);
    const img = await framed(photo, { top: 60, bottom: 60, left: 0, right: 0, colour: [0, 0, 0] });
    const rect = findContentRect(img);
    expectNear(rect, { x: 0, y: 60, width: 480, height: 270 });
    expect(rect!.x).toBe(0);
    expect(rect!.width).toBe(480);
  });

  it('finds bars of different widths and colours on different sides', async () => {
    const photo = photoLike(300, 300, 14);
    const black = await jpegRgba(rawSharp(photo).extend({ top: 40, bottom: 20, background: { r: 0, g: 0, b: 0 } }));
    const raw: RawImage = { width: black.width, height: black.height, channels: 4, data: black.data };
    const img = await jpegRgba(rawSharp(raw).extend({ left: 30, right: 10, background: { r: 255, g: 255, b: 255, alpha: 1 } }));
    expectNear(findContentRect(img), { x: 30, y: 40, width: 300, height: 300 });
  });

  it('keeps a plain backdrop of the photo itself inside a frame of another colour (as the photo was registered)', async () => {
    const photo = photoLike(400, 300, 16);
    for (let y = 0; y < photo.height; y++) photo.data.fill(235, (y * photo.width + 340) * 3, (y + 1) * photo.width * 3);
    const img = await framed(photo, { top: 20, bottom: 20, left: 20, right: 20, colour: [0, 0, 0] });
    expectNear(findContentRect(img), { x: 20, y: 20, width: 400, height: 300 });
  });

  it('counts a transparent frame as white, like the hash front end', () => {
    const photo = photoLike(200, 200, 15);
    const w = 260;
    const data = new Uint8Array(w * w * 4);
    for (let y = 0; y < 200; y++) {
      for (let x = 0; x < 200; x++) {
        const p = ((y + 30) * w + x + 30) * 4;
        data.set(photo.data.subarray((y * 200 + x) * 3, (y * 200 + x) * 3 + 3), p);
        data[p + 3] = 255;
      }
    }
    expect(findContentRect({ width: w, height: w, data })).toEqual({ x: 30, y: 30, width: 200, height: 200 });
  });

  it.each([21, 22, 23, 24])('leaves a photo with no frame alone (seed %i)', async (seed) => {
    const img = await jpegRgba(rawSharp(photoLike(400, 300, seed)));
    expect(findContentRect(img)).toBeNull();
  });

  it.each([
    ['a pale sky', [150, 190, 235], [120, 165, 225]],
    ['a dark night sky', [8, 10, 25], [30, 32, 60]],
    ['an overcast sky', [205, 208, 212], [185, 188, 195]],
  ] as [string, Rgb, Rgb][])('does not take %s fading over the top rows for a frame', async (_name, from, to) => {
    const img = await jpegRgba(rawSharp(withSky(photoLike(400, 300, 31), 0.3, from, to, 32)));
    expect(findContentRect(img)).toBeNull();
  });

  it('refuses when what is left would be under 40% of a side', async () => {
    const photo = photoLike(100, 100, 41);
    // 100 px of photo in a 300 px wide image: a third of the width.
    const img = await framed(photo, { top: 10, bottom: 10, left: 100, right: 100, colour: [255, 255, 255] });
    expect(findContentRect(img)).toBeNull();
  });

  it(`refuses when what is left would be under ${TRIM_MIN_KEEP_PX} px`, async () => {
    const photo = photoLike(60, 60, 42);
    const img = await framed(photo, { top: 8, bottom: 8, left: 8, right: 8, colour: [0, 0, 0] });
    expect(findContentRect(img)).toBeNull();
  });

  it('returns null for a flat image (all frame, no photo)', () => {
    const data = new Uint8Array(200 * 150 * 4).fill(255);
    expect(findContentRect({ width: 200, height: 150, data })).toBeNull();
  });

  it('gives the same rectangle on every call', async () => {
    const img = await framed(photoLike(320, 240, 43), { top: 24, bottom: 24, left: 16, right: 16, colour: [0, 0, 0] });
    expect(findContentRect(img)).toEqual(findContentRect(img));
  });
});

describe('copyRect', () => {
  it('copies exactly the rectangle, reusing a large enough buffer', () => {
    const w = 7;
    const h = 5;
    const data = Uint8Array.from({ length: w * h * 4 }, (_, i) => i & 255);
    const out = new Uint8Array(64);
    const rect = { x: 2, y: 1, width: 3, height: 2 };
    const sub = copyRect({ width: w, height: h, data }, rect, out);
    expect(sub.data.buffer).toBe(out.buffer);
    expect([sub.width, sub.height, sub.data.length]).toEqual([3, 2, 24]);
    for (let y = 0; y < 2; y++) {
      for (let x = 0; x < 3; x++) {
        const p = ((y + 1) * w + x + 2) * 4;
        expect([...sub.data.subarray((y * 3 + x) * 4, (y * 3 + x) * 4 + 4)]).toEqual([...data.subarray(p, p + 4)]);
      }
    }
  });
});
