import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../node/decode';
import { encodeWithOrientation, photoLike, rawSharp, rgbaDiff, storeForOrientation } from '../support/images';

/**
 * EXIF orientation 1-8: each file stores the picture transformed by the inverse of its
 * orientation (done by hand in test/support/images.ts), so after correction every one of them
 * must show the upright picture. Lossless formats must agree to the last bit; JPEG re-encodes the
 * transformed pixels on a different block grid, so it only agrees within the codec's error.
 */

const W = 120;
const H = 80;
const picture = photoLike(W, H, 41);
const ORIENTATIONS = [1, 2, 3, 4, 5, 6, 7, 8];

describe('decodeImage: EXIF orientation', () => {
  it.each(ORIENTATIONS.slice(1))('orientation %i stores pixels that differ from the upright picture (the tests below are not vacuous)', (o) => {
    const stored = storeForOrientation(picture, o);
    expect(Buffer.from(stored.data).equals(Buffer.from(picture.data))).toBe(false);
  });

  it.each(ORIENTATIONS)('PNG with orientation %i decodes to the upright picture exactly', async (o) => {
    const upright = await decodeImage(await rawSharp(picture).png().toBuffer());
    const img = await decodeImage(await encodeWithOrientation(picture, o, 'png'));
    expect([img.width, img.height]).toEqual([W, H]);
    expect(Buffer.from(img.data).equals(Buffer.from(upright.data))).toBe(true);
  });

  it.each(ORIENTATIONS)('TIFF with orientation %i decodes to the upright picture exactly', async (o) => {
    const upright = await decodeImage(await rawSharp(picture).png().toBuffer());
    const img = await decodeImage(await encodeWithOrientation(picture, o, 'tiff'));
    expect([img.width, img.height]).toEqual([W, H]);
    expect(Buffer.from(img.data).equals(Buffer.from(upright.data))).toBe(true);
  });

  // Chromium ignores EXIF orientation in WebP (test/browser measures it), so Node does too:
  // the file decodes as stored, which is what a page shows.
  it.each(ORIENTATIONS)('WebP with orientation %i decodes as stored, like Chromium', async (o) => {
    const stored = storeForOrientation(picture, o);
    const img = await decodeImage(await encodeWithOrientation(picture, o, 'webp'));
    expect([img.width, img.height]).toEqual([stored.width, stored.height]);
    const asStored = await decodeImage(await rawSharp(stored).png().toBuffer());
    expect(Buffer.from(img.data).equals(Buffer.from(asStored.data))).toBe(true);
  });

  it.each(ORIENTATIONS)('JPEG with orientation %i decodes upright, within JPEG error of the picture', async (o) => {
    const upright = await decodeImage(await rawSharp(picture).png().toBuffer());
    const img = await decodeImage(await encodeWithOrientation(picture, o, 'jpeg'));
    expect([img.width, img.height]).toEqual([W, H]);
    expect(rgbaDiff(img.data, upright.data).mean).toBeLessThan(5);
  });
});
