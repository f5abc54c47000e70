import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { cmykToRgbaLikeChromium, decodeImage } from '../../node/decode';
import { encodeAnimated, photoLike, rawSharp, rgbaDiff, type RawImage } from '../support/images';

/**
 * Node decoding of every accepted format and colour type. Each input is generated from one known
 * picture, so the decoded RGBA is compared with the picture itself: exactly for lossless
 * encodings, within the codec's error for lossy ones.
 */

const W = 128;
const H = 96;
const picture = photoLike(W, H, 21);
const pictureAlpha = photoLike(W, H, 22, { alpha: true });

/** The picture as straight RGBA (what a decoder must return for an opaque image). */
function asRgba(img: RawImage): Uint8Array {
  if (img.channels === 4) return img.data;
  const out = new Uint8Array(img.width * img.height * 4);
  for (let i = 0, j = 0; i < img.data.length; i += 3, j += 4) {
    out[j] = img.data[i];
    out[j + 1] = img.data[i + 1];
    out[j + 2] = img.data[i + 2];
    out[j + 3] = 255;
  }
  return out;
}

/** A one-channel grey picture (the green channel of `picture`), and the RGBA a decoder must give. */
const grey = new Uint8Array(W * H);
for (let i = 0; i < grey.length; i++) grey[i] = picture.data[i * 3 + 1];
const greySharp = () => sharp(grey, { raw: { width: W, height: H, channels: 1 } });
function greyAsRgba(): Uint8Array {
  const out = new Uint8Array(W * H * 4);
  for (let i = 0; i < grey.length; i++) out.set([grey[i], grey[i], grey[i], 255], i * 4);
  return out;
}

// [name, format, encode, expected RGBA, largest mean absolute error allowed (0 = exact)]
const CASES: [string, string, () => Promise<Buffer>, () => Uint8Array, number][] = [
  ['JPEG q90', 'jpeg', () => rawSharp(picture).jpeg({ quality: 90 }).toBuffer(), () => asRgba(picture), 4],
  ['progressive JPEG 4:4:4', 'jpeg', () => rawSharp(picture).jpeg({ quality: 90, progressive: true, chromaSubsampling: '4:4:4' }).toBuffer(), () => asRgba(picture), 4],
  ['PNG RGB', 'png', () => rawSharp(picture).png().toBuffer(), () => asRgba(picture), 0],
  ['PNG RGBA', 'png', () => rawSharp(pictureAlpha).png().toBuffer(), () => pictureAlpha.data, 0],
  ['PNG 16-bit RGB', 'png', () => rawSharp(picture).toColourspace('rgb16').png().toBuffer(), () => asRgba(picture), 0],
  ['PNG 16-bit RGBA', 'png', () => rawSharp(pictureAlpha).toColourspace('rgb16').png().toBuffer(), () => pictureAlpha.data, 0],
  ['PNG palette', 'png', () => rawSharp(picture).png({ palette: true, colours: 256, dither: 0 }).toBuffer(), () => asRgba(picture), 8],
  ['PNG greyscale', 'png', () => greySharp().png().toBuffer(), greyAsRgba, 0],
  ['PNG greyscale 16-bit', 'png', () => greySharp().toColourspace('grey16').png().toBuffer(), greyAsRgba, 0],
  ['JPEG greyscale', 'jpeg', () => greySharp().jpeg({ quality: 90 }).toBuffer(), greyAsRgba, 4],
  ['GIF (palette)', 'gif', () => rawSharp(picture).gif({ dither: 0 }).toBuffer(), () => asRgba(picture), 8],
  ['WebP lossy', 'webp', () => rawSharp(picture).webp({ quality: 90 }).toBuffer(), () => asRgba(picture), 4],
  ['WebP lossless RGBA', 'webp', () => rawSharp(pictureAlpha).webp({ lossless: true, exact: true }).toBuffer(), () => pictureAlpha.data, 0],
  ['AVIF', 'avif', () => rawSharp(picture).avif({ quality: 80 }).toBuffer(), () => asRgba(picture), 4],
  ['TIFF LZW', 'tiff', () => rawSharp(picture).tiff({ compression: 'lzw' }).toBuffer(), () => asRgba(picture), 0],
  ['TIFF 16-bit', 'tiff', () => rawSharp(picture).toColourspace('rgb16').tiff({ compression: 'lzw' }).toBuffer(), () => asRgba(picture), 0],
  ['TIFF greyscale', 'tiff', () => greySharp().tiff({ compression: 'lzw' }).toBuffer(), greyAsRgba, 0],
];

