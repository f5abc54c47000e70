import { VeilError } from '../errors';

/**
 * Format detection and the pre-decode checks that every platform runs on the raw file bytes
 * before handing them to a decoder (sharp in Node, createImageBitmap in the browser).
 *
 * Why here, and why by hand: the decoders allocate the full pixel buffer as soon as they start,
 * so a 60-byte PNG declaring 30000x30000 (a decompression bomb) must be refused from its header.
 * Reading width and height is cheap for every format we accept (fixed offsets, or a walk over
 * length-prefixed segments/boxes that never looks at compressed data), and doing it in shared/
 * gives Node and the browser the same verdict on the same file.
 *
 * Header layouts read below (all offsets in bytes from the start of the file):
 *   PNG   8-byte signature, then the IHDR chunk: u32be length, "IHDR", u32be width @16,
 *         u32be height @20. APNG: an "acTL" chunk before the first IDAT, u32be num_frames @+8.
 *   GIF   "GIF87a"/"GIF89a", logical screen u16le width @6, u16le height @8.
 *   JPEG  FFD8, then marker segments (FFxx, u16be length including itself); the first SOFn
 *         (C0-CF except C4 DHT, C8 JPG, CC DAC) holds precision u8 @+4, height u16be @+5,
 *         width u16be @+7 counted from the FF. Standalone markers (D0-D7, 01) have no length.
 *   WebP  "RIFF" u32le size "WEBP", first chunk fourcc @12, payload @20:
 *         "VP8 " frame tag (3) + start code 9D 01 2A, u16le width&0x3FFF @26, height @28;
 *         "VP8L" signature 0x2F @20, then 14-bit width-1 and 14-bit height-1 (LSB first) @21;
 *         "VP8X" flags u8 @20 (0x02 = animation), u24le width-1 @24, u24le height-1 @27.
 *   AVIF  ISO-BMFF boxes (u32be size, fourcc; size 1 = u64be follows, 0 = to end of file).
 *         "ftyp" major brand @8 and compatible brands; the size is in "meta" (full box, 4 bytes
 *         version/flags) > "iprp" > "ipco" > "ispe" (full box, u32be width, u32be height).
 *         Grid images carry several ispe (tiles and the whole); the largest is taken.
 *   TIFF  "II*\0" (little-endian) or "MM\0*" (big-endian), u32 offset of IFD0 @4; IFD: u16
 *         entry count, 12-byte entries (u16 tag, u16 type, u32 count, 4-byte value); tag 256
 *         ImageWidth, 257 ImageLength, type 3 SHORT or 4 LONG.
 */

/** The formats Veil decodes (Node: all of them; Chromium cannot decode TIFF). */
export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'webp' | 'avif' | 'tiff';
export const IMAGE_FORMATS: readonly ImageFormat[] = ['jpeg', 'png', 'gif', 'webp', 'avif', 'tiff'];

/** Recognised but refused: named in the error so a person knows what the file was. */
type KnownOtherFormat = 'heic' | 'bmp' | 'ico' | 'jxl' | 'svg' | 'pdf' | 'bigtiff';

export interface ImageHeader {
  format: ImageFormat;
  /** Stored (pre-orientation) dimensions from the header; null where the header does not say. */
  width: number | null;
  height: number | null;
  /** Frame count where the header states it (APNG acTL); null otherwise. */
  frames: number | null;
  /** The header declares an animation (APNG acTL, WebP VP8X flag). */
  animated: boolean;
}

/**
 * Limits checked before decoding. Defaults are one object so every platform and part agrees:
 * 50 MB is far above any photo a phone or camera writes as JPEG; 50 MP covers a 8660x5773
 * camera frame (the RGBA buffer is then 200 MB, the most we let one image cost); 32767 is
 * Chromium's canvas side limit, so a file either decodes on both platforms or on neither;
 * 16 px is the smallest side worth hashing (icons and tracking pixels are refused cheaply).
 */
