import { describe, expect, it } from 'vitest';
import { checkHashUsable, countBitsSet, MIN_BITS_SET, MIN_PDQ_QUALITY } from '../../shared/hash/gates';

function hashWithBits(n: number): Uint8Array {
  const h = new Uint8Array(32);
  for (let i = 0; i < n; i++) h[i >> 3] |= 0x80 >> (i & 7);
  return h;
}

describe('hash usability gates', () => {
  it('counts bits', () => {
    expect(countBitsSet(hashWithBits(0))).toBe(0);
    expect(countBitsSet(hashWithBits(77))).toBe(77);
    expect(countBitsSet(new Uint8Array(32).fill(255))).toBe(256);
  });

  it('accepts a balanced PDQ of good quality', () => {
    expect(checkHashUsable('pdq', hashWithBits(128), 90)).toEqual({ usable: true });
  });

  it.each([
    ['quality below 50', 'pdq', 128, MIN_PDQ_QUALITY - 1, 'hash/low-quality'],
    ['PDQ without quality', 'pdq', 128, undefined, 'hash/low-quality'],
    ['all zeros', 'blockhash', 0, undefined, 'hash/degenerate'],
    ['all ones', 'pdq', 256, 100, 'hash/degenerate'],
    ['wildly unbalanced', 'blockhash', MIN_BITS_SET - 1, undefined, 'hash/degenerate'],
  ] as const)('refuses %s and says why', (_name, kind, bits, quality, code) => {
    const verdict = checkHashUsable(kind, hashWithBits(bits), quality);
    expect(verdict.usable).toBe(false);
    if (!verdict.usable) {
      expect(verdict.code).toBe(code);
      expect(verdict.reason.length).toBeGreaterThan(10);
    }
  });
});
