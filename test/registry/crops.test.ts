import { checkHashUsable } from '../../shared/hash/gates';
/**
 * Crop hashes (kind 'pdq-crop', kind table 2) end to end: a photo's crop hashes are submitted,
 * listed as kind 3, fed by the sync client to the shared Matcher, which then finds a cropped
 * copy that PDQ alone misses; /v1/match finds it too; the case status counts them; withdrawal
 * takes them off. Synthetic photos (photoLike), SQLite.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { decodeImage } from '../../node/decode';
import { computeHashesFromRgba } from '../../shared/hash/compute';
import type { ImageHashes } from '../../shared/hash/types';
import { Matcher } from '../../shared/match/matcher';
import { DEFAULT_MATCH_POLICY, withPolicy } from '../../shared/match/policy';
import { MemoryListStorage, RegistryClient, matcherSink } from '../../shared/registry/client';
import { KIND_IDS, ListFile, ListRecordsWriter, encodeListFile, kindFromId } from '../../shared/registry/listFormat';
import { imageHashesToJson, queryHashesToJson, type HashJson } from '../../shared/registry/wire';
import { photoLike, rawSharp } from '../support/images';
import { RecordingSink, hex, injectFetch, randomHash, testApp } from './support';

const W = 640;
const H = 480;
/** The copy keeps the centre: 12% cut off each side. */
const CUT = 0.12;

let app: FastifyInstance;
let close: () => Promise<void>;
let photo: ImageHashes;
let cropped: ImageHashes;
let unrelated: ImageHashes;
let sent: HashJson[];

async function hashJpeg(jpeg: Buffer, registration = false): Promise<ImageHashes> {
  return computeHashesFromRgba(await decodeImage(new Uint8Array(jpeg)), undefined, { registration });
}

beforeAll(async () => {
  ({ app, close } = await testApp({ floodMaxCases: 0, floodMaxHashes: 0 }));
  const jpeg = await rawSharp(photoLike(W, H, 5)).jpeg({ quality: 90 }).toBuffer();
  photo = await hashJpeg(jpeg, true);
  const [l, t] = [Math.round(W * CUT), Math.round(H * CUT)];
  cropped = await hashJpeg(await sharp(jpeg).extract({ left: l, top: t, width: W - 2 * l, height: H - 2 * t }).jpeg({ quality: 90 }).toBuffer());
  unrelated = await hashJpeg(await rawSharp(photoLike(W, H, 6)).jpeg({ quality: 90 }).toBuffer());
  // What the protect page sends for its first photo (registrationHashesJson).
  sent = imageHashesToJson(photo, 0, false);
});
afterAll(async () => close());

async function match(hashes: HashJson[]) {
  const r = await app.inject({ method: 'POST', url: '/v1/match', payload: { hashes } });
  expect(r.statusCode).toBe(200);
  return (r.json().photos as { photo: number; matches: { list: string; kind: string; distance: number; dihedral?: number }[] }[])[0].matches;
}

async function snapshotRecords(): Promise<{ kind: string | undefined; hash: string; quality: number | undefined }[]> {
  const r = await app.inject({ method: 'GET', url: '/v1/lists/reported/snapshot' });
  const file = await ListFile.fromBytes(new Uint8Array(r.rawPayload), [app.keys.current.publicKey]);
  expect(file.header.kindTableVersion).toBe(2);
  return Array.from({ length: file.count }, (_, i) => ({ kind: kindFromId(file.kindIdAt(i)), hash: hex(file.hashAt(i)), quality: file.qualityAt(i) }));
}

const PDQ_ONLY = withPolicy({ pdqCrop: { ...DEFAULT_MATCH_POLICY.pdqCrop, enabled: false } });

