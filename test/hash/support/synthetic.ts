import type { LumaImage, RgbaImage } from '../../../shared/image/types';

/**
 * Deterministic synthetic images for tests that must run without ../shared: a seeded PRNG and
 * smooth "photo-like" content (sums of oriented waves and blobs) that gives PDQ full quality
 * and no symmetry, so rotations and flips change the hash.
 */

export function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    // xorshift32
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

/** Smooth luma-like field in 0..255 at (x, y) of a w x h image, fixed by the seed. */
function field(seed: number): (x: number, y: number, w: number, h: number) => number {
  const rnd = prng(seed);
  const waves = Array.from({ length: 6 }, () => ({
    fx: (rnd() - 0.5) * 14,
    fy: (rnd() - 0.5) * 14,
    phase: rnd() * 2 * Math.PI,
    amp: 10 + rnd() * 25,
  }));
  const blobs = Array.from({ length: 5 }, () => ({ cx: rnd(), cy: rnd(), r: 0.05 + rnd() * 0.2, amp: (rnd() - 0.5) * 160 }));
  return (x, y, w, h) => {
    const u = (x + 0.5) / w;
    const v = (y + 0.5) / h;
    let val = 128;
    for (const wv of waves) val += wv.amp * Math.sin(2 * Math.PI * (wv.fx * u + wv.fy * v) + wv.phase);
    for (const b of blobs) val += b.amp * Math.exp(-((u - b.cx) ** 2 + (v - b.cy) ** 2) / (b.r * b.r));
    return Math.max(0, Math.min(255, val));
  };
}

/** Opaque RGBA photo stand-in; colour channels differ so luma weights matter. */
export function syntheticRgba(width: number, height: number, seed = 1): RgbaImage {
  const f = field(seed);
  const g = field(seed + 1000);
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const a = f(x, y, width, height);
      const b = g(x, y, width, height);
      data[i] = Math.round(a);
      data[i + 1] = Math.round((a + b) / 2);
      data[i + 2] = Math.round(b);
      data[i + 3] = 255;
    }
  }
  return { width, height, data };
}

export function syntheticLuma(width: number, height: number, seed = 1): LumaImage {
  const f = field(seed);
  const luma = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) luma[y * width + x] = f(x, y, width, height);
  return { width, height, luma };
}

export function randomLuma(width: number, height: number, seed = 1): LumaImage {
  const rnd = prng(seed);
  const luma = new Float32Array(width * height);
  for (let i = 0; i < luma.length; i++) luma[i] = Math.fround(rnd() * 255);
  return { width, height, luma };
}

export function flatRgba(width: number, height: number, r: number, g: number, b: number, a = 255): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i += 4) {
    data[i] = r;
    data[i + 1] = g;
    data[i + 2] = b;
    data[i + 3] = a;
  }
  return { width, height, data };
}

/**
 * The image transformed as DIHEDRAL_NAMES[variant] names it: rot90 turns it a quarter turn
 * counter-clockwise, rot270 clockwise, flipx mirrors top ↔ bottom, flipy left ↔ right, flip_plus1
 * transposes, flip_minus1 transposes about the anti-diagonal. These directions are the ones the
 * reference's DCT rules produce (the dihedral tests pin them down).
 */
export function transformLuma(img: LumaImage, variant: number): LumaImage {
  const { width: w, height: h, luma } = img;
  const transposed = variant === 1 || variant === 3 || variant === 6 || variant === 7;
  const ow = transposed ? h : w;
  const oh = transposed ? w : h;
  const out = new Float32Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = luma[y * w + x];
      let ox: number;
      let oy: number;
      switch (variant) {
        case 0: ox = x; oy = y; break;
        case 1: ox = y; oy = w - 1 - x; break; // rot90 (counter-clockwise)
        case 2: ox = w - 1 - x; oy = h - 1 - y; break; // rot180
        case 3: ox = h - 1 - y; oy = x; break; // rot270 (clockwise)
        case 4: ox = x; oy = h - 1 - y; break; // flipx
        case 5: ox = w - 1 - x; oy = y; break; // flipy
        case 6: ox = y; oy = x; break; // transpose
        default: ox = h - 1 - y; oy = w - 1 - x; break; // anti-transpose
      }
      out[oy * ow + ox] = v;
    }
  }
  return { width: ow, height: oh, luma: out };
}

export function hammingDistance(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    let x = a[i] ^ b[i];
    while (x) {
      n += x & 1;
      x >>= 1;
    }
  }
  return n;
}

/** The RGBA image mirrored left-right (flipX) and/or upside down (flipY), pixel by pixel. */
export function flipRgba(img: RgbaImage, flipX: boolean, flipY: boolean): RgbaImage {
  const { width, height, data } = img;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const src = ((flipY ? height - 1 - y : y) * width + (flipX ? width - 1 - x : x)) * 4;
      out.set(data.subarray(src, src + 4), (y * width + x) * 4);
    }
  }
  return { width, height, data: out };
}
