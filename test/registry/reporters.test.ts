import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createApiKey } from '../../registry/secrets';
import { hex, photoHashes, randomHash, testApp } from './support';

let app: FastifyInstance;
let close: () => Promise<void>;
let reporterA: string;
let reporterB: string;
let reporterC: string;
let reviewer: string;

beforeAll(async () => {
  ({ app, close } = await testApp({ confirmThreshold: 2, floodMaxCases: 3, floodMaxHashes: 0 }));
  reporterA = (await createApiKey(app.store, 'reporter', 'bot A')).key;
  reporterB = (await createApiKey(app.store, 'reporter', 'bot B')).key;
  reporterC = (await createApiKey(app.store, 'reporter', 'bot C')).key;
  reviewer = (await createApiKey(app.store, 'reviewer', 'reviewer 1')).key;
});
afterAll(async () => close());

const pdq = (seed: number) => ({ kind: 'pdq' as const, hash: hex(randomHash(seed)), quality: 90 });

async function report(key: string | null, verdict: string, hashes: object[]) {
  return app.inject({ method: 'POST', url: '/v1/reports', headers: key ? { authorization: `Bearer ${key}` } : {}, payload: { verdict, hashes } });
}

async function onList(list: 'reported' | 'confirmed', seed: number): Promise<boolean> {
  let found = false;
  await app.store.readList(list, null, (rows) => {
    for (const r of rows) if (hex(r.hash) === hex(randomHash(seed))) found = true;
  });
  return found;
}

