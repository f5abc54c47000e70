import { open } from 'node:fs/promises';
import sharp from 'sharp';
import { VeilError, isVeilError } from '../shared/errors';
import type { RgbaImage } from '../shared/image/types';
import type { DecodeLimits, ImageFormat } from '../shared/image/sniff';
import { checkDimensions, preflightImage, resolveDecodeLimits } from '../shared/image/sniff';

/**
 * Node's decoder (sharp/libvips): file bytes to the RgbaImage that shared/image expects.
 *
 * Decisions, each chosen to give the same pixels as shared/image/browserDecode.ts in Chromium:
 * - Colour: an embedded ICC profile is applied and the result is sRGB (sharp's default; Chromium's
 *   createImageBitmap with colorSpaceConversion 'default' onto an sRGB canvas does the same).
 *   Greyscale, palette, CMYK and 16-bit inputs all end as 8-bit sRGB RGBA.
 * - Orientation: EXIF orientation is applied (autoOrient), like imageOrientation 'from-image',
 *   except in WebP: Chromium ignores a WebP file's EXIF orientation (measured: all seven
 *   non-trivial orientations come out as stored), so Node does too. A page shows such a file
 *   unrotated, and the dihedral PDQs still match it against a rotated original.
 * - CMYK JPEG without an ICC profile: its colours are undefined, and libvips would convert them
 *   through a generic printing profile while Chromium uses the naive inverted-CMYK formula
 *   (PDQ 28 bits apart on a test photo). Node uses Chromium's formula (cmykToRgbaLikeChromium),
 *   which gives bit-identical pixels. A CMYK JPEG with a profile is converted by each platform's
 *   colour engine (lcms here, skcms there) and they differ (measured: mean 8 levels, PDQ up to
 *   22 bits); such files are rare on the web and no fix short of an ICC engine in shared/ exists.
 * - PNG gAMA without iCCP/sRGB: Chromium applies it, libvips does not. The usual 1/2.2 value gives
 *   identical pixels; a rare 1/1.8 file differs by about 17 levels (PDQ 6 bits). Not corrected.
 * - Alpha: straight (not premultiplied); images without alpha get 255. Compositing onto white
 *   is shared/image's job, not the decoder's.
 * - Animation: only the first frame is decoded (sharp's default `pages: 1`); `frames` reports how
 *   many the file holds, so callers can tell an animation from a still.
 * - Damage: `failOn: 'error'`. A truncated file is refused (image/corrupt) rather than hashed from
 *   a partial decode: Chromium's createImageBitmap rejects every truncated JPEG, PNG, GIF, WebP and
 *   AVIF we tried, so a partial decode here would give a hash the browser never sees. Warnings
 *   (stray bytes before a JPEG marker, a bad CRC in an ancillary chunk) are tolerated, as browsers
 *   tolerate them; sharp's stricter default 'warning' would refuse many real-world files.
 * - Limits: bytes, declared pixels and minimum side are checked before sharp sees the bytes
 *   (shared/image/sniff.ts), then again on sharp's own header read, and sharp's
 *   limitInputPixels stays set as a last guard inside libvips.
 * Pixels live only in the returned buffer; nothing is written or cached.
 */

export interface DecodedImage extends RgbaImage {
  data: Uint8Array;
  format: ImageFormat;
  /** Frames (pages) in the file; 1 for a still image. Only the first is decoded. */
  frames: number;
}

/** sharp's name for each format we accept (AVIF is HEIF with AV1 compression). */
const SHARP_FORMAT: Record<ImageFormat, string> = {
  jpeg: 'jpeg',
  png: 'png',
  gif: 'gif',
  webp: 'webp',
  avif: 'heif',
  tiff: 'tiff',
};

const READ_CHUNK = 1 << 20;

/**
 * Reads a file, refusing it once it is known to exceed maxBytes: the size is checked from
 * fstat before reading, and reading stops at maxBytes + 1 bytes in case the file grows (or is a
 * pipe or device reporting no size), so a huge file is never read whole.
 */
export async function readFileCapped(path: string, maxBytes: number): Promise<Uint8Array> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (err) {
    throw new VeilError('io/read-failed', undefined, { cause: err });
  }
  try {
    const st = await fh.stat();
    if (st.isDirectory()) throw new VeilError('io/read-failed', '(a directory)');
    if (st.size > maxBytes) throw new VeilError('image/too-large-bytes', `(limit ${maxBytes} bytes)`);
    const cap = maxBytes + 1;
    let buf = new Uint8Array(Math.min(cap, st.size > 0 ? st.size + 1 : READ_CHUNK));
    let filled = 0;
    for (;;) {
      if (filled === buf.length) {
        if (buf.length >= cap) break;
        const bigger = new Uint8Array(Math.min(cap, buf.length * 2));
        bigger.set(buf);
        buf = bigger;
      }
      const { bytesRead } = await fh.read(buf, filled, buf.length - filled, null);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    if (filled > maxBytes) throw new VeilError('image/too-large-bytes', `(limit ${maxBytes} bytes)`);
    return buf.subarray(0, filled);
  } catch (err) {
    if (isVeilError(err)) throw err;
    throw new VeilError('io/read-failed', undefined, { cause: err });
  } finally {
    await fh.close();
  }
}