describe('imageHashesToJson: crop hashes', () => {
  it("sends a registered photo's crop hashes once each, with their quality, after its PDQs and blockhash", () => {
    const crops = sent.filter((h) => h.kind === 'pdq-crop');
    expect(sent.slice(0, 5).map((h) => h.kind)).toEqual(['pdq', 'pdq', 'pdq', 'pdq', 'blockhash']);
    expect(sent.slice(5).every((h) => h.kind === 'pdq-crop')).toBe(true);
    expect(crops.map((h) => h.hash)).toEqual([...new Set(photo.crops!.map((c) => hex(c.hash)))]);
    expect(crops.length).toBeGreaterThan(20);
    // The whole photo first, equal to the photo's own crop hash.
    expect(crops[0]).toEqual({ kind: 'pdq-crop', hash: hex(photo.cropHash!.hashes[0]), quality: photo.cropHash!.quality, photo: 0 });
    expect(crops.every((h) => h.photo === 0 && h.dihedral === undefined && h.quality! >= 50)).toBe(true);
  });

  it("sends a query's own crop hash with its dihedral variants, and queryHashesToJson adds its views' crop hashes", () => {
    const q = imageHashesToJson(cropped);
    const crops = q.filter((h) => h.kind === 'pdq-crop');
    expect(crops.map((h) => h.dihedral)).toEqual([undefined, 'rot90', 'rot180', 'rot270', 'flipx', 'flipy', 'flip_plus1', 'flip_minus1']);
    expect(crops.map((h) => h.hash)).toEqual(cropped.cropHash!.hashes.map(hex));
    expect(imageHashesToJson(cropped, undefined, false).filter((h) => h.kind === 'pdq-crop')).toHaveLength(1);
    const withViews = queryHashesToJson(cropped);
    const views = withViews.slice(q.length);
    expect(views.length).toBeGreaterThan(0);
    expect(views.every((h) => h.kind === 'pdq-crop' && h.dihedral === undefined && !('photo' in h))).toBe(true);
    // Each usable view crop hash once (a view can be too plain for the gates).
    const usable = cropped.views!.map((v) => v.hashes.cropHash!).filter((c) => checkHashUsable('pdq-crop', c.hashes[0], c.quality).usable);
    expect(views.map((h) => h.hash)).toEqual(usable.map((c) => hex(c.hashes[0])).filter((x, i, all) => all.indexOf(x) === i));
  });
});

