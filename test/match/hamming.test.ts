import { describe, expect, it } from 'vitest';
import { hexToBytes } from '../../shared/hex';
import { isVeilError } from '../../shared/errors';
import {
  distanceToEntry,
  hammingDistance,
  hammingDistanceWords,
  hashToWords,
  popcount32,
  POPCOUNT16,
  wordsToHash,
} from '../../shared/match/hamming';
import { flipBits, randomHash, sfc32 } from './random';

const ZERO = '0'.repeat(64);
const ONES = 'f'.repeat(64);

describe('popcount32', () => {
  it.each([
    [0, 0],
    [1, 1],
    [0x80000000, 1],
    [0xffffffff, 32],
    [0x55555555, 16],
    [0xaaaaaaaa, 16],
    [0x0f0f0f0f, 16],
    [0x12345678, 13],
    [-1, 32],
  ])('popcount32(%i) = %i', (x, n) => {
    expect(popcount32(x)).toBe(n);
  });

  it('agrees with a bit-by-bit count on random words', () => {
    const rnd = sfc32(1);
    for (let i = 0; i < 2000; i++) {
      const x = rnd();
      let n = 0;
      for (let b = 0; b < 32; b++) n += (x >>> b) & 1;
      expect(popcount32(x)).toBe(n);
    }
  });

  it('POPCOUNT16 matches popcount32 on every 16-bit value', () => {
    for (let x = 0; x < 65536; x += 7) expect(POPCOUNT16[x]).toBe(popcount32(x));
    expect(POPCOUNT16[0xffff]).toBe(16);
  });
});

describe('hammingDistance', () => {
  it.each([
    [ZERO, ZERO, 0],
    [ZERO, ONES, 256],
    [ONES, ONES, 0],
    ['8' + '0'.repeat(63), ZERO, 1],
    ['0'.repeat(63) + '1', ZERO, 1],
    ['f'.repeat(8) + '0'.repeat(56), ZERO, 32],
    ['5'.repeat(64), 'a'.repeat(64), 256],
    ['0123456789abcdef'.repeat(4), ZERO, 128],
    // The first two hashes of the reference haystack (../shared/pdq); 10 counted independently.
    [
      'f162eb9daab170c0567fe3632d9a5548c5612982dd5e374a7424ebbc8a835c95',
      'b062eb9d2ab170c0567fcb672d9a5548c5612982dd5e374a7424ebbc8b135cb5',
      10,
    ],
  ])('%s vs %s: %i', (a, b, d) => {
    expect(hammingDistance(hexToBytes(a), hexToBytes(b))).toBe(d);
    expect(hammingDistance(hexToBytes(b), hexToBytes(a))).toBe(d);
  });

  it('counts exactly the flipped bits', () => {
    const rnd = sfc32(2);
    for (let bits = 0; bits <= 256; bits += 17) {
      const h = randomHash(rnd);
      expect(hammingDistance(h, flipBits(h, bits, rnd))).toBe(bits);
    }
  });

  it('refuses hashes that are not 32 bytes', () => {
    const err = (() => {
      try {
        hammingDistance(new Uint8Array(31), new Uint8Array(32));
      } catch (e) {
        return e;
      }
    })();
    expect(isVeilError(err, 'hash/bad-length')).toBe(true);
  });
});

describe('word layout', () => {
  it('reads bytes big-endian: word i is hex digits 8i..8i+7', () => {
    const words = hashToWords(hexToBytes('0123456789abcdef'.repeat(4)));
    expect(Array.from(words, (w) => w.toString(16).padStart(8, '0'))).toEqual([
      '01234567', '89abcdef', '01234567', '89abcdef', '01234567', '89abcdef', '01234567', '89abcdef',
    ]);
  });

  it('round-trips bytes through words at an offset', () => {
    const rnd = sfc32(3);
    const store = new Uint32Array(8 * 3);
    const h = randomHash(rnd);
    hashToWords(h, store, 8);
    expect(Array.from(store.subarray(0, 8))).toEqual(new Array(8).fill(0));
    expect(wordsToHash(store, 8)).toEqual(h);
  });

  it('distance on words equals distance on bytes', () => {
    const rnd = sfc32(4);
    const store = new Uint32Array(8 * 10);
    const hashes = Array.from({ length: 10 }, () => randomHash(rnd));
    hashes.forEach((h, i) => hashToWords(h, store, i * 8));
    const q = randomHash(rnd);
    const qw = hashToWords(q);
    for (let i = 0; i < 10; i++) {
      expect(distanceToEntry(qw, store, i)).toBe(hammingDistance(q, hashes[i]));
      expect(hammingDistanceWords(store, i * 8, qw, 0)).toBe(hammingDistance(q, hashes[i]));
    }
  });
});
