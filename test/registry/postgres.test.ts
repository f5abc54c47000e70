import { afterAll, describe, expect } from 'vitest';
import pg from 'pg';
import type { FastifyInstance } from 'fastify';
import { itIfAvailable } from '../support/env';
import { generateSigner } from '../../shared/registry/listFormat';
import { MemoryListStorage, RegistryClient } from '../../shared/registry/client';
import type { SigningKeys } from '../../registry/signing';
import { RecordingSink, hex, injectFetch, photoHashes, testApp } from './support';

const PG_URL = process.env.VEIL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function reachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

const pgReachable = await reachable();
// A fresh schema per run, so parallel runs and earlier runs never collide.
const schema = `veil_test_${process.pid}_${Date.now().toString(36)}`;
const opened: { close: () => Promise<void> }[] = [];

afterAll(async () => {
  for (const o of opened) await o.close();
  if (!pgReachable) return;
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await c.end();
});

async function instance(keys: SigningKeys): Promise<FastifyInstance> {
  const t = await testApp({ databaseUrl: PG_URL, databaseSchema: schema, keys, floodMaxCases: 0, floodMaxHashes: 0 });
  opened.push(t);
  return t.app;
}

describe('PostgreSQL: several instances', () => {
  itIfAvailable(pgReachable, 'PostgreSQL at 127.0.0.1:5432')('two instances take submissions concurrently and serve identical lists', async () => {
    const keys: SigningKeys = { current: await generateSigner(), announcements: [], previous: [] };
    const [a, b] = await Promise.all([instance(keys), instance(keys)]);
    expect((await a.inject({ method: 'GET', url: '/healthz' })).json().database).toBe('postgres');

    const submit = (app: FastifyInstance, seed: number) => app.inject({ method: 'POST', url: '/v1/submissions', payload: { hashes: photoHashes(seed) } });
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => submit(i % 2 ? a : b, 100 + i)));
    expect(answers.map((r) => r.statusCode)).toEqual(Array(20).fill(201));

    // A case made on one instance is read and withdrawn on the other.
    const { caseId, secret } = answers[0].json();
    const del = await a.inject({ method: 'DELETE', url: `/v1/submissions/${caseId}`, headers: { authorization: `Bearer ${secret}` } });
    expect(del.statusCode).toBe(200);

    const snapA = await a.inject({ method: 'GET', url: '/v1/lists/reported/snapshot' });
    const snapB = await b.inject({ method: 'GET', url: '/v1/lists/reported/snapshot' });
    expect(snapA.headers.etag).toBe(snapB.headers.etag);
    expect(Buffer.compare(snapA.rawPayload, snapB.rawPayload)).toBe(0);
    const deltaA = await a.inject({ method: 'GET', url: '/v1/lists/reported/delta?since=5' });
    const deltaB = await b.inject({ method: 'GET', url: '/v1/lists/reported/delta?since=5' });
    expect(Buffer.compare(deltaA.rawPayload, deltaB.rawPayload)).toBe(0);

    // Sequence numbers come from the database: 40 additions then 2 removals, no gaps or repeats.
    const info = (await b.inject({ method: 'GET', url: '/v1/lists/reported' })).json();
    expect(info).toMatchObject({ seq: 42, count: 38 });

    // A client that alternates between the instances ends up with exactly the list.
    let flip = false;
    const sink = new RecordingSink();
    const client = new RegistryClient({
      baseUrl: 'http://registry.test',
      publicKeys: [keys.current.publicKey],
      storage: new MemoryListStorage(),
      sink,
      fetch: ((input: string, init?: RequestInit) => {
        flip = !flip;
        return injectFetch(flip ? a : b)(input, init);
      }) as typeof fetch,
    });
    await client.sync();
    await submit(b, 500);
    await client.sync();
    const expected: string[] = [];
    await a.store.readList('reported', null, (rows) => rows.forEach((r) => expected.push(hex(r.hash))));
    expect(sink.hashes('reported')).toEqual(expected.sort());

    // Each instance's /v1/match index picks up the other's writes.
    const m = await a.inject({ method: 'POST', url: '/v1/match', payload: { hashes: photoHashes(500) } });
    expect(m.json().photos[0].matches.map((x: { list: string }) => x.list)).toEqual(['reported']);
  });
});

describe('PostgreSQL: each photo of a case', () => {
  itIfAvailable(pgReachable, 'PostgreSQL at 127.0.0.1:5432')('answers each photo listed, then every photo withdrawn', async () => {
    const app = await instance({ current: await generateSigner(), announcements: [], previous: [] });
    const hashes = [0, 1].flatMap((photo) => photoHashes(900 + photo).map((h) => ({ ...h, photo })));
    const { caseId, secret } = (await app.inject({ method: 'POST', url: '/v1/submissions', payload: { hashes } })).json();
    const auth = { authorization: `Bearer ${secret}` };
    const read = async () => (await app.inject({ method: 'GET', url: `/v1/submissions/${caseId}`, headers: auth })).json().photos;
    expect(await read()).toEqual([0, 1].map((photo) => ({ photo, hashes: 2, lists: ['reported'], state: 'listed' })));
    expect((await app.inject({ method: 'DELETE', url: `/v1/submissions/${caseId}`, headers: auth })).statusCode).toBe(200);
    expect(await read()).toEqual([0, 1].map((photo) => ({ photo, hashes: 2, lists: [], state: 'withdrawn' })));
  });
});
