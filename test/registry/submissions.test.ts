import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { DEFAULT_REGISTRY_CONFIG } from '../../registry/config';
import { hex, photoHashes, randomHash, testApp } from './support';

let app: FastifyInstance;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ app, close } = await testApp({ maxHashesPerRequest: 30, floodMaxCases: 0, floodMaxHashes: 0 }));
});
afterAll(async () => close());

async function submit(payload: unknown) {
  return app.inject({ method: 'POST', url: '/v1/submissions', payload: payload as object });
}

describe('POST /v1/submissions', () => {
  it('stores hashes and answers 201 with a case id and a one-time secret', async () => {
    const r = await submit({ hashes: [...photoHashes(1), ...photoHashes(2)] });
    expect(r.statusCode).toBe(201);
    const body = r.json();
    expect(body.caseId).toMatch(/^case_/);
    expect(body.secret.length).toBeGreaterThanOrEqual(40);
    expect(body).toMatchObject({ status: 'active', listed: 4 });
  });

  it('accepts dihedral variants but lists only the hashes of the images as they are', async () => {
    const variants = ['rot90', 'rot180', 'rot270', 'flipx', 'flipy', 'flip_plus1', 'flip_minus1'].map((d, i) => ({
      kind: 'pdq',
      hash: hex(randomHash(500 + i)),
      quality: 80,
      dihedral: d,
    }));
    const r = await submit({ hashes: [...photoHashes(3), ...variants] });
    expect(r.statusCode).toBe(201);
    expect(r.json().listed).toBe(2);
  });

  it('never keeps the secret in the database, only a scrypt hash', async () => {
    const r = await submit({ hashes: photoHashes(4) });
    const { caseId, secret } = r.json();
    const row = await app.store.getCase(caseId);
    expect(row!.secretHash).toMatch(/^scrypt\$/);
    expect(row!.secretHash).not.toContain(secret);
  });

  it.each([
    ['a missing hashes field', {}, 'body.hashes'],
    ['an empty list', { hashes: [] }, 'body.hashes'],
    ['a hash that is not hex', { hashes: [{ kind: 'pdq', hash: 'zz', quality: 90 }] }, 'body.hashes.0.hash'],
    ['a number where the hash belongs', { hashes: [{ kind: 'pdq', hash: 12, quality: 90 }] }, 'body.hashes.0.hash'],
    ['quality as a string', { hashes: [{ kind: 'pdq', hash: hex(randomHash(9)), quality: '90' }] }, 'body.hashes.0.quality'],
    ['an unknown kind', { hashes: [{ kind: 'md5', hash: hex(randomHash(9)) }] }, 'body.hashes.0.kind'],
    ['an unknown field', { hashes: [{ kind: 'blockhash', hash: hex(randomHash(9)), colour: 'red' }] }, 'body.hashes.0.colour'],
  ])('answers 400 naming the field for %s', async (_what, payload, field) => {
    const r = await submit(payload);
    expect(r.statusCode).toBe(400);
    expect(r.json().field).toBe(field);
  });

  it('answers 400 for malformed JSON', async () => {
    const r = await app.inject({ method: 'POST', url: '/v1/submissions', headers: { 'content-type': 'application/json' }, payload: '{"hashes": [' });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'registry/invalid-json', field: 'body' });
  });

  it('refuses a low-quality PDQ with the reason', async () => {
    const r = await submit({ hashes: [{ kind: 'pdq', hash: hex(randomHash(10)), quality: 20 }] });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'hash/low-quality', field: 'body.hashes.0' });
    expect(r.json().message).toContain('quality 20');
  });

  it('refuses a PDQ without quality', async () => {
    const r = await submit({ hashes: [{ kind: 'pdq', hash: hex(randomHash(10)) }] });
    expect(r.json().code).toBe('hash/low-quality');
  });

  it('refuses a degenerate hash with the reason', async () => {
    const r = await submit({ hashes: [photoHashes(11)[0], { kind: 'blockhash', hash: 'ff'.repeat(31) + 'fe' }] });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'hash/degenerate', field: 'body.hashes.1' });
  });

  it('refuses more hashes than configured per submission', async () => {
    const hashes = Array.from({ length: 16 }, (_, i) => photoHashes(100 + i)).flat();
    const r = await submit({ hashes });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'registry/too-many-hashes', field: 'body.hashes' });
  });

  it.each([
    ['image/jpeg', Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10])],
    ['multipart/form-data; boundary=x', Buffer.from('--x\r\nContent-Disposition: form-data; name="file"\r\n\r\nabc\r\n--x--')],
    ['application/octet-stream', Buffer.alloc(64)],
  ])('refuses an upload as %s: only hashes are accepted', async (type, payload) => {
    const r = await app.inject({ method: 'POST', url: '/v1/submissions', headers: { 'content-type': type }, payload });
    expect(r.statusCode).toBe(415);
    expect(r.json().code).toBe('registry/image-data');
    expect(r.json().message).toMatch(/only hashes/i);
  });

  it.each([
    ['a base64 image field', { image: 'iVBORw0KGgo'.repeat(40), hashes: photoHashes(12) }],
    ['a data URI', { hashes: photoHashes(12), photo: 'data:image/png;base64,AAAA' }],
    ['a long string inside a hash item', { hashes: [{ ...photoHashes(12)[1], hash: 'ab'.repeat(200) }] }],
  ])('refuses JSON carrying %s with a clear error', async (_what, payload) => {
    const r = await submit(payload);
    expect(r.statusCode).toBe(415);
    expect(r.json().code).toBe('registry/image-data');
  });

  it('refuses a body over the size limit with 413 and says only hashes are accepted', async () => {
    const r = await app.inject({ method: 'POST', url: '/v1/submissions', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ hashes: [], pad: 'x'.repeat(DEFAULT_REGISTRY_CONFIG.bodyLimit) }) });
    expect(r.statusCode).toBe(413);
    expect(r.json().message).toMatch(/only hashes/i);
  });
});

