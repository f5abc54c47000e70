/** Helpers shared by the registry tests: deterministic synthetic hashes that pass the gates. */

/** A 32-byte hash from a seed (xorshift32), so tests are repeatable; about half the bits set. */
export function randomHash(seed: number): Uint8Array {
  let x = (seed * 2654435761) >>> 0 || 1;
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = x & 0xff;
  }
  return out;
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

/** The JSON a victim's device sends for one photo: PDQ with quality and blockhash. */
export function photoHashes(seed: number, quality = 90): { kind: 'pdq' | 'blockhash'; hash: string; quality?: number }[] {
  return [
    { kind: 'pdq', hash: hex(randomHash(seed * 2 + 1)), quality },
    { kind: 'blockhash', hash: hex(randomHash(seed * 2 + 2)) },
  ];
}
