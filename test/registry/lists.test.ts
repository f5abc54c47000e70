import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { ListFile, kindFromId } from '../../shared/registry/listFormat';
import { ListService } from '../../registry/lists';
import { createApiKey } from '../../registry/secrets';
import { LIST_CONTENT_TYPE } from '../../shared/registry/wire';
import { hex, photoHashes, testApp } from './support';

let app: FastifyInstance;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ app, close } = await testApp());
});
afterAll(async () => close());

async function submit(seeds: number[]) {
  const r = await app.inject({ method: 'POST', url: '/v1/submissions', payload: { hashes: seeds.flatMap((s) => photoHashes(s)) } });
  return r.json() as { caseId: string; secret: string };
}

async function file(url: string, heldSeq?: number): Promise<ListFile> {
  const r = await app.inject({ method: 'GET', url });
  expect(r.statusCode).toBe(200);
  expect(r.headers['content-type']).toBe(LIST_CONTENT_TYPE);
  return ListFile.fromBytes(new Uint8Array(r.rawPayload), [app.keys.current.publicKey], { heldSeq });
}

describe('list distribution', () => {
  it('serves a signed snapshot holding every listed hash with kind and quality', async () => {
    await submit([1, 2, 3]);
    const f = await file('/v1/lists/reported/snapshot');
    expect(f.header).toMatchObject({ type: 'snapshot', list: 'reported', count: 6 });
    const got = new Map<string, { kind: string | undefined; quality: number | undefined }>();
    for (let i = 0; i < f.count; i++) got.set(hex(f.hashAt(i)), { kind: kindFromId(f.kindIdAt(i)), quality: f.qualityAt(i) });
    for (const s of [1, 2, 3]) {
      const [p, b] = photoHashes(s);
      expect(got.get(p.hash)).toEqual({ kind: 'pdq', quality: 90 });
      expect(got.get(b.hash)).toEqual({ kind: 'blockhash', quality: undefined });
    }
    expect(f.header.toSeq).toBe((await app.store.listInfo('reported')).seq);
  });

  it('serves deltas with additions and removals since a sequence number', async () => {
    const seq0 = (await app.store.listInfo('reported')).seq;
    const c = await submit([10]);
    await app.inject({ method: 'DELETE', url: `/v1/submissions/${c.caseId}`, headers: { authorization: `Bearer ${c.secret}` } });
    await submit([11]);
    const f = await file(`/v1/lists/reported/delta?since=${seq0}`, seq0);
    expect(f.header).toMatchObject({ type: 'delta', fromSeq: seq0 });
    const recs = new Map<string, boolean>();
    for (let i = 0; i < f.count; i++) recs.set(hex(f.hashAt(i)), f.isRemovalAt(i));
    for (const h of photoHashes(10)) expect(recs.get(h.hash)).toBe(true);
    for (const h of photoHashes(11)) expect(recs.get(h.hash)).toBe(false);
    expect(f.count).toBe(4);
  });

  it('answers 304 to If-None-Match with the current ETag, and a new ETag once the list changes', async () => {
    const first = await app.inject({ method: 'GET', url: '/v1/lists/reported/snapshot' });
    const etag = first.headers.etag as string;
    expect(etag).toMatch(/^"reported-\d+-[0-9a-f]{16}"$/);
    const again = await app.inject({ method: 'GET', url: '/v1/lists/reported/snapshot', headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.rawPayload.length).toBe(0);
    await submit([20]);
    const changed = await app.inject({ method: 'GET', url: '/v1/lists/reported/snapshot', headers: { 'if-none-match': etag } });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
  });

  it('compresses with br or gzip when asked, and the decompressed bytes verify', async () => {
    for (const [enc, decode] of [
      ['br', zlib.brotliDecompressSync],
      ['gzip', zlib.gunzipSync],
    ] as const) {
      const r = await app.inject({ method: 'GET', url: '/v1/lists/reported/snapshot', headers: { 'accept-encoding': enc } });
      expect(r.headers['content-encoding']).toBe(enc);
      expect(r.headers.vary).toContain('accept-encoding');
      const bytes = new Uint8Array(decode(r.rawPayload));
      await expect(ListFile.fromBytes(bytes, [app.keys.current.publicKey])).resolves.toBeInstanceOf(ListFile);
    }
    const plain = await app.inject({ method: 'GET', url: '/v1/lists/reported/snapshot', headers: { 'accept-encoding': 'gzip;q=0' } });
    expect(plain.headers['content-encoding']).toBeUndefined();
  });

  it('serves a snapshot instead of a delta that would be larger than the list', async () => {
    const c = await submit([30]);
    await app.inject({ method: 'DELETE', url: `/v1/submissions/${c.caseId}`, headers: { authorization: `Bearer ${c.secret}` } });
    const f = await file('/v1/lists/reported/delta?since=0');
    expect(f.header.type).toBe('snapshot');
  });

  it('answers 400 naming the field for a bad `since` and for an unknown list', async () => {
    const bad = await app.inject({ method: 'GET', url: '/v1/lists/reported/delta?since=-1' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('querystring.since');
    const missing = await app.inject({ method: 'GET', url: '/v1/lists/reported/delta' });
    expect(missing.json().field).toBe('querystring.since');
    const unknown = await app.inject({ method: 'GET', url: '/v1/lists/everything/snapshot' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().field).toBe('params.list');
  });

  it('builds the next snapshot from the last one plus changes, byte for byte as a full rebuild', async () => {
    await app.lists.snapshot('reported');
    const c = await submit([40, 41]);
    await app.inject({ method: 'DELETE', url: `/v1/submissions/${c.caseId}`, headers: { authorization: `Bearer ${c.secret}` } });
    await submit([42]);
    // A higher quality for a listed PDQ changes its record in place.
    const reporter = await createApiKey(app.store, 'reporter', 'quality');
    await app.inject({ method: 'POST', url: '/v1/reports', headers: { authorization: `Bearer ${reporter.key}` }, payload: { verdict: 'report', hashes: [{ ...photoHashes(1)[0], quality: 99 }] } });
    const merged = await app.lists.snapshot('reported');
    const fresh = await new ListService(app.store, app.keys, { snapshotMaxAgeMs: 0 }).snapshot('reported');
    expect(merged.seq).toBe(fresh.seq);
    expect(Buffer.compare(Buffer.from(merged.bytes), Buffer.from(fresh.bytes))).toBe(0);
    const f = await ListFile.fromBytes(merged.bytes, [app.keys.current.publicKey]);
    const q = Array.from({ length: f.count }, (_, i) => i).find((i) => hex(f.hashAt(i)) === photoHashes(1)[0].hash);
    expect(f.qualityAt(q!)).toBe(99);
  });

  it('reports list sizes and the signing key', async () => {
    const info = (await app.inject({ method: 'GET', url: '/v1/lists' })).json();
    expect(info.lists.map((l: { list: string }) => l.list)).toEqual(['reported', 'confirmed']);
    // The kept counts agree with the rows after every submission, withdrawal and report above.
    for (const l of info.lists as { list: 'reported' | 'confirmed'; count: number; seq: number }[]) {
      let rows = 0;
      const { toSeq } = await app.store.readList(l.list, null, (r) => (rows += r.length));
      expect(l).toMatchObject({ count: rows, seq: toSeq });
    }
    const keys = (await app.inject({ method: 'GET', url: '/v1/keys' })).json();
    expect(keys).toEqual({ publicKey: hex(app.keys.current.publicKey), keyId: hex(app.keys.current.publicKey).slice(0, 16), announcements: [] });
  });
});
