import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { hexToBytes } from '../../shared/hex';
import { MemoryListStorage, RegistryClient } from '../../shared/registry/client';
import type { RegistryClientOptions } from '../../shared/registry/client';
import { generateSigner } from '../../shared/registry/listFormat';
import { SIGNING_KEY_FILE, rotateSigningKey } from '../../registry/signing';
import { RecordingSink, hex, injectFetch, photoHashes, testApp } from './support';

function clientFor(app: FastifyInstance, extra: Partial<RegistryClientOptions> = {}) {
  const sink = new RecordingSink();
  const storage = new MemoryListStorage();
  const client = new RegistryClient({
    baseUrl: 'http://registry.test',
    publicKeys: [app.keys.current.publicKey],
    fetch: injectFetch(app),
    storage,
    sink,
    ...extra,
  });
  return { client, sink, storage };
}

async function submit(app: FastifyInstance, seeds: number[]) {
  const r = await app.inject({ method: 'POST', url: '/v1/submissions', payload: { hashes: seeds.flatMap((s) => photoHashes(s)) } });
  expect(r.statusCode).toBe(201);
  return r.json() as { caseId: string; secret: string };
}

async function serverList(app: FastifyInstance, list: 'reported' | 'confirmed'): Promise<string[]> {
  const out: string[] = [];
  await app.store.readList(list, null, (rows) => rows.forEach((r) => out.push(hex(r.hash))));
  return out.sort();
}

