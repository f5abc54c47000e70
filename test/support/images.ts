import sharp, { type Sharp } from 'sharp';

/**
 * Synthetic test images, generated at test time so the tests need no binary fixtures and no
 * ../shared corpus. Flat gradients make poor hash tests (PDQ quality near zero, every hash
 * alike), so `photoLike` builds photo-like content: fractal value noise (a 1/f-ish spectrum like
 * natural scenes), a few soft-edged objects, one hard edge, uneven lighting and fine grain.
 * Everything is seeded, so a seed gives the same pixels on every run and machine.
 */

export interface RawImage {
  width: number;
  height: number;
  channels: 3 | 4;
  /** Row-major interleaved 8-bit samples. */
  data: Uint8Array;
}

/** mulberry32: a tiny seeded PRNG, enough for test textures (not for anything secret). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One octave of smooth value noise: random values on a lattice, smoothstep-interpolated. */
function valueNoise(rand: () => number, cells: number): (u: number, v: number) => number {
  const n = cells + 2;
  const lattice = new Float32Array(n * n);
  for (let i = 0; i < lattice.length; i++) lattice[i] = rand();
  return (u, v) => {
    const x = u * cells;
    const y = v * cells;
    const x0 = Math.floor(x);
    const y0 = Math.floor(y);
    const fx = x - x0;
    const fy = y - y0;
    const sx = fx * fx * (3 - 2 * fx);
    const sy = fy * fy * (3 - 2 * fy);
    const a = lattice[y0 * n + x0];
    const b = lattice[y0 * n + x0 + 1];
    const c = lattice[(y0 + 1) * n + x0];
    const d = lattice[(y0 + 1) * n + x0 + 1];
    return a + (b - a) * sx + (c - a) * sy + (a - b - c + d) * sx * sy;
  };
}

/**
 * A photo-like RGB (or RGBA) image. With `alpha`, the alpha channel is a soft vignette that is
 * fully opaque in the middle, fully transparent in the corners and partly transparent between,
 * which exercises compositing and (un)premultiplication.
 */
export function photoLike(width: number, height: number, seed: number, opts: { alpha?: boolean } = {}): RawImage {
  const rand = seededRandom(seed);
  const channels = opts.alpha ? 4 : 3;
  // Amplitude falls by 1.4 per octave (between pink and brown noise), which leaves enough
  // detail at PDQ's 64x64 scale for photo-like quality scores (mostly 80-100).
  const octaves = [2, 4, 8, 16, 32, 64].map((cells, k) => ({ noise: [valueNoise(rand, cells), valueNoise(rand, cells), valueNoise(rand, cells)], amp: 1 / 1.4 ** k }));
  const blobs = Array.from({ length: 12 }, () => ({
    cx: rand(), cy: rand(), rx: 0.05 + rand() * 0.2, ry: 0.05 + rand() * 0.2,
    colour: [rand() * 255, rand() * 255, rand() * 255],
  }));
  const edgeA = rand() * 0.6 - 0.3;
  const edgeB = 0.35 + rand() * 0.3;
  const light = [rand(), rand()];
  const data = new Uint8Array(width * height * channels);
  const c = [0, 0, 0];
  for (let y = 0; y < height; y++) {
    const v = y / height;
    for (let x = 0; x < width; x++) {
      const u = x / width;
      for (let ch = 0; ch < 3; ch++) {
        let s = 0;
        for (const o of octaves) s += o.amp * o.noise[ch](u, v);
        c[ch] = s * 70;
      }
      // A hard edge, like a horizon or the side of a building: darker below the line.
      if (v > edgeA * u + edgeB) for (let ch = 0; ch < 3; ch++) c[ch] *= 0.55;
      for (const b of blobs) {
        const d = ((u - b.cx) / b.rx) ** 2 + ((v - b.cy) / b.ry) ** 2;
        const w = d < 0.8 ? 1 : d < 1.2 ? (1.2 - d) / 0.4 : 0;
        if (w > 0) for (let ch = 0; ch < 3; ch++) c[ch] = c[ch] * (1 - w * 0.8) + b.colour[ch] * w * 0.8;
      }
      const shade = 0.75 + 0.5 * (1 - Math.hypot(u - light[0], v - light[1]));
      const p = (y * width + x) * channels;
      for (let ch = 0; ch < 3; ch++) {
        const grain = (rand() - 0.5) * 6;
        data[p + ch] = Math.max(0, Math.min(255, Math.round(c[ch] * shade + grain)));
      }
      if (channels === 4) {
        const r = Math.hypot(u - 0.5, v - 0.5) / 0.7071;
        data[p + 3] = Math.max(0, Math.min(255, Math.round(255 * (1 - (r - 0.55) / 0.35))));
      }
    }
  }
  return { width, height, channels, data };
}