/** Maps a libvips failure to a code; the message of the cause stays on `cause` only. */
function fromSharpError(err: unknown, format: ImageFormat): VeilError {
  const message = err instanceof Error ? err.message : '';
  if (/exceeds pixel limit/i.test(message)) return new VeilError('image/too-many-pixels', `(${format})`, { cause: err });
  if (/unsupported image format/i.test(message)) return new VeilError('image/unsupported-format', `(${format})`, { cause: err });
  return new VeilError('image/corrupt', `(${format})`, { cause: err });
}

/**
 * Decodes an image file (a path, read with the byte cap) or its bytes to straight-alpha RGBA8
 * sRGB with orientation applied. Throws VeilError: image/empty, image/too-large-bytes,
 * image/unsupported-format, image/corrupt, image/too-many-pixels, image/too-small,
 * io/read-failed.
 */
export async function decodeImage(input: Uint8Array | string, limits?: Partial<DecodeLimits>): Promise<DecodedImage> {
  const lim = resolveDecodeLimits(limits);
  const bytes = typeof input === 'string' ? await readFileCapped(input, lim.maxBytes) : input;
  const header = preflightImage(bytes, lim);
  const options = { failOn: 'error', limitInputPixels: lim.maxPixels, autoOrient: header.format !== 'webp' } as const;

  let meta;
  try {
    meta = await sharp(bytes, options).metadata();
  } catch (err) {
    throw fromSharpError(err, header.format);
  }
  if (meta.format !== SHARP_FORMAT[header.format] || (header.format === 'avif' && meta.compression !== 'av1')) {
    throw new VeilError('image/unsupported-format', `(${header.format} header, decoded as ${meta.format})`);
  }
  // sharp's header read is authoritative (it is what libvips will allocate for): check it too,
  // for the formats whose size sniff.ts could not read and for multi-page files (pageHeight).
  const storedHeight = meta.pageHeight ?? meta.height;
  checkDimensions(meta.width, storedHeight, lim);

  const naiveCmyk = header.format === 'jpeg' && meta.space === 'cmyk' && !meta.hasProfile;
  let out;
  try {
    const pipeline = sharp(bytes, options);
    // Naive CMYK: keep libvips in CMYK so it hands back the samples unconverted.
    if (naiveCmyk) pipeline.pipelineColourspace('cmyk').toColourspace('cmyk');
    else pipeline.toColourspace('srgb').ensureAlpha();
    out = await pipeline.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw fromSharpError(err, header.format);
  }
  const { info } = out;
  let data: Uint8Array = new Uint8Array(out.data.buffer, out.data.byteOffset, out.data.length);
  if (info.channels !== 4 || data.length !== info.width * info.height * 4) {
    throw new VeilError('internal', '(decoder returned an unexpected pixel layout)');
  }
  if (naiveCmyk) data = cmykToRgbaLikeChromium(data);
  return {
    width: info.width,
    height: info.height,
    data,
    format: header.format,
    frames: Math.max(1, meta.pages ?? 1, header.frames ?? 1),
  };
}

/**
 * Chromium's conversion of a CMYK JPEG that has no ICC profile (Blink's JPEGImageDecoder): it
 * takes libjpeg's samples as Adobe-style inverted CMYK (iC, iM, iY, iK) and sets
 * R = iC * iK / 255 with integer division (G, B alike). libvips has already un-inverted the
 * samples (X = 255 - iX), so we invert back. In place: CMYK in, RGBA out, same length.
 */
export function cmykToRgbaLikeChromium(cmyk: Uint8Array): Uint8Array {
  for (let i = 0; i < cmyk.length; i += 4) {
    const ik = 255 - cmyk[i + 3];
    cmyk[i] = (((255 - cmyk[i]) * ik) / 255) | 0;
    cmyk[i + 1] = (((255 - cmyk[i + 1]) * ik) / 255) | 0;
    cmyk[i + 2] = (((255 - cmyk[i + 2]) * ik) / 255) | 0;
    cmyk[i + 3] = 255;
  }
  return cmyk;
}
