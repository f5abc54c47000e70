/** Helpers shared by the registry tests: deterministic synthetic hashes that pass the gates. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildRegistryApp } from '../../registry/app';
import type { BuildRegistryOptions } from '../../registry/app';

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


export function tempDir(prefix = 'veil-registry-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A registry on SQLite in a fresh temp folder, quiet, without rate limits unless asked. */
export async function testApp(opts: BuildRegistryOptions = {}): Promise<{ app: FastifyInstance; dir: string; close: () => Promise<void> }> {
  const dir = opts.dataDir ?? tempDir();
  const app = await buildRegistryApp({ dataDir: dir, logger: false, rateLimit: 0, snapshotMaxAgeMs: 0, matchRefreshMs: 0, ...opts });
  return {
    app,
    dir,
    close: async () => {
      await app.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