export interface DecodeLimits {
  maxBytes: number;
  maxPixels: number;
  maxSide: number;
  minSide: number;
}

export const DEFAULT_DECODE_LIMITS: Readonly<DecodeLimits> = Object.freeze({
  maxBytes: 50 * 1024 * 1024,
  maxPixels: 50_000_000,
  maxSide: 32767,
  minSide: 16,
});

export function resolveDecodeLimits(limits?: Partial<DecodeLimits>): DecodeLimits {
  return { ...DEFAULT_DECODE_LIMITS, ...limits };
}

const u16be = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];
const u16le = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8);
const u32be = (b: Uint8Array, o: number) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;
const u32le = (b: Uint8Array, o: number) => ((b[o + 3] << 24) | (b[o + 2] << 16) | (b[o + 1] << 8) | b[o]) >>> 0;
const u24le = (b: Uint8Array, o: number) => b[o] | (b[o + 1] << 8) | (b[o + 2] << 16);
const ascii = (b: Uint8Array, o: number, n: number) => {
  let s = '';
  for (let i = 0; i < n && o + i < b.length; i++) s += String.fromCharCode(b[o + i]);
  return s;
};
const startsWith = (b: Uint8Array, sig: readonly number[], at = 0) => {
  if (b.length < at + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (b[at + i] !== sig[i]) return false;
  return true;
};

const PNG_SIG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const AVIF_BRANDS = new Set(['avif', 'avis']);
const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1']);

/** Format from the magic bytes alone; null when the bytes are not an image we know of. */
export function sniffFormat(b: Uint8Array): ImageFormat | KnownOtherFormat | null {
  if (startsWith(b, PNG_SIG)) return 'png';
  if (startsWith(b, [0xff, 0xd8, 0xff])) return 'jpeg';
  const six = ascii(b, 0, 6);
  if (six === 'GIF87a' || six === 'GIF89a') return 'gif';
  if (ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') return 'webp';
  if (startsWith(b, [0x49, 0x49, 0x2a, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (startsWith(b, [0x49, 0x49, 0x2b, 0x00]) || startsWith(b, [0x4d, 0x4d, 0x00, 0x2b])) return 'bigtiff';
  if (ascii(b, 4, 4) === 'ftyp') {
    const size = Math.min(u32be(b, 0), b.length);
    const brands = [ascii(b, 8, 4)];
    for (let o = 16; o + 4 <= size; o += 4) brands.push(ascii(b, o, 4));
    if (brands.some((x) => AVIF_BRANDS.has(x))) return 'avif';
    if (brands.some((x) => HEIC_BRANDS.has(x))) return 'heic';
    return null;
  }
  if (startsWith(b, [0xff, 0x0a]) || startsWith(b, [0, 0, 0, 0x0c, 0x4a, 0x58, 0x4c, 0x20])) return 'jxl';
  if (ascii(b, 0, 2) === 'BM' && b.length >= 26 && u32le(b, 14) >= 12 && u32le(b, 14) <= 124) return 'bmp';
  if (startsWith(b, [0, 0, 1, 0]) && b.length >= 6 && u16le(b, 4) > 0) return 'ico';
  if (ascii(b, 0, 5) === '%PDF-') return 'pdf';
  const text = ascii(b, 0, 256).trimStart().toLowerCase();
  if (text.startsWith('<svg') || (text.startsWith('<?xml') && text.includes('<svg'))) return 'svg';
  return null;
}

type Dims = { width: number; height: number } | null;

function jpegSize(b: Uint8Array): Dims {
  let o = 2;
  while (o + 1 < b.length) {
    // libjpeg skips stray bytes before a marker (with a warning), so the walk does too.
    while (o < b.length && b[o] !== 0xff) o++;
    while (o < b.length && b[o] === 0xff) o++; // fill bytes
    const m = b[o++];
    if (m === undefined) return null;
    if ((m >= 0xd0 && m <= 0xd7) || m === 0x01) continue;
    if (m === 0xd9 || m === 0xda) return null; // end of image or scan data before any frame header
    if (o + 2 > b.length) return null;
    const len = u16be(b, o);
    if (len < 2) return null;
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc) {
      if (o + 7 > b.length) return null;
      return { height: u16be(b, o + 3), width: u16be(b, o + 5) };
    }
    o += len;
  }
  return null;
}

function webpSize(b: Uint8Array): (Dims & { animated: boolean }) | null {
  if (b.length < 30) return null;
  const chunk = ascii(b, 12, 4);
  if (chunk === 'VP8X') return { width: u24le(b, 24) + 1, height: u24le(b, 27) + 1, animated: (b[20] & 0x02) !== 0 };
  if (chunk === 'VP8L' && b[20] === 0x2f) {
    const bits = u32le(b, 21);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, animated: false };
  }
  if (chunk === 'VP8 ' && b[23] === 0x9d && b[24] === 0x01 && b[25] === 0x2a) {
    return { width: u16le(b, 26) & 0x3fff, height: u16le(b, 28) & 0x3fff, animated: false };
  }
  return null;
}

/** Walks ISO-BMFF boxes in [start, end); calls visit(type, payloadStart, boxEnd). */
function walkBoxes(b: Uint8Array, start: number, end: number, visit: (type: string, p: number, e: number) => void): void {
  let o = start;
  while (o + 8 <= end) {
    let size = u32be(b, o);
    let header = 8;
    if (size === 1) {
      if (o + 16 > end || u32be(b, o + 8) !== 0) return; // over 4 GB: not a file we would read
      size = u32be(b, o + 12);
      header = 16;
    } else if (size === 0) size = end - o;
    if (size < header || o + size > end) return;
    visit(ascii(b, o + 4, 4), o + header, o + size);
    o += size;
  }
}

function avifSize(b: Uint8Array): Dims {
  let best: Dims = null;
  const FULL_BOX = 4; // version + flags
  walkBoxes(b, 0, b.length, (t, p, e) => {
    if (t !== 'meta') return;
    walkBoxes(b, p + FULL_BOX, e, (t2, p2, e2) => {
      if (t2 !== 'iprp') return;
      walkBoxes(b, p2, e2, (t3, p3, e3) => {
        if (t3 !== 'ipco') return;
        walkBoxes(b, p3, e3, (t4, p4, e4) => {
          if (t4 !== 'ispe' || p4 + FULL_BOX + 8 > e4) return;
          const width = u32be(b, p4 + FULL_BOX);
          const height = u32be(b, p4 + FULL_BOX + 4);
          if (!best || width * height > best.width * best.height) best = { width, height };
        });
      });
    });
  });
  return best;
}

function tiffSize(b: Uint8Array): Dims {
  const le = b[0] === 0x49;
  const r16 = (o: number) => (le ? u16le(b, o) : u16be(b, o));
  const r32 = (o: number) => (le ? u32le(b, o) : u32be(b, o));
  const ifd = r32(4);
  if (ifd < 8 || ifd + 2 > b.length) return null;
  const n = r16(ifd);
  let width = 0;
  let height = 0;
  for (let i = 0; i < n; i++) {
    const e = ifd + 2 + i * 12;
    if (e + 12 > b.length) return null;
    const tag = r16(e);
    if (tag !== 256 && tag !== 257) continue;
    const type = r16(e + 2);
    const v = type === 3 ? r16(e + 8) : type === 4 ? r32(e + 8) : 0;
    if (tag === 256) width = v;
    else height = v;
  }
  return width > 0 && height > 0 ? { width, height } : null;
}

function pngHeader(b: Uint8Array): { dims: Dims; frames: number | null } {
  if (b.length < 24 || ascii(b, 12, 4) !== 'IHDR') return { dims: null, frames: null };
  const dims = { width: u32be(b, 16), height: u32be(b, 20) };
  let frames: number | null = null;
  // Chunks before the first IDAT are small (palette, gamma, ICC, acTL): walking them is cheap.
  for (let o = 8; o + 12 <= b.length; ) {
    const len = u32be(b, o);
    const type = ascii(b, o + 4, 4);
    if (type === 'IDAT') break;
    if (type === 'acTL' && o + 12 <= b.length) frames = u32be(b, o + 8);
    o += 12 + len;
  }
  return { dims, frames };
}

/**
 * Format and declared size from the file's first bytes. Throws `image/empty` for no bytes,
 * `image/unsupported-format` for anything that is not one of IMAGE_FORMATS (text, HTML, PDF,
 * SVG, HEIC, random bytes) and `image/corrupt` when a format we accept has no readable header.
 * Width and height stay null only where the header does not state them cheaply (a JPEG with
 * height 0 in its frame header, an AVIF without ispe, a BigTIFF): decoders check those after
 * reading metadata.
 */
export function readImageHeader(b: Uint8Array): ImageHeader {
  if (b.length === 0) throw new VeilError('image/empty');
  const format = sniffFormat(b);
  if (format === null) throw new VeilError('image/unsupported-format', '(not a known image type)');
  let dims: Dims;
  let frames: number | null = null;
  let animated = false;
  switch (format) {
    case 'png': {
      const h = pngHeader(b);
      dims = h.dims;
      frames = h.frames;
      animated = frames !== null && frames > 1;
      if (!dims) throw new VeilError('image/corrupt', '(png header unreadable)');
      break;
    }
    case 'gif':
      if (b.length < 10) throw new VeilError('image/corrupt', '(gif header unreadable)');
      dims = { width: u16le(b, 6), height: u16le(b, 8) };
      break;
    case 'jpeg':
      dims = jpegSize(b);
      if (!dims) throw new VeilError('image/corrupt', '(jpeg frame header missing)');
      break;
    case 'webp': {
      const w = webpSize(b);
      if (!w) throw new VeilError('image/corrupt', '(webp header unreadable)');
      dims = { width: w.width, height: w.height };
      animated = w.animated;
      break;
    }
    case 'avif':
      dims = avifSize(b);
      break;
    case 'tiff':
      dims = tiffSize(b);
      if (!dims) throw new VeilError('image/corrupt', '(tiff header unreadable)');
      break;
    default:
      throw new VeilError('image/unsupported-format', `(${format})`);
  }
  // A zero height in a JPEG frame header means "given later by a DNL marker": unknown, not zero.
  if (dims && (dims.width === 0 || dims.height === 0)) dims = format === 'jpeg' ? null : dims;
  return { format, width: dims?.width ?? null, height: dims?.height ?? null, frames, animated };
}

/** Byte-count limits: the first thing checked, before any byte is parsed. */
export function checkByteLength(length: number, limits: DecodeLimits): void {
  if (length === 0) throw new VeilError('image/empty');
  if (length > limits.maxBytes) throw new VeilError('image/too-large-bytes', `(limit ${limits.maxBytes} bytes)`);
}

/** Size limits on declared or decoded dimensions (orientation does not change any of them). */
export function checkDimensions(width: number, height: number, limits: DecodeLimits): void {
  if (width * height > limits.maxPixels || width > limits.maxSide || height > limits.maxSide) {
    throw new VeilError('image/too-many-pixels', `(${width}x${height}; limit ${limits.maxPixels} pixels, ${limits.maxSide} per side)`);
  }
  if (width < limits.minSide || height < limits.minSide) {
    throw new VeilError('image/too-small', `(${width}x${height}; minimum ${limits.minSide} per side)`);
  }
}

/**
 * Everything that can be known before decoding: bytes within limits, a supported format, and
 * declared dimensions within limits. Platform decoders call this first, then decode.
 */
export function preflightImage(b: Uint8Array, limits: DecodeLimits): ImageHeader {
  checkByteLength(b.length, limits);
  const header = readImageHeader(b);
  if (header.width !== null && header.height !== null) checkDimensions(header.width, header.height, limits);
  return header;
}
