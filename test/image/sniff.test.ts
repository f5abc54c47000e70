import { describe, expect, it } from 'vitest';
import { isVeilError } from '../../shared/errors';
import { DEFAULT_DECODE_LIMITS, preflightImage, readImageHeader, sniffFormat } from '../../shared/image/sniff';
import {
  NON_IMAGES, concat, encodeAnimated, gifBombHeader, insertPngChunk, photoLike, pngBombHeader, pngChunk, rawSharp, withJpegDimensions,
} from '../support/images';

// Odd sizes so a swapped or off-by-one width/height shows.
const W = 97;
const H = 61;
const rgb = photoLike(W, H, 11);
const rgba = photoLike(W, H, 12, { alpha: true });

const ENCODINGS: [string, string, () => Promise<Buffer>][] = [
  ['jpeg baseline', 'jpeg', () => rawSharp(rgb).jpeg({ quality: 85 }).toBuffer()],
  ['jpeg progressive', 'jpeg', () => rawSharp(rgb).jpeg({ quality: 85, progressive: true }).toBuffer()],
  ['jpeg with ICC and EXIF before the frame header', 'jpeg', () => rawSharp(rgb).withMetadata({ orientation: 6 }).withIccProfile('p3').jpeg().toBuffer()],
  ['png truecolour', 'png', () => rawSharp(rgb).png().toBuffer()],
  ['png palette', 'png', () => rawSharp(rgb).png({ palette: true }).toBuffer()],
  ['gif', 'gif', () => rawSharp(rgb).gif().toBuffer()],
  ['webp lossy (VP8)', 'webp', () => rawSharp(rgb).webp({ quality: 80 }).toBuffer()],
  ['webp lossless (VP8L)', 'webp', () => rawSharp(rgb).webp({ lossless: true }).toBuffer()],
  ['webp with alpha (VP8X)', 'webp', () => rawSharp(rgba).webp({ quality: 80 }).toBuffer()],
  ['avif', 'avif', () => rawSharp(rgb).avif({ quality: 60 }).toBuffer()],
  ['tiff lzw', 'tiff', () => rawSharp(rgb).tiff({ compression: 'lzw' }).toBuffer()],
  ['tiff jpeg', 'tiff', () => rawSharp(rgb).tiff({ compression: 'jpeg' }).toBuffer()],
];

