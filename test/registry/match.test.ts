import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { ImageHashes } from '../../shared/hash/types';
import { Matcher } from '../../shared/match/matcher';
import { MemoryListStorage, RegistryClient, matcherSink } from '../../shared/registry/client';
import { createApiKey } from '../../registry/secrets';
import { hex, injectFetch, photoHashes, randomHash, testApp } from './support';

let app: FastifyInstance;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ app, close } = await testApp());
});
afterAll(async () => close());

/** Flips the first n bits of a hex hash. */
function flipBits(h: string, n: number): string {
  const b = Buffer.from(h, 'hex');
  for (let i = 0; i < n; i++) b[i >> 3] ^= 0x80 >> (i & 7);
  return b.toString('hex');
}

async function match(hashes: object[], lists?: string[]) {
  const r = await app.inject({ method: 'POST', url: '/v1/match', payload: lists ? { hashes, lists } : { hashes } });
  expect(r.statusCode).toBe(200);
  return r.json().photos as { photo: number; matches: { list: string; kind: string; distance: number; dihedral?: number; entry: string }[] }[];
}

describe('POST /v1/match', () => {
  it('finds a listed photo, an edited copy within the threshold, and nothing for an unrelated one', async () => {
    const [pdq, bh] = photoHashes(1);
    const sub = (await app.inject({ method: 'POST', url: '/v1/submissions', payload: { hashes: [pdq, bh] } })).json();
    const photos = await match([
      { ...pdq, photo: 0 },
      { ...bh, photo: 0 },
      { ...pdq, hash: flipBits(pdq.hash, 12), photo: 1 },
      { kind: 'pdq', hash: hex(randomHash(999)), quality: 90, photo: 2 },
    ]);
    expect(photos[0].matches).toEqual([{ list: 'reported', kind: 'pdq', distance: 0, dihedral: 0, entry: pdq.hash.slice(0, 8) }]);
    expect(photos[1].matches[0]).toMatchObject({ list: 'reported', kind: 'pdq', distance: 12 });
    expect(photos[2].matches).toEqual([]);

    // Withdrawn: gone from the index at once on this instance.
    await app.inject({ method: 'DELETE', url: `/v1/submissions/${sub.caseId}`, headers: { authorization: `Bearer ${sub.secret}` } });
    expect((await match([pdq]))[0].matches).toEqual([]);
  });

  it('answers per list: a reported entry is not a confirmed match until it is confirmed', async () => {
    const [pdq] = photoHashes(2);
    const a = await createApiKey(app.store, 'reporter', 'a');
    const b = await createApiKey(app.store, 'reporter', 'b');
    const report = (key: string) => app.inject({ method: 'POST', url: '/v1/reports', headers: { authorization: `Bearer ${key}` }, payload: { verdict: 'report', hashes: [pdq] } });
    await report(a.key);
    expect((await match([pdq], ['confirmed']))[0].matches).toEqual([]);
    await report(b.key);
    const both = await match([pdq]);
    expect(both[0].matches.map((m) => m.list).sort()).toEqual(['confirmed', 'reported']);
  });

  it('matches a rotated copy through the query dihedral variants', async () => {
    const [pdq] = photoHashes(3);
    await app.inject({ method: 'POST', url: '/v1/submissions', payload: { hashes: [pdq] } });
    // The query's own hash is unrelated; its rot90 variant is the listed hash.
    const query = [
      { kind: 'pdq', hash: hex(randomHash(31337)), quality: 90 },
      { kind: 'pdq', hash: pdq.hash, quality: 90, dihedral: 'rot90' },
    ];
    const [photo] = await match(query);
    expect(photo.matches[0]).toMatchObject({ kind: 'pdq', distance: 0, dihedral: 1 });
  });

  it('refuses a query with image data or a bad field like every other route', async () => {
    const r = await app.inject({ method: 'POST', url: '/v1/match', payload: { hashes: [{ kind: 'pdq', hash: 'xyz', quality: 90 }] } });
    expect(r.statusCode).toBe(400);
    expect(r.json().field).toBe('body.hashes.0.hash');
    const img = await app.inject({ method: 'POST', url: '/v1/match', headers: { 'content-type': 'image/png' }, payload: Buffer.alloc(10) });
    expect(img.statusCode).toBe(415);
  });
});

describe('client feeding the shared Matcher', () => {
  it('gives a client-side Matcher the same verdicts as /v1/match', async () => {
    const [pdq, bh] = photoHashes(4);
    await app.inject({ method: 'POST', url: '/v1/submissions', payload: { hashes: [pdq, bh] } });
    const matcher = new Matcher();
    const client = new RegistryClient({ baseUrl: 'http://r.test', publicKeys: [app.keys.current.publicKey], fetch: injectFetch(app), storage: new MemoryListStorage(), sink: matcherSink(matcher) });
    await client.sync();
    const query: ImageHashes = { pdq: Uint8Array.from(Buffer.from(flipBits(pdq.hash, 5), 'hex')), quality: 90, pdqDihedral: [], blockhash: Uint8Array.from(Buffer.from(bh.hash, 'hex')), width: 1, height: 1 };
    // Whatever the shared policy prefers, the local Matcher and the registry must agree.
    const agree = async (localQuery: typeof query, remoteHashes: object[]) => {
      const local = matcher.match(localQuery);
      const [remote] = await match(remoteHashes);
      expect(local).not.toBeNull();
      expect(remote.matches).toHaveLength(1);
      expect({ list: remote.matches[0].list, kind: remote.matches[0].kind, distance: remote.matches[0].distance }).toEqual({
        list: local!.entry.list,
        kind: local!.kind,
        distance: local!.distance,
      });
    };
    await agree(query, [{ ...pdq, hash: flipBits(pdq.hash, 5) }, bh]);
    await agree({ ...query, blockhash: new Uint8Array(0) }, [{ ...pdq, hash: flipBits(pdq.hash, 5) }]);
    expect(matcher.match({ ...query, blockhash: new Uint8Array(0) })).toMatchObject({ kind: 'pdq', distance: 5 });
  });
});
