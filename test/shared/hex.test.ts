import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '../../shared/hex';
import { isVeilError } from '../../shared/errors';

describe('hex', () => {
  it('round-trips 32 bytes', () => {
    const bytes = Uint8Array.from({ length: 32 }, (_, i) => (i * 37) & 255);
    expect(hexToBytes(bytesToHex(bytes))).toEqual(bytes);
  });

  it.each([
    ['short', 'abcd', 'hash/bad-length'],
    ['not hex', 'zz'.repeat(32), 'hash/bad-hex'],
  ])('refuses %s input', (_name, hex, code) => {
    try {
      hexToBytes(hex);
      expect.unreachable();
    } catch (err) {
      expect(isVeilError(err)).toBe(true);
      expect((err as { code: string }).code).toBe(code);
    }
  });
});
