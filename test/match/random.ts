/** Seeded randomness for the matching tests: the same cases on every run. */

/** sfc32 (Chris Doty-Humphrey's small fast counter generator): uint32 per call. */
export function sfc32(a: number, b = 0x9e3779b9, c = 0x243f6a88, d = 0xb7e15162): () => number {
  return () => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
}

export function randomHash(rnd: () => number): Uint8Array {
  const h = new Uint8Array(32);
  for (let i = 0; i < 32; i++) h[i] = rnd() & 0xff;
  return h;
}

/** A copy of `hash` with `bits` distinct bits flipped, drawn from `positions` (default: all 256). */
export function flipBits(hash: Uint8Array, bits: number, rnd: () => number, positions?: readonly number[]): Uint8Array {
  const pool = positions ? [...positions] : Array.from({ length: 256 }, (_, i) => i);
  if (bits > pool.length) throw new Error('more bits than positions');
  const out = Uint8Array.from(hash);
  for (let k = 0; k < bits; k++) {
    const j = k + (rnd() % (pool.length - k));
    [pool[k], pool[j]] = [pool[j], pool[k]];
    const bit = pool[k];
    out[bit >>> 3] ^= 0x80 >>> (bit & 7);
  }
  return out;
}

/** Bit positions (0 = most significant bit of byte 0) of one 16-bit half of word w. */
export function halfPositions(word: number, high: boolean): number[] {
  const start = word * 32 + (high ? 0 : 16);
  return Array.from({ length: 16 }, (_, i) => start + i);
}