describe('sync client', () => {
  it('follows a real registry from snapshot and deltas, and a withdrawal removes entries at the next update', async () => {
    const { app, close } = await testApp();
    try {
      const { client, sink } = clientFor(app);
      const first = await submit(app, [1, 2]);
      let status = await client.sync();
      expect(status.lists.find((l) => l.list === 'reported')).toMatchObject({ count: 4, lastError: null });
      expect(sink.hashes('reported')).toEqual(await serverList(app, 'reported'));

      await submit(app, [3]);
      status = await client.sync();
      expect(status.lists.find((l) => l.list === 'reported')!.count).toBe(6);
      expect(sink.hashes('reported')).toEqual(await serverList(app, 'reported'));

      const del = await app.inject({ method: 'DELETE', url: `/v1/submissions/${first.caseId}`, headers: { authorization: `Bearer ${first.secret}` } });
      expect(del.statusCode).toBe(200);
      await client.sync();
      expect(sink.hashes('reported')).toEqual(await serverList(app, 'reported'));
      expect(sink.hashes('reported')).toHaveLength(2);
      expect(sink.removes).toBe(4);
      const seq = client.status().lists.find((l) => l.list === 'reported')!.seq;
      expect(seq).toBe((await app.store.listInfo('reported')).seq);
    } finally {
      await close();
    }
  });

  it('asks with If-None-Match and gets 304 when nothing changed', async () => {
    const { app, close } = await testApp();
    try {
      await submit(app, [10]);
      const statuses: number[] = [];
      const inner = injectFetch(app);
      const { client } = clientFor(app, {
        fetch: (async (input: string | URL | Request, init?: RequestInit) => {
          const res = await inner(input, init);
          statuses.push(res.status);
          return res;
        }) as typeof fetch,
      });
      await client.sync();
      statuses.length = 0;
      await client.sync();
      expect(statuses).toEqual([304, 304]);
    } finally {
      await close();
    }
  });

  it.each([
    ['a flipped bit', (b: Uint8Array) => Object.assign(b.slice(), { [b.length - 100]: b[b.length - 100] ^ 1 }), 'list/bad-signature'],
    ['a truncated file', (b: Uint8Array) => b.subarray(0, b.length - 10), 'list/bad-format'],
  ])('refuses %s and keeps its copy', async (_what, tamper, code) => {
    const { app, close } = await testApp();
    try {
      await submit(app, [20]);
      let evil = false;
      const { client, sink } = clientFor(app, { fetch: injectFetch(app, { tamper: (_u, b) => (evil ? tamper(b) : b) }) });
      await client.sync();
      const before = sink.hashes('reported');
      await submit(app, [21]);
      evil = true;
      const status = await client.sync();
      expect(status.lists.find((l) => l.list === 'reported')!.lastError?.code).toBe(code);
      expect(sink.hashes('reported')).toEqual(before);
      expect(status.failures).toBe(1);
    } finally {
      await close();
    }
  });

  it('refuses a replayed older snapshot and a file of the other list', async () => {
    const { app, close } = await testApp();
    try {
      await submit(app, [30]);
      const old = (await app.inject({ method: 'GET', url: '/v1/lists/reported/snapshot' })).rawPayload;
      const confirmedFile = (await app.inject({ method: 'GET', url: '/v1/lists/confirmed/snapshot' })).rawPayload;
      await submit(app, [31]);
      let replace: Buffer | null = null;
      const { client } = clientFor(app, { lists: ['reported'], fetch: injectFetch(app, { tamper: (_u, b) => replace ?? b }) });
      await client.sync();
      await submit(app, [32]);
      replace = old;
      let s = await client.sync();
      expect(s.lists[0].lastError?.code).toBe('list/stale');
      replace = confirmedFile;
      s = await client.sync();
      expect(s.lists[0].lastError?.code).toBe('list/wrong-list');
      replace = null;
      s = await client.sync();
      expect(s.lists[0]).toMatchObject({ lastError: null, count: 6 });
    } finally {
      await close();
    }
  });

  it('backs off when the registry is down and keeps its copy', async () => {
    const { app, close } = await testApp();
    try {
      await submit(app, [40]);
      let now = 1_000_000;
      let down = false;
      const { client, sink } = clientFor(app, {
        now: () => now,
        fetch: injectFetch(app, { down: () => down }),
        intervalMs: 60_000,
        retryInitialMs: 10_000,
        retryMaxMs: 80_000,
      });
      await client.sync();
      expect(client.isDue(now + 59_000)).toBe(false);
      down = true;
      const waits: number[] = [];
      for (let i = 0; i < 5; i++) {
        now += 1;
        const s = await client.sync();
        waits.push(s.nextAttemptAt - now);
        expect(s.lists[0].lastError?.code).toBe('registry/unreachable');
      }
      // 10 s, 20 s, 40 s, 80 s, 80 s, each within the +-25 % jitter.
      [10_000, 20_000, 40_000, 80_000, 80_000].forEach((base, i) => {
        expect(waits[i]).toBeGreaterThanOrEqual(base * 0.75);
        expect(waits[i]).toBeLessThanOrEqual(base * 1.25);
      });
      expect(client.status().failures).toBe(5);
      expect(sink.hashes('reported')).toHaveLength(2);
      down = false;
      const s = await client.sync();
      expect(s.failures).toBe(0);
      expect(s.lists[0].lastError).toBeNull();
    } finally {
      await close();
    }
  });

  it('loads its stored copy on start and feeds the matcher without the network', async () => {
    const { app, close } = await testApp();
    try {
      await submit(app, [50, 51]);
      const { client, storage, sink } = clientFor(app);
      await client.sync();
      const offline = new RecordingSink();
      const again = new RegistryClient({
        baseUrl: 'http://registry.test',
        publicKeys: [app.keys.current.publicKey],
        fetch: injectFetch(app, { down: () => true }),
        storage,
        sink: offline,
      });
      await again.load();
      expect(offline.hashes('reported')).toEqual(sink.hashes('reported'));
      expect(again.status().lists.find((l) => l.list === 'reported')!.seq).toBe(client.status().lists.find((l) => l.list === 'reported')!.seq);
    } finally {
      await close();
    }
  });

  it('keeps no copy in memory: a restarted client applies the next delta to the stored copy and withdraws exactly what it was fed', async () => {
    const { app, close } = await testApp();
    try {
      const first = await submit(app, [70, 71]);
      await submit(app, [72]);
      const { client, storage } = clientFor(app);
      await client.sync();
      // A withdrawal leaves free slots in the stored copy; later entries keep theirs.
      const del = await app.inject({ method: 'DELETE', url: `/v1/submissions/${first.caseId}`, headers: { authorization: `Bearer ${first.secret}` } });
      expect(del.statusCode).toBe(200);
      await client.sync();
      expect(client.memoryBytes()).toBe(0);

      const sink = new RecordingSink();
      const restarted = new RegistryClient({ baseUrl: 'http://registry.test', publicKeys: [app.keys.current.publicKey], fetch: injectFetch(app), storage, sink });
      await restarted.load();
      expect(sink.hashes('reported')).toEqual(await serverList(app, 'reported'));
      const second = await submit(app, [73]);
      await restarted.sync();
      const del2 = await app.inject({ method: 'DELETE', url: `/v1/submissions/${second.caseId}`, headers: { authorization: `Bearer ${second.secret}` } });
      expect(del2.statusCode).toBe(200);
      await restarted.sync();
      // RecordingSink throws on a removal of an id it was never given.
      expect(sink.hashes('reported')).toEqual(await serverList(app, 'reported'));
      expect(sink.removes).toBeGreaterThan(0);
      expect(restarted.status().lists.find((l) => l.list === 'reported')!.count).toBe(sink.hashes('reported').length);
      expect(restarted.memoryBytes()).toBe(0);
    } finally {
      await close();
    }
  });

  it('refuses everything from a registry signing with a key that is not pinned', async () => {
    const { app, close } = await testApp();
    try {
      await submit(app, [60]);
      const stranger = await generateSigner();
      const { client, sink } = clientFor(app, { publicKeys: [stranger.publicKey] });
      const s = await client.sync();
      expect(s.lists[0].lastError?.code).toBe('list/unknown-key');
      expect(sink.entries.size).toBe(0);
    } finally {
      await close();
    }
  });

  it('follows a key rotation announced by the pinned key', async () => {
    const first = await testApp();
    const dir = first.dir;
    const oldKey = first.app.keys.current.publicKey;
    await submit(first.app, [70]);
    const storage = new MemoryListStorage();
    const sink = new RecordingSink();
    let app = first.app;
    const client = new RegistryClient({ baseUrl: 'http://registry.test', publicKeys: [oldKey], fetch: ((i: string, init?: RequestInit) => injectFetch(app)(i, init)) as typeof fetch, storage, sink });
    await client.sync();
    await first.app.close();

    const { newPublicKey } = await rotateSigningKey(path.join(dir, SIGNING_KEY_FILE));
    const second = await testApp({ dataDir: dir });
    app = second.app;
    try {
      expect(hex(app.keys.current.publicKey)).toBe(hex(newPublicKey));
      await submit(app, [71]);
      const s = await client.sync();
      expect(s.lists[0].lastError).toBeNull();
      expect(s.keyIds).toContain(hex(newPublicKey).slice(0, 16));
      expect(sink.hashes('reported')).toHaveLength(4);
      // The learned key survives a restart of the client.
      const later = new RegistryClient({ baseUrl: 'http://registry.test', publicKeys: [hexToBytes(hex(oldKey))], fetch: injectFetch(app), storage });
      await later.load();
      expect(later.status().keyIds).toContain(hex(newPublicKey).slice(0, 16));
    } finally {
      await second.close();
    }
  });
});