/** A sharp pipeline over raw pixels (frames stacked vertically when pageHeight is given). */
export function rawSharp(img: RawImage, pageHeight?: number): Sharp {
  return sharp(img.data, { raw: { width: img.width, height: img.height, channels: img.channels, ...(pageHeight ? { pageHeight } : {}) } });
}

/**
 * The stored pixels that display as `img` once EXIF orientation `o` is applied: the inverse of
 * the orientation's transform (2, 3, 4, 5, 7 are their own inverses; 6 and 8 swap).
 * Done by hand rather than with sharp's rotate/flip so the tests do not trust what they test.
 */
export function storeForOrientation(img: RawImage, o: number): RawImage {
  const { width: w, height: h, channels: n } = img;
  const swap = o >= 5;
  const sw = swap ? h : w;
  const sh = swap ? w : h;
  const out = new Uint8Array(img.data.length);
  for (let sy = 0; sy < sh; sy++) {
    for (let sx = 0; sx < sw; sx++) {
      // Display coordinates (dx, dy) of stored pixel (sx, sy) under orientation o (EXIF 2.32, 4.6.4).
      let dx: number;
      let dy: number;
      switch (o) {
        case 1: dx = sx; dy = sy; break;
        case 2: dx = w - 1 - sx; dy = sy; break; // mirrored horizontally
        case 3: dx = w - 1 - sx; dy = h - 1 - sy; break; // rotated 180
        case 4: dx = sx; dy = h - 1 - sy; break; // mirrored vertically
        case 5: dx = sy; dy = sx; break; // transposed
        case 6: dx = w - 1 - sy; dy = sx; break; // display = stored rotated 90 clockwise
        case 7: dx = w - 1 - sy; dy = h - 1 - sx; break; // transversed
        case 8: dx = sy; dy = h - 1 - sx; break; // display = stored rotated 90 anticlockwise
        default: throw new Error(`orientation ${o}`);
      }
      const from = (dy * w + dx) * n;
      const to = (sy * sw + sx) * n;
      for (let k = 0; k < n; k++) out[to + k] = img.data[from + k];
    }
  }
  return { width: sw, height: sh, channels: n, data: out };
}

/** Encodes `img` stored for orientation `o`, with the EXIF Orientation tag set to `o`. */
export async function encodeWithOrientation(img: RawImage, o: number, format: 'jpeg' | 'png' | 'webp' | 'tiff'): Promise<Buffer> {
  const stored = storeForOrientation(img, o);
  // withMetadata's orientation, not withExif: sharp rewrites the Orientation tag from its own state.
  const pipeline = rawSharp(stored).withMetadata({ orientation: o });
  if (format === 'jpeg') return pipeline.jpeg({ quality: 92 }).toBuffer();
  if (format === 'png') return pipeline.png().toBuffer();
  if (format === 'webp') return pipeline.webp({ lossless: true }).toBuffer();
  return pipeline.tiff({ compression: 'lzw' }).toBuffer();
}

/** An animated image: `frames` different photo-like frames, first frame from `seed`. */
export async function encodeAnimated(width: number, height: number, seed: number, frames: number, format: 'gif' | 'webp'): Promise<Buffer> {
  const stack = new Uint8Array(width * height * 3 * frames);
  for (let f = 0; f < frames; f++) stack.set(photoLike(width, height, seed + f).data, f * width * height * 3);
  const pipeline = rawSharp({ width, height: height * frames, channels: 3, data: stack }, height);
  return format === 'gif' ? pipeline.gif({ delay: 100 }).toBuffer() : pipeline.webp({ quality: 90, delay: 100 }).toBuffer();
}

