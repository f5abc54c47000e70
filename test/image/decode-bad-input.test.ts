import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, readFileCapped } from '../../node/decode';
import type { VeilErrorCode } from '../../shared/errors';
import {
  NON_IMAGES, concat, gifBombHeader, photoLike, pngBombHeader, rawSharp, withJpegDimensions,
} from '../support/images';

/** Every way an input can be refused, and the code each gets. */

const picture = photoLike(160, 120, 51);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'veil-bad-input-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function codeOf(p: Promise<unknown>): Promise<VeilErrorCode | 'resolved' | string> {
  try {
    await p;
    return 'resolved';
  } catch (err) {
    return (err as { code?: string }).code ?? `not a VeilError: ${String(err)}`;
  }
}

const ENCODERS: Record<string, () => Promise<Buffer>> = {
  jpeg: () => rawSharp(picture).jpeg({ quality: 90 }).toBuffer(),
  'progressive jpeg': () => rawSharp(picture).jpeg({ quality: 90, progressive: true }).toBuffer(),
  png: () => rawSharp(picture).png().toBuffer(),
  gif: () => rawSharp(picture).gif().toBuffer(),
  webp: () => rawSharp(picture).webp().toBuffer(),
  avif: () => rawSharp(picture).avif().toBuffer(),
  tiff: () => rawSharp(picture).tiff({ compression: 'lzw' }).toBuffer(),
};

describe('decodeImage: bad input', () => {
  it('refuses empty bytes and an empty file as image/empty', async () => {
    await writeFile(join(dir, 'empty.jpg'), new Uint8Array(0));
    expect(await codeOf(decodeImage(new Uint8Array(0)))).toBe('image/empty');
    expect(await codeOf(decodeImage(join(dir, 'empty.jpg')))).toBe('image/empty');
  });

  // Truncation is refused, never decoded partially: Chromium refuses these files too (see
  // test/browser/agreement.test.ts), so a partial decode would give a hash no browser computes.
  it.each(Object.keys(ENCODERS).flatMap((f) => [0.98, 0.6].map((frac) => [f, frac] as const)))(
    'refuses a %s truncated to %f of its bytes as image/corrupt',
    async (format, frac) => {
      const full = await ENCODERS[format]();
      expect(await codeOf(decodeImage(full))).toBe('resolved');
      expect(await codeOf(decodeImage(full.subarray(0, Math.floor(full.length * frac))))).toBe('image/corrupt');
    },
  );

  it('refuses a JPEG cut right after its headers as image/corrupt', async () => {
    const jpeg = await ENCODERS.jpeg();
    let sos = 2;
    while (!(jpeg[sos] === 0xff && jpeg[sos + 1] === 0xda)) sos++;
    expect(await codeOf(decodeImage(jpeg.subarray(0, sos + 20)))).toBe('image/corrupt');
  });

  it('refuses a valid header followed by garbage as image/corrupt', async () => {
    const png = await ENCODERS.png();
    const garbage = concat([png.subarray(0, 60), NON_IMAGES.random]);
    expect(await codeOf(decodeImage(garbage))).toBe('image/corrupt');
  });

  it.each(Object.keys(NON_IMAGES))('refuses %s as image/unsupported-format', async (kind) => {
    expect(await codeOf(decodeImage(NON_IMAGES[kind]))).toBe('image/unsupported-format');
  });

  it.each([
    ['PNG declaring 30000x30000', () => pngBombHeader(30000, 30000)],
    ['GIF declaring 65535x65535', () => gifBombHeader(65535, 65535)],
    ['PNG 40000x16 (side limit)', () => pngBombHeader(40000, 16)],
  ])('refuses a decompression bomb (%s) as image/too-many-pixels', async (_name, make) => {
    expect(await codeOf(decodeImage(make()))).toBe('image/too-many-pixels');
  });

  it('refuses a JPEG whose frame header declares 30000x30000 as image/too-many-pixels', async () => {
    const jpeg = withJpegDimensions(await ENCODERS.jpeg(), 30000, 30000);
    expect(await codeOf(decodeImage(jpeg))).toBe('image/too-many-pixels');
  });

  it.each(Object.keys(ENCODERS))('enforces a lowered pixel limit on a real %s', async (format) => {
    const file = await ENCODERS[format]();
    expect(await codeOf(decodeImage(file, { maxPixels: 160 * 120 }))).toBe('resolved');
    expect(await codeOf(decodeImage(file, { maxPixels: 160 * 120 - 1 }))).toBe('image/too-many-pixels');
  });

  it('refuses an image below the minimum side as image/too-small', async () => {
    const tiny = await rawSharp(photoLike(12, 40, 3)).png().toBuffer();
    expect(await codeOf(decodeImage(tiny))).toBe('image/too-small');
    expect(await codeOf(decodeImage(tiny, { minSide: 8 }))).toBe('resolved');
  });

  it('refuses bytes over maxBytes as image/too-large-bytes', async () => {
    const jpeg = await ENCODERS.jpeg();
    expect(await codeOf(decodeImage(jpeg, { maxBytes: jpeg.length }))).toBe('resolved');
    expect(await codeOf(decodeImage(jpeg, { maxBytes: jpeg.length - 1 }))).toBe('image/too-large-bytes');
  });

  it('refuses a file over the default 50 MB limit from its size, without reading it', async () => {
    // A sparse file: 60 MB long on paper, no blocks on disk.
    const path = join(dir, 'huge.jpg');
    const fh = await open(path, 'w');
    await fh.write(await ENCODERS.jpeg(), 0, undefined, 0);
    await fh.truncate(60 * 1024 * 1024);
    await fh.close();
    expect(await codeOf(decodeImage(path))).toBe('image/too-large-bytes');
  });

  it('stops reading an endless stream at the byte cap', async () => {
    expect(await codeOf(readFileCapped('/dev/zero', 1_000_000))).toBe('image/too-large-bytes');
  });

  it('reports a missing file or a directory as io/read-failed', async () => {
    expect(await codeOf(decodeImage(join(dir, 'does-not-exist.jpg')))).toBe('io/read-failed');
    expect(await codeOf(decodeImage(dir))).toBe('io/read-failed');
  });

  it('keeps the libvips message on `cause` only, not in the message', async () => {
    const jpeg = await ENCODERS.jpeg();
    const err = (await decodeImage(jpeg.subarray(0, jpeg.length >> 1)).then(() => null, (e: unknown) => e)) as Error;
    expect(err.message).not.toMatch(/vips|jpeg image/i);
    expect(err.cause).toBeInstanceOf(Error);
  });
});

describe('decodeImage: damage that browsers tolerate is tolerated', () => {
  it('decodes a JPEG with stray bytes before a marker (a libjpeg warning, not an error)', async () => {
    const jpeg = await ENCODERS.jpeg();
    const at = 4 + ((jpeg[4] << 8) | jpeg[5]);
    const patched = concat([jpeg.subarray(0, at), new Uint8Array([0x00, 0x00, 0x00]), jpeg.subarray(at)]);
    const a = await decodeImage(jpeg);
    const b = await decodeImage(patched);
    expect(b.data).toEqual(a.data);
  });

  it('decodes a JPEG with data after its end marker (as phones append) unchanged', async () => {
    const jpeg = await ENCODERS.jpeg();
    const a = await decodeImage(jpeg);
    const b = await decodeImage(concat([jpeg, NON_IMAGES.random]));
    expect(b.data).toEqual(a.data);
  });
});