describe('readImageHeader', () => {
  it.each(ENCODINGS)('reads format and size of %s', async (_name, format, encode) => {
    const header = readImageHeader(await encode());
    expect(header).toMatchObject({ format, width: W, height: H });
  });

  it('finds a JPEG frame header after stray bytes before a marker, as libjpeg does', async () => {
    const jpeg = await rawSharp(rgb).jpeg().toBuffer();
    const afterFirstSegment = 4 + ((jpeg[4] << 8) | jpeg[5]);
    const patched = concat([jpeg.subarray(0, afterFirstSegment), new Uint8Array([0x00, 0x13, 0x37]), jpeg.subarray(afterFirstSegment)]);
    expect(readImageHeader(patched)).toMatchObject({ format: 'jpeg', width: W, height: H });
  });

  it('reads the frame count of an APNG from its acTL chunk', async () => {
    const png = await rawSharp(rgb).png().toBuffer();
    const actl = pngChunk('acTL', new Uint8Array([0, 0, 0, 3, 0, 0, 0, 0]));
    expect(readImageHeader(insertPngChunk(png, actl))).toMatchObject({ format: 'png', frames: 3, animated: true });
  });

  it('sees the animation flag of an animated WebP', async () => {
    const webp = await encodeAnimated(48, 32, 5, 3, 'webp');
    expect(readImageHeader(webp)).toMatchObject({ format: 'webp', width: 48, height: 32, animated: true });
  });

  it('says a still image is not animated', async () => {
    expect(readImageHeader(await rawSharp(rgb).png().toBuffer())).toMatchObject({ animated: false, frames: null });
  });

  it('refuses no bytes as image/empty', () => {
    expect(() => readImageHeader(new Uint8Array(0))).toThrow(expect.objectContaining({ code: 'image/empty' }));
  });

  it.each(Object.keys(NON_IMAGES))('refuses %s as image/unsupported-format', (kind) => {
    expect(() => readImageHeader(NON_IMAGES[kind])).toThrow(expect.objectContaining({ code: 'image/unsupported-format' }));
  });

  const ftyp = (brands: string) => concat([new Uint8Array([0, 0, 0, 8 + brands.length]), new TextEncoder().encode('ftyp' + brands)]);
  it.each([
    ['heic', ftyp('heic\0\0\0\0mif1heic')],
    ['pdf', NON_IMAGES.pdf],
    ['svg', NON_IMAGES.svg],
    ['bmp', concat([new TextEncoder().encode('BM'), new Uint8Array([0, 0, 0, 0, 0, 0, 0, 0, 54, 0, 0, 0, 40, 0, 0, 0, 16, 0, 0, 0, 16, 0, 0, 0])])],
  ])('names a recognised but refused format (%s)', (name, bytes) => {
    expect(sniffFormat(bytes)).toBe(name);
    expect(() => readImageHeader(bytes)).toThrow(expect.objectContaining({ code: 'image/unsupported-format', message: expect.stringContaining(name) }));
  });

  it('tells AVIF from HEIC by the ftyp brands', () => {
    expect(sniffFormat(ftyp('avif\0\0\0\0mif1miaf'))).toBe('avif');
    expect(sniffFormat(ftyp('mif1\0\0\0\0mif1heic'))).toBe('heic');
  });

  it.each([
    ['png signature alone', new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])],
    ['jpeg without a frame header', new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 4, 0, 0, 0xff, 0xd9])],
    ['webp without a bitstream chunk', new TextEncoder().encode('RIFF\x04\0\0\0WEBP')],
    ['tiff without IFD entries', new Uint8Array([0x49, 0x49, 0x2a, 0, 8, 0, 0, 0, 0, 0])],
  ])('refuses an accepted format with an unreadable header (%s) as image/corrupt', (_name, bytes) => {
    expect(() => readImageHeader(bytes)).toThrow(expect.objectContaining({ code: 'image/corrupt' }));
  });

  it('never throws anything but a VeilError on any prefix of a valid file', async () => {
    for (const [, , encode] of ENCODINGS) {
      const file = await encode();
      for (let n = 0; n <= Math.min(file.length, 400); n++) {
        try {
          readImageHeader(file.subarray(0, n));
        } catch (err) {
          expect(isVeilError(err)).toBe(true);
        }
      }
    }
  });
});

describe('preflightImage', () => {
  const limits = { ...DEFAULT_DECODE_LIMITS };

  it.each([
    ['a PNG declaring 30000x30000', pngBombHeader(30000, 30000)],
    ['a GIF declaring 65535x65535', gifBombHeader(65535, 65535)],
    ['a PNG 40000 px wide and 10 high (over the side limit)', pngBombHeader(40000, 10)],
  ])('refuses %s as image/too-many-pixels from the header alone', (_name, bytes) => {
    expect(bytes.length).toBeLessThan(100);
    expect(() => preflightImage(bytes, limits)).toThrow(expect.objectContaining({ code: 'image/too-many-pixels' }));
  });

  it('refuses a JPEG whose frame header declares 30000x30000', async () => {
    const jpeg = withJpegDimensions(await rawSharp(rgb).jpeg().toBuffer(), 30000, 30000);
    expect(() => preflightImage(jpeg, limits)).toThrow(expect.objectContaining({ code: 'image/too-many-pixels' }));
  });

  it('refuses an image smaller than minSide as image/too-small', () => {
    expect(() => preflightImage(pngBombHeader(8, 200), limits)).toThrow(expect.objectContaining({ code: 'image/too-small' }));
  });

  it('refuses more bytes than maxBytes before parsing them', () => {
    expect(() => preflightImage(NON_IMAGES.random, { ...limits, maxBytes: 100 })).toThrow(expect.objectContaining({ code: 'image/too-large-bytes' }));
  });

  it('accepts an image exactly at the pixel limit', () => {
    expect(preflightImage(pngBombHeader(1000, 500), { ...limits, maxPixels: 500_000 })).toMatchObject({ width: 1000, height: 500 });
  });
});