/* ---------- bad input, built at test time ---------- */

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** One PNG chunk: u32be length, type, payload, u32be CRC of type and payload. */
export function pngChunk(type: string, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + payload.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, payload.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(payload, 8);
  dv.setUint32(8 + payload.length, crc32(out.subarray(4, 8 + payload.length)));
  return out;
}

/**
 * A decompression bomb's header: a valid PNG (correct CRCs) of a few dozen bytes that declares
 * width x height RGB pixels. A decoder that trusts it allocates width*height*4 bytes.
 */
export function pngBombHeader(width: number, height: number): Uint8Array {
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width);
  dv.setUint32(4, height);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit, truecolour, deflate, adaptive filter, no interlace
  // A tiny zlib stream (one empty stored block): the rows it does not hold are the bomb's
  // promise; the header alone must be enough to refuse it.
  const idat = new Uint8Array([0x78, 0x01, 0x01, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01]);
  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', idat), pngChunk('IEND', new Uint8Array(0))];
  return concat(parts);
}

/** A GIF whose logical screen declares width x height (one 1x1 frame follows). */
export function gifBombHeader(width: number, height: number): Uint8Array {
  return new Uint8Array([
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, width & 0xff, width >> 8, height & 0xff, height >> 8, 0x80, 0, 0,
    0, 0, 0, 255, 255, 255, // two-colour palette
    0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, // image descriptor: 1x1 at 0,0
    0x02, 0x02, 0x44, 0x01, 0x00, // LZW min code size 2, one sub-block, terminator
    0x3b,
  ]);
}

/** A JPEG with its frame header (SOF) patched to declare width x height. */
export function withJpegDimensions(jpeg: Uint8Array, width: number, height: number): Uint8Array {
  const out = Uint8Array.from(jpeg);
  for (let o = 2; o + 9 < out.length; ) {
    if (out[o] !== 0xff) throw new Error('not at a JPEG marker');
    const m = out[o + 1];
    const len = (out[o + 2] << 8) | out[o + 3];
    if (m === 0xc0 || m === 0xc1 || m === 0xc2) {
      out[o + 5] = height >> 8;
      out[o + 6] = height & 0xff;
      out[o + 7] = width >> 8;
      out[o + 8] = width & 0xff;
      return out;
    }
    o += 2 + len;
  }
  throw new Error('no SOF found');
}

/** Inserts a chunk right after IHDR (8-byte signature + 25-byte IHDR chunk). */
export function insertPngChunk(png: Uint8Array, chunk: Uint8Array): Uint8Array {
  return concat([png.subarray(0, 33), chunk, png.subarray(33)]);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Seeded random bytes (not an image of any kind, with overwhelming probability). */
export function randomBytes(length: number, seed: number): Uint8Array {
  const rand = seededRandom(seed);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(rand() * 256);
  return out;
}

/** Non-image files people upload by mistake, as bytes. */
export const NON_IMAGES: Record<string, Uint8Array> = {
  text: new TextEncoder().encode('Dear diary, today I wrote a test that feeds text to an image decoder.\n'.repeat(4)),
  html: new TextEncoder().encode('<!doctype html><html><head><title>x</title></head><body><img src="a.jpg"></body></html>'),
  pdf: new TextEncoder().encode('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n'),
  svg: new TextEncoder().encode('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64"/></svg>'),
  random: randomBytes(4096, 7),
};

/** Mean and maximum absolute difference over the colour channels of two RGBA buffers. */
export function rgbaDiff(a: Uint8Array | Uint8ClampedArray, b: Uint8Array | Uint8ClampedArray): { mean: number; max: number; alphaMax: number } {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let sum = 0;
  let max = 0;
  let alphaMax = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if ((i & 3) === 3) {
      if (d > alphaMax) alphaMax = d;
      continue;
    }
    sum += d;
    if (d > max) max = d;
  }
  return { mean: sum / ((a.length / 4) * 3), max, alphaMax };
}
