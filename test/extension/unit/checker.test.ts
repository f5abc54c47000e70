import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { decodeImage } from '../../../node/decode';
import { computeHashesFromRgba } from '../../../shared/hash/compute';
import { Matcher } from '../../../shared/match/matcher';
import { imageHashesToJson } from '../../../shared/registry/wire';
import { hexToBytes } from '../../../shared/hex';
import { ImageChecker, readLimited, type CheckerIndex } from '../../../extension/lib/background/checker';
import { makeFixtures, type Fixtures } from '../support/fixtures';
import { startTestSite, type TestSite } from '../support/site';

/**
 * The background's checker with the real pipeline (sharp decoding stands in for the browser's
 * decoder, the hashing and the Matcher are the shared ones) against a real HTTP server.
 */
describe('ImageChecker', () => {
  let fx: Fixtures;
  let site: TestSite;
  let index: CheckerIndex & { epoch: number; entryCount: number };
  let idle = 0;

  const checker = (opts: { concurrentFetches?: number; cacheSize?: number; maxBytes?: number } = {}) =>
    new ImageChecker({
      index,
      fetch: globalThis.fetch,
      decode: (bytes) => decodeImage(bytes),
      hash: (img) => computeHashesFromRgba(img),
      onIdle: () => idle++,
      maxBytes: opts.maxBytes ?? 5 * 1024 * 1024,
      concurrentFetches: opts.concurrentFetches ?? 4,
      cacheSize: opts.cacheSize ?? 100,
      fetchTimeoutMs: 10_000,
    });
  const hitsOf = (path: string) => site.hits.filter((h) => h.startsWith(path)).length;

  beforeAll(async () => {
    fx = await makeFixtures(2);
    site = await startTestSite();
    site.file('/listed.jpg', fx.listed, 'image/jpeg');
    site.file('/listed-q55.jpg', fx.listedQ55, 'image/jpeg');
    site.file('/other.jpg', fx.others[0], 'image/jpeg');
    site.file('/slow.jpg', fx.others[1], 'image/jpeg', 150);
    site.file('/page.html', new TextEncoder().encode('<p>not an image</p>'), 'text/html');
    const matcher = new Matcher();
    for (const [i, h] of imageHashesToJson(fx.listedHashes, undefined, false).entries()) {
      matcher.add({ id: i, kind: h.kind, hash: hexToBytes(h.hash), quality: h.quality, list: 'reported' });
    }
    index = {
      ready: Promise.resolve(),
      epoch: 1,
      entryCount: matcher.size,
      match: (hashes) => {
        const m = matcher.match(hashes);
        return m ? { subscription: 'test', list: m.entry.list, entry: m.entry } : null;
      },
    };
  }, 60_000);
  afterAll(() => site?.close());
  beforeEach(() => {
    index.epoch++;
    index.entryCount = 2;
  });

  it('finds the listed photo and an edited copy, and clears an unrelated photo', async () => {
    const c = checker();
    expect((await c.check(`${site.origin}/listed.jpg`)).verdict).toEqual({ verdict: 'listed', list: 'reported' });
    expect((await c.check(`${site.origin}/listed-q55.jpg`)).verdict).toEqual({ verdict: 'listed', list: 'reported' });
    expect((await c.check(`${site.origin}/other.jpg`)).verdict).toEqual({ verdict: 'clear' });
  });

  it('names the matched entry, for "This is not a leaked photo"', async () => {
    const { hit } = await checker().check(`${site.origin}/listed.jpg?entry`);
    expect(hit?.subscription).toBe('test');
    expect(hit?.entry.list).toBe('reported');
  });

  it('remembers a verdict per URL: the second sighting fetches nothing', async () => {
    const c = checker();
    const url = `${site.origin}/other.jpg?twice`;
    await c.check(url);
    await c.check(url);
    expect(hitsOf('/other.jpg?twice')).toBe(1);
  });

  it('fetches once for concurrent checks of one URL', async () => {
    const c = checker();
    const url = `${site.origin}/slow.jpg?together`;
    const [a, b] = await Promise.all([c.check(url), c.check(url)]);
    expect(a.verdict).toEqual(b.verdict);
    expect(hitsOf('/slow.jpg?together')).toBe(1);
  });

  it('forgets every verdict when the lists change (epoch)', async () => {
    const c = checker();
    const url = `${site.origin}/other.jpg?epoch`;
    await c.check(url);
    index.epoch++;
    await c.check(url);
    expect(hitsOf('/other.jpg?epoch')).toBe(2);
  });

  it('keeps at most cacheSize verdicts, dropping the least recently used', async () => {
    const c = checker({ cacheSize: 2 });
    for (const q of ['a', 'b', 'a', 'c', 'a']) await c.check(`${site.origin}/other.jpg?lru-${q}`);
    expect(['a', 'b', 'c'].map((q) => hitsOf(`/other.jpg?lru-${q}`))).toEqual([1, 1, 1]);
    await c.check(`${site.origin}/other.jpg?lru-b`);
    expect(hitsOf('/other.jpg?lru-b')).toBe(2);
  });

  it('fetches nothing while no list holds an entry', async () => {
    index.entryCount = 0;
    expect((await checker().check(`${site.origin}/listed.jpg?empty`)).verdict).toEqual({ verdict: 'clear' });
    expect(hitsOf('/listed.jpg?empty')).toBe(0);
  });

  it('keeps at most concurrentFetches requests in flight', async () => {
    const c = checker({ concurrentFetches: 2 });
    await Promise.all([1, 2, 3, 4, 5, 6].map((i) => c.check(`${site.origin}/slow.jpg?flight-${i}`)));
    expect(site.maxInFlight).toBeLessThanOrEqual(2);
  });

  it.each([
    ['/missing.jpg', 'io/read-failed'],
    ['/page.html', 'image/unsupported-format'],
  ])('leaves %s unchecked with %s', async (path, reason) => {
    expect((await checker().check(`${site.origin}${path}`)).verdict).toEqual({ verdict: 'unchecked', reason });
  });

  it('refuses a response over the size limit', async () => {
    const c = checker({ maxBytes: 1000 });
    expect((await c.check(`${site.origin}/listed.jpg?big`)).verdict).toEqual({ verdict: 'unchecked', reason: 'image/too-large-bytes' });
  });

  it('wipes its scratch once the queue is empty', async () => {
    const before = idle;
    await checker().check(`${site.origin}/other.jpg?idle`);
    expect(idle).toBeGreaterThan(before);
  });

  it('checks bytes handed over directly (blob: images)', async () => {
    expect((await checker().checkBytes(new Uint8Array(fx.listedSmall))).verdict).toEqual({ verdict: 'listed', list: 'reported' });
  });
});

describe('readLimited', () => {
  const streamed = (chunks: number[]) =>
    new Response(
      new ReadableStream<Uint8Array>({
        start(ctrl) {
          for (const n of chunks) ctrl.enqueue(new Uint8Array(n).fill(7));
          ctrl.close();
        },
      }),
    );

  it('returns the whole body within the limit', async () => {
    expect(await readLimited(streamed([3, 4]), 7)).toEqual(new Uint8Array(7).fill(7));
  });

  it('stops a body without Content-Length as soon as it passes the limit', async () => {
    await expect(readLimited(streamed([4, 4]), 7)).rejects.toMatchObject({ code: 'image/too-large-bytes' });
  });

  it('refuses a declared Content-Length over the limit before reading', async () => {
    const res = new Response(new Uint8Array(10), { headers: { 'content-length': '10' } });
    await expect(readLimited(res, 5)).rejects.toMatchObject({ code: 'image/too-large-bytes' });
  });
});