describe('crop hashes through the registry', () => {
  let caseId: string;
  let secret: string;
  const matcher = new Matcher();
  let client: RegistryClient;

  it('accepts them, lists them as kind 3 with their quality, and the case status counts them', async () => {
    const r = await app.inject({ method: 'POST', url: '/v1/submissions', payload: { hashes: sent } });
    expect(r.statusCode).toBe(201);
    ({ caseId, secret } = r.json());
    expect(r.json()).toMatchObject({ status: 'active', listed: sent.length });

    const records = await snapshotRecords();
    const crops = records.filter((x) => x.kind === 'pdq-crop');
    expect(crops.map((x) => `${x.hash}:${x.quality}`).sort()).toEqual(
      sent.filter((h) => h.kind === 'pdq-crop').map((h) => `${h.hash}:${h.quality}`).sort(),
    );
    expect(records.filter((x) => x.kind === 'pdq')).toHaveLength(4);
    expect(records.filter((x) => x.kind === 'blockhash')).toHaveLength(1);

    const status = (await app.inject({ method: 'GET', url: `/v1/submissions/${caseId}`, headers: { authorization: `Bearer ${secret}` } })).json();
    expect(status).toMatchObject({ status: 'active', hashes: sent.length, lists: ['reported'] });
    expect(status.photos).toEqual([{ photo: 0, hashes: sent.length, lists: ['reported'], state: 'listed' }]);
  });

  it('a client loading the list matches a copy cropped 12% per side by its crop hashes; PDQ alone does not', async () => {
    client = new RegistryClient({ baseUrl: 'http://registry.test', publicKeys: [app.keys.current.publicKey], fetch: injectFetch(app), storage: new MemoryListStorage(), sink: matcherSink(matcher) });
    await client.sync();
    expect(matcher.sizeOf('pdq-crop')).toBe(sent.filter((h) => h.kind === 'pdq-crop').length);
    expect(matcher.match(photo)).toMatchObject({ kind: 'pdq', distance: 0 });
    const hit = matcher.match(cropped);
    expect(hit).toMatchObject({ kind: 'pdq-crop', entry: { list: 'reported' } });
    expect(hit!.distance).toBeLessThanOrEqual(DEFAULT_MATCH_POLICY.pdqCrop.threshold);
    expect(matcher.match(cropped, PDQ_ONLY)).toBeNull();
    expect(matcher.match(unrelated)).toBeNull();
  });

  it('/v1/match finds the cropped copy from its crop hash and its views, and not from its PDQ alone', async () => {
    const found = await match(queryHashesToJson(cropped));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ list: 'reported', kind: 'pdq-crop' });
    // The registry's index and the client's Matcher agree.
    const local = matcher.match(cropped)!;
    expect({ kind: found[0].kind, distance: found[0].distance }).toEqual({ kind: local.kind, distance: local.distance });
    expect(await match(imageHashesToJson(cropped).filter((h) => h.kind !== 'pdq-crop'))).toEqual([]);
    expect(await match(queryHashesToJson(unrelated))).toEqual([]);
  });

  it('/v1/match takes crop dihedral variants, and further crop hashes as views of the photo', async () => {
    const listed = sent.find((h) => h.kind === 'pdq-crop' && h !== sent.find((x) => x.kind === 'pdq-crop'))!;
    const other = { kind: 'pdq-crop' as const, hash: hex(randomHash(4242)), quality: 90 };
    expect(await match([other])).toEqual([]);
    // The query's own crop hash is unrelated; its rot90 variant is a listed crop.
    expect((await match([other, { ...listed, photo: undefined, dihedral: 'rot90' }]))[0]).toMatchObject({ kind: 'pdq-crop', distance: 0, dihedral: 1 });
    // A second crop hash without a variant: one of the query's crops, tried as a view.
    expect((await match([other, { ...listed, photo: undefined }]))[0]).toMatchObject({ kind: 'pdq-crop', distance: 0, dihedral: 0 });
  });

  it('refuses a crop hash without a quality, as a PDQ', async () => {
    const r = await app.inject({ method: 'POST', url: '/v1/submissions', payload: { hashes: [{ kind: 'pdq-crop', hash: hex(randomHash(77)) }] } });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ code: 'hash/low-quality', field: 'body.hashes.0' });
  });

  it('withdrawing the case takes the crop hashes off the list, for clients and /v1/match', async () => {
    const del = await app.inject({ method: 'DELETE', url: `/v1/submissions/${caseId}`, headers: { authorization: `Bearer ${secret}` } });
    expect(del.json().photos).toEqual([{ photo: 0, hashes: sent.length, lists: [], state: 'withdrawn' }]);
    expect(await snapshotRecords()).toEqual([]);
    await client.sync();
    expect(matcher.sizeOf('pdq-crop')).toBe(0);
    expect(matcher.match(cropped)).toBeNull();
    expect(await match(queryHashesToJson(cropped))).toEqual([]);
  });
});

describe('kind table', () => {
  it('a reader applies a file with records of a kind it does not know and feeds only the kinds it knows', async () => {
    // Kind id 4 stands for what pdq-crop (id 3) is to a reader with kind table 1.
    const unknownKind = Math.max(...Object.values(KIND_IDS)) + 1;
    expect(kindFromId(unknownKind)).toBeUndefined();
    const w = new ListRecordsWriter();
    w.add('pdq', randomHash(1), 90, 1);
    w.add('blockhash', randomHash(2), undefined, 2);
    w.add('pdq-crop', randomHash(3), 80, 3);
    w.add(unknownKind, randomHash(4), 80, 4);
    const file = await encodeListFile({ type: 'snapshot', list: 'reported', toSeq: 4, records: w }, app.keys.current);
    const sink = new RecordingSink();
    const reader = new RegistryClient({
      baseUrl: 'http://registry.test',
      publicKeys: [app.keys.current.publicKey],
      lists: ['reported'],
      fetch: injectFetch(app, { tamper: (url, body) => (url.startsWith('/v1/lists/reported') ? file : body) }),
      storage: new MemoryListStorage(),
      sink,
    });
    const status = await reader.sync();
    expect(status.lists[0]).toMatchObject({ list: 'reported', seq: 4, count: 4, lastError: null });
    expect([...sink.entries.values()].map((e) => e.kind).sort()).toEqual(['blockhash', 'pdq', 'pdq-crop']);
  });
});
