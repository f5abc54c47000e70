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

/**
 * A `fetch` that sends requests through app.inject (no socket), for the sync client. `tamper`
 * may rewrite response bodies (a network attacker or a broken mirror); `down` fails every call.
 */
export function injectFetch(app: FastifyInstance, opts: { tamper?: (url: string, body: Uint8Array) => Uint8Array; down?: () => boolean } = {}): typeof fetch {
  return (async (input: string | URL | Request, init?: RequestInit) => {
    if (opts.down?.()) throw new TypeError('fetch failed');
    const url = new URL(String(input));
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    const r = await app.inject({ method: (init?.method ?? 'GET') as 'GET', url: url.pathname + url.search, headers });
    let body: Uint8Array = r.rawPayload;
    if (opts.tamper && r.statusCode === 200) body = opts.tamper(url.pathname + url.search, body);
    const outHeaders = new Headers();
    for (const [k, v] of Object.entries(r.headers)) if (v !== undefined && k !== 'content-length') outHeaders.set(k, String(v));
    return new Response(r.statusCode === 304 ? null : new Uint8Array(body), { status: r.statusCode, headers: outHeaders });
  }) as typeof fetch;
}

/** Records what the sync client feeds a matcher: id -> entry. */
export class RecordingSink {
  readonly entries = new Map<number, { kind: string; hash: string; quality?: number; list: string }>();
  adds = 0;
  removes = 0;
  add(e: { id: number; kind: string; hash: Uint8Array; quality?: number; list: string }): void {
    if (this.entries.has(e.id)) throw new Error(`id ${e.id} added twice without a removal`);
    this.entries.set(e.id, { kind: e.kind, hash: hex(e.hash), quality: e.quality, list: e.list });
    this.adds++;
  }
  remove(id: number): void {
    if (!this.entries.delete(id)) throw new Error(`id ${id} removed but never added`);
    this.removes++;
  }
  hashes(list: string): string[] {
    return [...this.entries.values()].filter((e) => e.list === list).map((e) => e.hash).sort();
  }
}