describe('GET and DELETE /v1/submissions/{caseId}', () => {
  it('reads the status with the secret, and withdrawal takes the hashes off every list', async () => {
    const { caseId, secret } = (await submit({ hashes: photoHashes(20) })).json();
    const auth = { authorization: `Bearer ${secret}` };
    let r = await app.inject({ method: 'GET', url: `/v1/submissions/${caseId}`, headers: auth });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ caseId, status: 'active', hashes: 2, lists: ['reported'] });
    r = await app.inject({ method: 'DELETE', url: `/v1/submissions/${caseId}`, headers: auth });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ status: 'withdrawn', lists: [] });
    r = await app.inject({ method: 'GET', url: `/v1/submissions/${caseId}`, headers: auth });
    expect(r.json().status).toBe('withdrawn');
  });

  it('answers the same 401 for a wrong secret, a missing secret and an unknown case', async () => {
    const { caseId } = (await submit({ hashes: photoHashes(21) })).json();
    const answers = await Promise.all([
      app.inject({ method: 'GET', url: `/v1/submissions/${caseId}`, headers: { authorization: 'Bearer wrong' } }),
      app.inject({ method: 'GET', url: `/v1/submissions/${caseId}` }),
      app.inject({ method: 'GET', url: '/v1/submissions/case_doesnotexist00', headers: { authorization: 'Bearer wrong' } }),
      app.inject({ method: 'DELETE', url: `/v1/submissions/${caseId}`, headers: { authorization: 'Bearer wrong' } }),
    ]);
    for (const r of answers) {
      expect(r.statusCode).toBe(401);
      expect(r.body).toBe(answers[0].body);
    }
    const row = await app.store.getCase(caseId);
    expect(row!.status).toBe('active');
  });
});

