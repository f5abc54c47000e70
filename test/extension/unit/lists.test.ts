import '../support/fakeBrowser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildRegistryApp } from '../../../registry/app';
import { bytesToHex } from '../../../shared/hex';
import { Matcher } from '../../../shared/match/matcher';
import { MemoryListStorage } from '../../../shared/registry/client';
import { generateSigner } from '../../../shared/registry/listFormat';
import { imageHashesToJson } from '../../../shared/registry/wire';
import { ListService, type MatcherLike } from '../../../extension/lib/background/lists';
import type { Subscription } from '../../../extension/lib/settings';
import { makeFixtures, type Fixtures } from '../support/fixtures';
import { decodeImage } from '../../../node/decode';
import { computeHashesFromRgba } from '../../../shared/hash/compute';
import type { ImageHashes } from '../../../shared/hash/types';

/**
 * The background's list side: the shared RegistryClient against the real registry app (reached
 * through `inject`, no sockets), the shared Matcher, storage in memory.
 */
function matcher(): MatcherLike {
  const m = new Matcher();
  return { add: (e) => m.add(e), remove: (id) => void m.removeEntry(id), flush: () => m.flush(), match: (h) => m.match(h), matchAll: (h) => m.matchAll(h) };
}

describe('ListService', () => {
  let fx: Fixtures;
  let app: FastifyInstance;
  let dataDir: string;
  let sub: Subscription;
  let otherHashes: ImageHashes;
  const calls: string[] = [];
  let mode: 'up' | 'down' | 'tamper' = 'up';
  let now = 1_000_000;

  const fetchVia: typeof fetch = async (input, init) => {
    const url = new URL(String(input));
    calls.push(url.pathname + url.search);
    if (mode === 'down') throw new TypeError('fetch failed');
    const r = await app.inject({ method: 'GET', url: url.pathname + url.search, headers: (init?.headers ?? {}) as Record<string, string> });
    const body = new Uint8Array(r.rawPayload);
    if (mode === 'tamper' && url.pathname.startsWith('/v1/lists/') && r.statusCode === 200 && body.length > 152) body[90] ^= 1;
    return new Response(r.statusCode === 304 ? null : body, { status: r.statusCode, headers: r.headers as Record<string, string> });
  };
  const service = (storage: MemoryListStorage) =>
    new ListService({ fetch: fetchVia, storageFor: () => storage, createMatcher: matcher, now: () => now });

  beforeAll(async () => {
    fx = await makeFixtures(1);
    otherHashes = computeHashesFromRgba(await decodeImage(new Uint8Array(fx.others[0])));
    dataDir = mkdtempSync(join(tmpdir(), 'veil-lists-test-'));
    const current = await generateSigner();
    app = await buildRegistryApp({ dataDir, logger: false, rateLimit: 0, matchIndex: false, snapshotMaxAgeMs: 0, keys: { current, announcements: [], previous: [] } });
    const r = await app.inject({ method: 'POST', url: '/v1/submissions', payload: { hashes: imageHashesToJson(fx.listedHashes) } });
    expect(r.statusCode).toBe(201);
    sub = { id: 'default', url: 'http://registry.test', publicKey: bytesToHex(current.publicKey), lists: ['reported', 'confirmed'] };
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('downloads the lists, matches locally, and reports version and size', async () => {
    mode = 'up';
    const lists = service(new MemoryListStorage());
    await lists.start([sub], {}, []);
    expect(lists.match(fx.listedHashes)).toBeNull();
    expect(await lists.syncDue()).toBe(true);
    expect(lists.match(fx.listedHashes)).toMatchObject({ subscription: 'default', list: 'reported' });
    expect(lists.match(otherHashes)).toBeNull();
    const reported = lists.status['default/reported'];
    expect(reported).toMatchObject({ subscription: 'default', list: 'reported', error: null, failures: 0, updatedAt: now });
    expect(reported.sequence).toBeGreaterThan(0);
    expect(reported.entries).toBe(3); // the PDQ, the blockhash and the crop hash (dihedral variants are not listed)
  });

  it('rebuilds the index from the stored copy on start, before and without any download', async () => {
    mode = 'up';
    const storage = new MemoryListStorage();
    const first = service(storage);
    await first.start([sub], {}, []);
    await first.syncDue();
    calls.length = 0;
    const second = service(storage);
    await second.start([sub], first.status, []);
    expect(second.match(fx.listedHashes)).toMatchObject({ list: 'reported' });
    expect(calls).toEqual([]);
    // Not due yet (the status says the last update was just now): the alarm does nothing.
    expect(await second.syncDue()).toBe(false);
    expect(calls).toEqual([]);
  });

  it('backs off exponentially while the registry is down, and recovers', async () => {
    const lists = service(new MemoryListStorage());
    await lists.start([sub], {}, []);
    mode = 'down';
    await lists.syncDue();
    expect(lists.status['default/reported']).toMatchObject({ error: 'registry/unreachable', failures: 1, nextAttemptAt: now + 60_000 });
    await lists.syncDue(true);
    expect(lists.status['default/reported']).toMatchObject({ failures: 2, nextAttemptAt: now + 120_000 });
    calls.length = 0;
    await lists.syncDue();
    expect(calls).toEqual([]); // not due: nothing asked
    mode = 'up';
    now += 120_000;
    await lists.syncDue();
    expect(lists.status['default/reported']).toMatchObject({ error: null, failures: 0 });
    expect(lists.match(fx.listedHashes)).not.toBeNull();
  });

  it('refuses a tampered list: nothing from it is used', async () => {
    mode = 'tamper';
    const lists = service(new MemoryListStorage());
    await lists.start([sub], {}, []);
    await lists.syncDue();
    expect(lists.status['default/reported']).toMatchObject({ error: 'list/bad-signature', entries: 0, sequence: 0 });
    expect(lists.match(fx.listedHashes)).toBeNull();
    mode = 'up';
  });

  it('never uses a subscription without a pinned key', async () => {
    calls.length = 0;
    const lists = service(new MemoryListStorage());
    await lists.start([{ ...sub, publicKey: '' }], {}, []);
    await lists.syncDue(true);
    expect(lists.status['default/reported'].error).toBe('no-key');
    expect(calls).toEqual([]);
  });

  it('stops matching a photo the user allowed, now and after a restart', async () => {
    mode = 'up';
    const storage = new MemoryListStorage();
    const lists = service(storage);
    await lists.start([sub], {}, []);
    await lists.syncDue();
    const epoch = lists.epoch;
    const allowed = lists.allowMatches(fx.listedHashes);
    // Every entry the photo matches (its PDQ at least; its blockhash too when that counts alone).
    expect(allowed.map((a) => a.kind)).toContain('pdq');
    expect(allowed.every((a) => a.subscription === 'default' && a.list === 'reported')).toBe(true);
    expect(lists.epoch).toBeGreaterThan(epoch);
    expect(lists.match(fx.listedHashes)).toBeNull();
    const restarted = service(storage);
    await restarted.start([sub], lists.status, allowed);
    expect(restarted.match(fx.listedHashes)).toBeNull();
    const without = service(storage);
    await without.start([sub], lists.status, []);
    expect(without.match(fx.listedHashes)).not.toBeNull();
  });
});
