import { VeilError } from './errors';

/** Hashes are bytes inside Veil; hex exists only at the edges (CLI, JSON, CSV). */

const HEX = '0123456789abcdef';

export function bytesToHex(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    out += HEX[b >> 4] + HEX[b & 15];
  }
  return out;
}

/** Parses hex of an exact byte length; throws VeilError('hash/bad-hex' | 'hash/bad-length'). */
export function hexToBytes(hex: string, expectedBytes = 32): Uint8Array {
  if (hex.length !== expectedBytes * 2) {
    throw new VeilError('hash/bad-length', `Got ${hex.length} hex digits, expected ${expectedBytes * 2}.`);
  }
  if (!/^[0-9a-fA-F]*$/.test(hex)) throw new VeilError('hash/bad-hex');
  const out = new Uint8Array(expectedBytes);
  for (let i = 0; i < expectedBytes; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}