describe('reporters', () => {
  it('a report puts a hash on reported; a second independent key confirms it', async () => {
    expect((await report(reporterA, 'report', [pdq(1000)])).json()).toEqual({ applied: 1, unknown: 0 });
    expect(await onList('reported', 1000)).toBe(true);
    expect(await onList('confirmed', 1000)).toBe(false);
    await report(reporterB, 'confirm', [pdq(1000)]);
    expect(await onList('confirmed', 1000)).toBe(true);
  });

  it('the same key reporting twice is not independent confirmation', async () => {
    await report(reporterA, 'report', [pdq(1001)]);
    await report(reporterA, 'confirm', [pdq(1001)]);
    expect(await onList('confirmed', 1001)).toBe(false);
  });

  it('a dispute holds a hash off confirmed', async () => {
    await report(reporterA, 'report', [pdq(1002)]);
    await report(reporterB, 'report', [pdq(1002)]);
    expect(await onList('confirmed', 1002)).toBe(true);
    await report(reporterC, 'dispute', [pdq(1002)]);
    expect(await onList('confirmed', 1002)).toBe(false);
    expect(await onList('reported', 1002)).toBe(true);
  });

  it('a dispute of an unknown hash is counted as unknown', async () => {
    expect((await report(reporterA, 'dispute', [pdq(1003)])).json()).toEqual({ applied: 0, unknown: 1 });
  });

  it('revoking a key drops what only it vouched for', async () => {
    const k = await createApiKey(app.store, 'reporter', 'short-lived');
    await report(k.key, 'report', [pdq(1004)]);
    expect(await onList('reported', 1004)).toBe(true);
    await app.store.revokeApiKey(k.id, Date.now());
    expect(await onList('reported', 1004)).toBe(false);
    expect((await report(k.key, 'report', [pdq(1005)])).statusCode).toBe(401);
  });

  it('answers the same 401 for a missing, malformed, unknown or wrong key', async () => {
    const good = reporterA;
    const wrongSecret = good.slice(0, -4) + (good.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    const unknownId = 'vk_000000000000_' + good.split('_').slice(2).join('_');
    const answers = await Promise.all([report(null, 'report', [pdq(1)]), report('nonsense', 'report', [pdq(1)]), report(unknownId, 'report', [pdq(1)]), report(wrongSecret, 'report', [pdq(1)])]);
    for (const r of answers) {
      expect(r.statusCode).toBe(401);
      expect(r.body).toBe(answers[0].body);
    }
  });

  it('answers 403 to a reviewer key on the reporters endpoint and a reporter key on the queue', async () => {
    expect((await report(reviewer, 'report', [pdq(1006)])).statusCode).toBe(403);
    const r = await app.inject({ method: 'GET', url: '/v1/review/queue', headers: { authorization: `Bearer ${reporterA}` } });
    expect(r.statusCode).toBe(403);
  });
});

describe('reviewers', () => {
  it('the queue lists reported, unconfirmed hashes; confirming and rejecting move them', async () => {
    const sub = await app.inject({ method: 'POST', url: '/v1/submissions', payload: { hashes: photoHashes(2000) } });
    expect(sub.statusCode).toBe(201);
    const auth = { authorization: `Bearer ${reviewer}` };
    const queue = (await app.inject({ method: 'GET', url: '/v1/review/queue?limit=500', headers: auth })).json();
    const [pdqItem, bhItem] = photoHashes(2000).map((h) => queue.hashes.find((q: { hash: string }) => q.hash === h.hash));
    expect(pdqItem).toMatchObject({ kind: 'pdq', quality: 90, cases: 1 });
    expect(bhItem).toMatchObject({ kind: 'blockhash', cases: 1 });

    let r = await app.inject({ method: 'POST', url: `/v1/review/hashes/${pdqItem.id}`, headers: auth, payload: { decision: 'confirm' } });
    expect(r.statusCode).toBe(200);
    expect(await onList('confirmed', 2000 * 2 + 1)).toBe(true);
    r = await app.inject({ method: 'POST', url: `/v1/review/hashes/${bhItem.id}`, headers: auth, payload: { decision: 'reject' } });
    expect(r.statusCode).toBe(200);
    expect(await onList('reported', 2000 * 2 + 2)).toBe(false);
    const after = (await app.inject({ method: 'GET', url: '/v1/review/queue?limit=500', headers: auth })).json();
    expect(after.hashes.some((q: { id: number }) => q.id === pdqItem.id || q.id === bhItem.id)).toBe(false);
  });

  it('answers 404 for a decision on a hash that does not exist, 400 for an unknown decision', async () => {
    const auth = { authorization: `Bearer ${reviewer}` };
    expect((await app.inject({ method: 'POST', url: '/v1/review/hashes/999999', headers: auth, payload: { decision: 'confirm' } })).statusCode).toBe(404);
    const bad = await app.inject({ method: 'POST', url: '/v1/review/hashes/1', headers: auth, payload: { decision: 'maybe' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('body.decision');
  });
});

describe('flood quarantine', () => {
  it('holds cases past the threshold from one source for review; a reviewer releases them', async () => {
    // floodMaxCases is 3 in this app; earlier tests in this file already submitted from this address.
    const statuses: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await app.inject({ method: 'POST', url: '/v1/submissions', payload: { hashes: photoHashes(3000 + i) }, remoteAddress: '10.0.0.7' });
      statuses.push(r.json().status);
    }
    expect(statuses).toEqual(['active', 'active', 'active', 'quarantined']);
    expect(await onList('reported', 3003 * 2 + 1)).toBe(false);
    const other = await app.inject({ method: 'POST', url: '/v1/submissions', payload: { hashes: photoHashes(3100) }, remoteAddress: '10.0.0.8' });
    expect(other.json().status).toBe('active');

    const auth = { authorization: `Bearer ${reviewer}` };
    const queue = (await app.inject({ method: 'GET', url: '/v1/review/queue', headers: auth })).json();
    expect(queue.quarantined).toHaveLength(1);
    const r = await app.inject({ method: 'POST', url: `/v1/review/cases/${queue.quarantined[0].caseId}`, headers: auth, payload: { decision: 'release' } });
    expect(r.statusCode).toBe(200);
    expect(await onList('reported', 3003 * 2 + 1)).toBe(true);
  });

  it('lets a victim submit a few dozen photos at once under the default thresholds', async () => {
    const { app: fresh, close: closeFresh } = await testApp();
    try {
      const hashes = Array.from({ length: 48 }, (_, i) => photoHashes(4000 + i)).flat();
      const r = await fresh.inject({ method: 'POST', url: '/v1/submissions', payload: { hashes } });
      expect(r.json()).toMatchObject({ status: 'active', listed: 96 });
    } finally {
      await closeFresh();
    }
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After past N requests a minute per client address', async () => {
    const { app: limited, close: closeLimited } = await testApp({ rateLimit: 3 });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 4; i++) codes.push((await limited.inject({ method: 'GET', url: '/v1/lists', remoteAddress: '10.1.1.1' })).statusCode);
      expect(codes).toEqual([200, 200, 200, 429]);
      const last = await limited.inject({ method: 'GET', url: '/v1/lists', remoteAddress: '10.1.1.1' });
      expect(Number(last.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(last.json().code).toBe('registry/rate-limited');
      // Another address has its own budget; /healthz is never limited.
      expect((await limited.inject({ method: 'GET', url: '/v1/lists', remoteAddress: '10.1.1.2' })).statusCode).toBe(200);
      expect((await limited.inject({ method: 'GET', url: '/healthz', remoteAddress: '10.1.1.1' })).statusCode).toBe(200);
    } finally {
      await closeLimited();
    }
  });
});