describe('decodeImage: formats and colour types', () => {
  it.each(CASES)('decodes %s to RGBA8 of the same picture', async (_name, format, encode, expected, maxMean) => {
    const img = await decodeImage(await encode());
    expect(img).toMatchObject({ width: W, height: H, format, frames: 1 });
    expect(img.data).toBeInstanceOf(Uint8Array);
    expect(img.data.length).toBe(W * H * 4);
    const diff = rgbaDiff(img.data, expected());
    if (maxMean === 0) expect(diff).toEqual({ mean: 0, max: 0, alphaMax: 0 });
    else expect(diff.mean).toBeLessThanOrEqual(maxMean);
  });

  it('decodes a CMYK JPEG with an ICC profile through its profile, close to the picture', async () => {
    const cmyk = await rawSharp(picture).withIccProfile('cmyk').jpeg({ quality: 95 }).toBuffer();
    expect(await sharp(cmyk).metadata()).toMatchObject({ space: 'cmyk', hasProfile: true });
    const img = await decodeImage(cmyk);
    expect(img).toMatchObject({ width: W, height: H, format: 'jpeg' });
    // CMYK round trips through a printing profile, whose gamut is smaller than sRGB's.
    expect(rgbaDiff(img.data, asRgba(picture)).mean).toBeLessThan(14);
  });

  it('decodes a CMYK JPEG without a profile with Chromium\'s inverted-CMYK formula', async () => {
    const cmyk = await rawSharp(picture).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
    expect(await sharp(cmyk).metadata()).toMatchObject({ space: 'cmyk', hasProfile: false });
    const samples = await sharp(cmyk).pipelineColourspace('cmyk').toColourspace('cmyk').raw().toBuffer();
    const img = await decodeImage(cmyk);
    expect(img.data).toEqual(cmykToRgbaLikeChromium(new Uint8Array(samples)));
    // Still recognisably the picture (the formula ignores ink behaviour, so colours shift).
    expect(rgbaDiff(img.data, asRgba(picture)).mean).toBeLessThan(40);
  });

  it.each([
    [[0, 0, 0, 0], [255, 255, 255, 255]],
    [[0, 0, 0, 255], [0, 0, 0, 255]],
    [[255, 0, 0, 0], [0, 255, 255, 255]],
    [[128, 64, 0, 128], [63, 95, 127, 255]],
  ])('converts CMYK %j to RGBA %j as Blink does', (cmyk, rgba) => {
    expect([...cmykToRgbaLikeChromium(Uint8Array.from(cmyk))]).toEqual(rgba);
  });

  it('applies an embedded ICC profile: a Display P3 file decodes to the sRGB picture', async () => {
    const p3 = await rawSharp(picture).withIccProfile('p3').png().toBuffer();
    const img = await decodeImage(p3);
    const diff = rgbaDiff(img.data, asRgba(picture));
    // 8-bit P3 values are coarser than sRGB ones in the sRGB gamut: a few levels of round trip.
    expect(diff.mean).toBeLessThan(1);
    expect(diff.max).toBeLessThanOrEqual(6);
    // The stored values really are P3 ones: taken as sRGB (profile ignored) they are visibly off.
    const stored = await sharp(p3, { ignoreIcc: true }).ensureAlpha().raw().toBuffer();
    expect(rgbaDiff(stored, asRgba(picture)).mean).toBeGreaterThan(4);
  });

  it('reads a path as well as bytes, with the same result', async () => {
    const { mkdtemp, writeFile, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'veil-decode-'));
    try {
      const bytes = await rawSharp(picture).jpeg().toBuffer();
      await writeFile(join(dir, 'a.jpg'), bytes);
      const fromPath = await decodeImage(join(dir, 'a.jpg'));
      const fromBytes = await decodeImage(bytes);
      expect(fromPath.data).toEqual(fromBytes.data);
    } finally {
      await rm(dir, { recursive: true });
    }
  });
});

describe('decodeImage: animated images', () => {
  it.each(['gif', 'webp'] as const)('decodes the first frame of an animated %s and counts the frames', async (format) => {
    const animated = await encodeAnimated(96, 64, 31, 3, format);
    const img = await decodeImage(animated);
    expect(img).toMatchObject({ width: 96, height: 64, format, frames: 3 });
    const first = asRgba(photoLike(96, 64, 31));
    const second = asRgba(photoLike(96, 64, 32));
    const toFirst = rgbaDiff(img.data, first).mean;
    expect(toFirst).toBeLessThan(10);
    expect(toFirst).toBeLessThan(rgbaDiff(img.data, second).mean / 3);
  });
});
