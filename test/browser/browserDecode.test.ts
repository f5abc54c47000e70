import { afterAll, beforeAll, describe, expect } from 'vitest';
import { CHROMIUM_PATH, hasChromium } from '../support/chromium';
import { itIfAvailable } from '../support/env';
import { NON_IMAGES, gifBombHeader, photoLike, pngBombHeader, rawSharp, withJpegDimensions } from '../support/images';
import { startBrowserHarness, type BrowserHarness } from './harness';

/**
 * decodeInBrowser in real Chromium: a page, a Blob input, an MV3-like service worker (no DOM),
 * and every refusal with its code, matching node/decode.ts's codes for the same files.
 */

const withChromium = itIfAvailable(hasChromium, `Debian chromium (${CHROMIUM_PATH})`);

let harness: BrowserHarness;
beforeAll(async () => {
  if (hasChromium) harness = await startBrowserHarness();
});
afterAll(async () => {
  await harness?.close();
});

const picture = photoLike(200, 150, 91);

async function codeInPage(name: string, bytes: Uint8Array, limits?: Record<string, number>): Promise<string> {
  const result = await harness.hash({ url: harness.addImage(name, bytes), limits });
  return result.ok ? 'resolved' : result.code;
}

describe('decodeInBrowser in Chromium', () => {
  withChromium('decodes the same pixels from an ArrayBuffer and from a Blob', async () => {
    const url = harness.addImage('blob-vs-buffer', await rawSharp(picture).jpeg().toBuffer());
    const fromBuffer = await harness.hash({ url, digest: true });
    const fromBlob = await harness.hash({ url, digest: true, asBlob: true });
    expect(fromBuffer).toMatchObject({ ok: true, format: 'jpeg', width: 200, height: 150 });
    expect(fromBlob).toEqual(fromBuffer);
  });

  withChromium('runs in a service worker, which has no DOM, with the same result as the page', async () => {
    const worker = await harness.serviceWorker();
    expect(await worker.evaluate(() => (globalThis as unknown as { veilTest: { context(): unknown } }).veilTest.context())).toEqual({ kind: 'service-worker', hasDocument: false });
    for (const [name, bytes] of [
      ['sw.jpg', await rawSharp(picture).jpeg().toBuffer()],
      ['sw.png', await rawSharp(photoLike(200, 150, 92, { alpha: true })).png().toBuffer()],
    ] as const) {
      const url = harness.addImage(name, bytes);
      const inWorker = await harness.hash({ url, digest: true }, worker);
      expect(inWorker.ok).toBe(true);
      expect(inWorker).toEqual(await harness.hash({ url, digest: true }));
    }
  });

  withChromium('refuses truncated JPEG, PNG, GIF, WebP and AVIF as image/corrupt (no partial decode)', async () => {
    const files = {
      jpeg: await rawSharp(picture).jpeg().toBuffer(),
      png: await rawSharp(picture).png().toBuffer(),
      gif: await rawSharp(picture).gif().toBuffer(),
      webp: await rawSharp(picture).webp().toBuffer(),
      avif: await rawSharp(picture).avif().toBuffer(),
    };
    for (const [format, full] of Object.entries(files)) {
      expect(`${format}: ${await codeInPage(`${format}-full`, full)}`).toBe(`${format}: resolved`);
      for (const frac of [0.98, 0.6]) {
        const cut = full.subarray(0, Math.floor(full.length * frac));
        expect(`${format} at ${frac}: ${await codeInPage(`${format}-${frac}`, cut)}`).toBe(`${format} at ${frac}: image/corrupt`);
      }
    }
  });

  withChromium('refuses empty input as image/empty', async () => {
    expect(await codeInPage('empty', new Uint8Array(0))).toBe('image/empty');
  });

  withChromium('refuses text, HTML, PDF, SVG and random bytes as image/unsupported-format', async () => {
    for (const [kind, bytes] of Object.entries(NON_IMAGES)) {
      expect(`${kind}: ${await codeInPage(kind, bytes)}`).toBe(`${kind}: image/unsupported-format`);
    }
  });

  withChromium('refuses TIFF, which browsers do not decode, as image/unsupported-format', async () => {
    expect(await codeInPage('tiff', await rawSharp(picture).tiff().toBuffer())).toBe('image/unsupported-format');
  });

  withChromium('refuses decompression bombs from their headers as image/too-many-pixels', async () => {
    expect(await codeInPage('bomb.png', pngBombHeader(30000, 30000))).toBe('image/too-many-pixels');
    expect(await codeInPage('bomb.gif', gifBombHeader(65535, 65535))).toBe('image/too-many-pixels');
    const jpeg = withJpegDimensions(await rawSharp(picture).jpeg().toBuffer(), 30000, 30000);
    expect(await codeInPage('bomb.jpg', jpeg)).toBe('image/too-many-pixels');
  });

  withChromium('enforces the pixel, size and byte limits it is given', async () => {
    const jpeg = await rawSharp(picture).jpeg().toBuffer();
    expect(await codeInPage('limit-px-ok', jpeg, { maxPixels: 200 * 150 })).toBe('resolved');
    expect(await codeInPage('limit-px', jpeg, { maxPixels: 200 * 150 - 1 })).toBe('image/too-many-pixels');
    expect(await codeInPage('limit-bytes', jpeg, { maxBytes: jpeg.length - 1 })).toBe('image/too-large-bytes');
    expect(await codeInPage('limit-small', jpeg, { minSide: 151 })).toBe('image/too-small');
  });
});
