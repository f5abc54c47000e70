import { VeilError, isVeilError } from '../errors';
import type { RgbaImage } from './types';
import type { DecodeLimits, ImageFormat } from './sniff';
import { checkByteLength, checkDimensions, preflightImage, resolveDecodeLimits } from './sniff';

/**
 * The browser's decoder: file bytes to the RgbaImage that shared/image expects, with the
 * platform's createImageBitmap and an OffscreenCanvas. Both are passed in (`env`), so this file
 * touches no DOM global and runs the same in a page, a worker and an MV3 service worker; in any
 * of them `decodeInBrowser(bytes, globalThis)` works.
 *
 * Choices, made to give the pixels node/decode.ts gives with sharp (test/browser measures it):
 * - colorSpaceConversion 'default': an embedded ICC profile is applied and the pixels come out in
 *   the sRGB canvas, as sharp converts to sRGB by default. ('none' would hand back the stored
 *   values of a Display P3 or Adobe RGB file untouched, a few levels to tens of levels off.)
 * - imageOrientation 'from-image': EXIF orientation applied, like sharp's autoOrient.
 * - premultiplyAlpha 'none': the bitmap keeps straight alpha. The 2D canvas stores premultiplied
 *   pixels, so getImageData rounds the colour of semi-transparent pixels; after compositing onto
 *   white (shared/image/canonical.ts) that error stays within a level, since a colour's weight is
 *   its alpha.
 * - Truncated or damaged files are refused: Chromium's createImageBitmap rejects them all (it
 *   never returns a partial decode of a Blob), and node/decode.ts refuses them too.
 * - Animated GIF, WebP, APNG, AVIF sequences: createImageBitmap gives the first frame, as sharp does.
 * - TIFF is refused: browsers do not decode it (Node does).
 * Limits: bytes and declared dimensions are checked from the header before decoding
 * (sniff.ts), so a decompression bomb is never handed to the decoder; where the header does not
 * state a size (an AVIF without ispe), the decoded size is checked before any canvas is made.
 */

export interface BrowserDecodeEnv {
  createImageBitmap: typeof createImageBitmap;
  OffscreenCanvas: typeof OffscreenCanvas;
}

export interface BrowserDecodedImage extends RgbaImage {
  data: Uint8ClampedArray;
  format: ImageFormat;
}

/** What Chromium, Firefox and Safari all decode with createImageBitmap. */
export const BROWSER_FORMATS: readonly ImageFormat[] = ['jpeg', 'png', 'gif', 'webp', 'avif'];

const BITMAP_OPTIONS: ImageBitmapOptions = {
  imageOrientation: 'from-image',
  premultiplyAlpha: 'none',
  colorSpaceConversion: 'default',
};

/**
 * JPEG has no alpha channel, so premultiplying changes no pixel; and Chromium decodes a JPEG
 * about 10 ms faster (1000x750) when it may keep its default premultiplied bitmap.
 */
const OPAQUE_BITMAP_OPTIONS: ImageBitmapOptions = { ...BITMAP_OPTIONS, premultiplyAlpha: 'default' };

/**
 * Decodes image bytes in a browser context to straight-alpha RGBA8 sRGB with orientation applied.
 * Throws VeilError: image/empty, image/too-large-bytes, image/unsupported-format,
 * image/corrupt, image/too-many-pixels, image/too-small, internal.
 */
export async function decodeInBrowser(
  input: ArrayBuffer | Uint8Array | Blob,
  env: BrowserDecodeEnv,
  limits?: Partial<DecodeLimits>,
): Promise<BrowserDecodedImage> {
  const lim = resolveDecodeLimits(limits);
  const isBlob = typeof Blob !== 'undefined' && input instanceof Blob;
  // The byte limit goes first, before a Blob is read into memory.
  checkByteLength(isBlob ? (input as Blob).size : (input as ArrayBuffer | Uint8Array).byteLength, lim);
  const bytes = isBlob
    ? new Uint8Array(await (input as Blob).arrayBuffer())
    : input instanceof Uint8Array ? input : new Uint8Array(input as ArrayBuffer);
  const header = preflightImage(bytes, lim);
  if (!BROWSER_FORMATS.includes(header.format)) {
    throw new VeilError('image/unsupported-format', `(${header.format} is not decoded in browsers)`);
  }

  // Detached call: WebIDL runs a global's operation on the global object when `this` is
  // undefined, whereas `env.createImageBitmap(...)` would pass `env` and fail with "Illegal
  // invocation" unless env is the global itself.
  const create = env.createImageBitmap;
  const blob = isBlob ? (input as Blob) : new Blob([bytes as Uint8Array<ArrayBuffer>]);
  let bitmap: ImageBitmap;
  try {
    bitmap = await create(blob, header.format === 'jpeg' ? OPAQUE_BITMAP_OPTIONS : BITMAP_OPTIONS);
  } catch (err) {
    throw new VeilError('image/corrupt', `(${header.format})`, { cause: err });
  }

  let canvas: OffscreenCanvas | undefined;
  try {
    const { width, height } = bitmap;
    checkDimensions(width, height, lim);
    canvas = new env.OffscreenCanvas(width, height);
    const ctx = canvas.getContext('2d', { alpha: true, colorSpace: 'srgb', willReadFrequently: true });
    if (!ctx) throw new VeilError('internal', '(no 2d context on OffscreenCanvas)');
    ctx.drawImage(bitmap, 0, 0);
    const data = ctx.getImageData(0, 0, width, height, { colorSpace: 'srgb' }).data;
    return { width, height, data, format: header.format };
  } catch (err) {
    if (isVeilError(err)) throw err;
    throw new VeilError('internal', '(canvas read-back failed)', { cause: err });
  } finally {
    bitmap.close();
    // Drop the canvas's backing store now rather than at the next garbage collection.
    if (canvas) canvas.width = canvas.height = 0;
  }
}