describe('GET /v1/submissions/{caseId}: each photo', () => {
  const withPhoto = (photo: number | undefined, seed: number) => photoHashes(seed).map((h) => (photo === undefined ? h : { ...h, photo }));
  const read = async (caseId: string, secret: string) => (await app.inject({ method: 'GET', url: `/v1/submissions/${caseId}`, headers: { authorization: `Bearer ${secret}` } })).json();
  const hashIdsOf = async (caseId: string, photo: number) =>
    (await app.store.db.all('SELECT hash_id FROM case_photo_hashes WHERE case_id = ? AND photo = ? ORDER BY hash_id', [caseId, photo])).map((r) => Number(r.hash_id));

  it('answers each photo by its index with its hash count, lists and state; dihedral variants are not counted', async () => {
    const variant = { kind: 'pdq', hash: hex(randomHash(700)), quality: 80, dihedral: 'rot90', photo: 1 };
    const { caseId, secret } = (await submit({ hashes: [...withPhoto(0, 30), ...withPhoto(1, 31), variant, ...withPhoto(2, 32)] })).json();
    const body = await read(caseId, secret);
    expect(body.photos).toEqual([
      { photo: 0, hashes: 2, lists: ['reported'], state: 'listed' },
      { photo: 1, hashes: 2, lists: ['reported'], state: 'listed' },
      { photo: 2, hashes: 2, lists: ['reported'], state: 'listed' },
    ]);
  });

  it('hashes without a photo index belong to photo 0, and a hash sent for two photos counts for both', async () => {
    let { caseId, secret } = (await submit({ hashes: withPhoto(undefined, 33) })).json();
    expect((await read(caseId, secret)).photos).toEqual([{ photo: 0, hashes: 2, lists: ['reported'], state: 'listed' }]);
    const shared = { ...photoHashes(34)[1] };
    ({ caseId, secret } = (await submit({ hashes: [...withPhoto(0, 35), { ...shared, photo: 0 }, { ...shared, photo: 4 }] })).json());
    const photos = (await read(caseId, secret)).photos;
    expect(photos.map((p: { photo: number; hashes: number }) => [p.photo, p.hashes])).toEqual([
      [0, 3],
      [4, 1],
    ]);
  });

  it("follows reviewers' decisions on a photo's hashes: confirmed adds a list, rejecting every hash makes the photo rejected", async () => {
    const { caseId, secret } = (await submit({ hashes: [...withPhoto(0, 36), ...withPhoto(1, 37)] })).json();
    for (const id of await hashIdsOf(caseId, 0)) await app.store.reviewHash(id, 'confirmed', Date.now());
    const one = await hashIdsOf(caseId, 1);
    await app.store.reviewHash(one[0], 'rejected', Date.now());
    let photos = (await read(caseId, secret)).photos;
    expect(photos[0]).toEqual({ photo: 0, hashes: 2, lists: ['reported', 'confirmed'], state: 'listed' });
    // One hash of the photo is still listed, so the photo is.
    expect(photos[1]).toEqual({ photo: 1, hashes: 2, lists: ['reported'], state: 'listed' });
    await app.store.reviewHash(one[1], 'rejected', Date.now());
    photos = (await read(caseId, secret)).photos;
    expect(photos[1]).toEqual({ photo: 1, hashes: 2, lists: [], state: 'rejected' });
  });

  it('shows every photo of a withdrawn case withdrawn and on no list, in the DELETE answer and afterwards', async () => {
    const { caseId, secret } = (await submit({ hashes: [...withPhoto(0, 38), ...withPhoto(1, 39), ...withPhoto(2, 40)] })).json();
    const del = await app.inject({ method: 'DELETE', url: `/v1/submissions/${caseId}`, headers: { authorization: `Bearer ${secret}` } });
    const expected = [0, 1, 2].map((photo) => ({ photo, hashes: 2, lists: [], state: 'withdrawn' }));
    expect(del.json().photos).toEqual(expected);
    expect((await read(caseId, secret)).photos).toEqual(expected);
    // Withdrawal unlinks the case from its hashes; only the per-photo counts remain.
    expect(await hashIdsOf(caseId, 0)).toEqual([]);
  });

  it('shows a quarantined case\'s photos held, and rejected once a reviewer rejects the case', async () => {
    const t = await testApp({ floodMaxCases: 1, floodMaxHashes: 0 });
    try {
      await t.app.inject({ method: 'POST', url: '/v1/submissions', payload: { hashes: withPhoto(0, 41) } });
      const r = await t.app.inject({ method: 'POST', url: '/v1/submissions', payload: { hashes: [...withPhoto(0, 42), ...withPhoto(1, 43)] } });
      const { caseId, secret, status } = r.json();
      expect(status).toBe('quarantined');
      const get = async () => (await t.app.inject({ method: 'GET', url: `/v1/submissions/${caseId}`, headers: { authorization: `Bearer ${secret}` } })).json().photos;
      expect(await get()).toEqual([0, 1].map((photo) => ({ photo, hashes: 2, lists: [], state: 'quarantined' })));
      await t.app.store.setCaseStatus(caseId, 'rejected', Date.now());
      expect(await get()).toEqual([0, 1].map((photo) => ({ photo, hashes: 2, lists: [], state: 'rejected' })));
    } finally {
      await t.close();
    }
  });

  it('answers no photos for a case stored before photos were recorded', async () => {
    const { caseId, secret } = (await submit({ hashes: withPhoto(0, 44) })).json();
    await app.store.db.run('DELETE FROM case_photos WHERE case_id = ?', [caseId]);
    await app.store.db.run('DELETE FROM case_photo_hashes WHERE case_id = ?', [caseId]);
    expect(await read(caseId, secret)).toMatchObject({ status: 'active', hashes: 2, lists: ['reported'], photos: [] });
  });

  it('documents the photos in the OpenAPI answer schema', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/v1/openapi.json' })).json();
    const schema = doc.paths['/v1/submissions/{caseId}'].get.responses['200'].content['application/json'].schema;
    expect(Object.keys(schema.properties.photos.items.properties).sort()).toEqual(['hashes', 'lists', 'photo', 'state']);
  });
});

describe('other routes', () => {
  it('answers 404 for unknown routes', async () => {
    const r = await app.inject({ method: 'GET', url: '/v1/nothing-here' });
    expect(r.statusCode).toBe(404);
    expect(r.json().code).toBe('registry/not-found');
  });

  it('serves the OpenAPI document and the API page', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/v1/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/submissions', '/v1/submissions/{caseId}', '/v1/match', '/v1/lists/{list}/delta']));
    const page = await app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
  });

  it('answers /healthz and /metrics in the Prometheus text format', async () => {
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok', database: 'sqlite' });
    const m = await app.inject({ method: 'GET', url: '/metrics' });
    expect(m.headers['content-type']).toContain('text/plain');
    expect(m.body).toMatch(/^# TYPE veil_http_requests_total counter$/m);
    expect(m.body).toMatch(/^veil_list_entries\{list="reported"\} \d+$/m);
  });
});
