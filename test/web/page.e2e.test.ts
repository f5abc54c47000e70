import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, BrowserContext, FileChooser, Page } from 'playwright-core';
import sharp from 'sharp';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { protectEn, protectZhCN } from '../../extension/lib/protect/messages';
import { decodeImage } from '../../node/decode';
import { registrationHashesJson } from '../../extension/lib/protect/hashFile';
import { buildRegistryApp } from '../../registry/app';
import { PAGE_CSP } from '../../registry/routes/web/index';
import { computeHashesFromRgba } from '../../shared/hash/compute';
import { HASH_KINDS } from '../../shared/hash/types';
import { hexToBytes } from '../../shared/hex';
import { hammingDistance } from '../../shared/match/hamming';
import type { CaseStatusResponse, HashJson } from '../../shared/registry/wire';
import { hasChromium, launchChromium } from '../support/chromium';
import { itIfAvailable } from '../support/env';
import { photoLike } from '../support/images';

/**
 * The victims' page end to end: Vite builds web/ into dist/web/ (as `npm run build:web` does),
 * the real registry serves it on 127.0.0.1, and headless Chromium picks photos through the file
 * input, hashes them in the page's worker, submits, reads the case back and withdraws it. Every
 * request the browser makes is recorded: only the page's own files and JSON of hashes go out.
 */
const it = itIfAvailable(hasChromium, 'Debian chromium (/usr/bin/chromium)');

interface Seen {
  method: string;
  url: string;
  body: Buffer | null;
}

let app: FastifyInstance;
let base: string;
let dataDir: string;
let browser: Browser;
const photos: { name: string; mimeType: string; buffer: Buffer }[] = [];
let corrupt: { name: string; mimeType: string; buffer: Buffer };
let tiff: { name: string; mimeType: string; buffer: Buffer };
let flat: { name: string; mimeType: string; buffer: Buffer };

beforeAll(async () => {
  await build({ configFile: join(import.meta.dirname, '../../web/vite.config.ts'), logLevel: 'silent' });
  dataDir = mkdtempSync(join(tmpdir(), 'veil-web-registry-'));
  // Built after the page, so the web routes find it; rate limit off (the page makes few requests
  // but tests share an address).
  app = await buildRegistryApp({ dataDir, logger: false, rateLimit: 0, matchIndex: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  if (hasChromium) browser = await launchChromium();
  for (const [i, seed] of [11, 12].entries()) {
    const img = photoLike(640, 480, seed);
    const raw = { raw: { width: img.width, height: img.height, channels: img.channels } };
    photos.push(
      i === 0
        ? { name: 'beach.jpg', mimeType: 'image/jpeg', buffer: await sharp(img.data, raw).jpeg({ quality: 88 }).toBuffer() }
        : { name: 'room.png', mimeType: 'image/png', buffer: await sharp(img.data, raw).png().toBuffer() },
    );
  }
  // A JPEG cut off halfway: its header is fine, its pixels are not all there.
  corrupt = { name: 'broken.jpg', mimeType: 'image/jpeg', buffer: photos[0].buffer.subarray(0, Math.floor(photos[0].buffer.length / 2)) };
  tiff = { name: 'scan.tiff', mimeType: 'image/tiff', buffer: await sharp(photos[1].buffer).tiff().toBuffer() };
  flat = { name: 'wall.png', mimeType: 'image/png', buffer: await sharp({ create: { width: 200, height: 200, channels: 3, background: '#808080' } }).png().toBuffer() };
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

/** A fresh browser context whose every request (the worker's included) is recorded. */
async function openPage(path: string): Promise<{ context: BrowserContext; page: Page; seen: Seen[]; cookiesSet: string[]; errors: string[] }> {
  const context = await browser.newContext({ acceptDownloads: true });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  const seen: Seen[] = [];
  const cookiesSet: string[] = [];
  context.on('request', (r) => seen.push({ method: r.method(), url: r.url(), body: r.postDataBuffer() }));
  context.on('response', (r) => void r.headerValue('set-cookie').then((v) => v && cookiesSet.push(v)));
  const page = await context.newPage();
  // CSP violations and script errors show up as console errors.
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  const res = await page.goto(base + path);
  expect(res?.status()).toBe(200);
  expect(res?.headers()['content-security-policy']).toBe(PAGE_CSP);
  return { context, page, seen, cookiesSet, errors };
}

/** The rows of the photo list: file name, state and the reason shown. */
async function rows(page: Page): Promise<{ name: string; state: string; note: string }[]> {
  return page.locator('li[data-state]').evaluateAll((lis) =>
    lis.map((li) => ({
      name: li.querySelector('span')?.textContent ?? '',
      state: (li as HTMLElement).dataset.state ?? '',
      note: li.querySelector('.error')?.textContent ?? '',
    })),
  );
}

/** What the browser sent: only this registry, and no body but the JSON of hashes. */
function expectOnlyHashesSent(seen: Seen[], submissions: number): { hashes: HashJson[] }[] {
  for (const r of seen) expect(new URL(r.url).origin).toBe(base);
  const withBody = seen.filter((r) => r.body !== null && r.body.length > 0);
  expect(withBody.map((r) => `${r.method} ${new URL(r.url).pathname}`)).toEqual(Array(submissions).fill('POST /v1/submissions'));
  return withBody.map((r) => {
    const text = r.body!.toString('utf8');
    // JSON text, hex digits and field names only: no image bytes in any encoding.
    expect(text).toMatch(/^[\x20-\x7e]+$/);
    const body = JSON.parse(text) as { hashes: HashJson[] };
    expect(Object.keys(body)).toEqual(['hashes']);
    for (const h of body.hashes) {
      for (const key of Object.keys(h)) expect(['kind', 'hash', 'quality', 'photo']).toContain(key);
      expect(HASH_KINDS).toContain(h.kind);
      expect(h.hash).toMatch(/^[0-9a-f]{64}$/);
    }
    // Nothing beside the hashes: each item's JSON is about 120 bytes.
    expect(text.length).toBeLessThan(20 + body.hashes.length * 128);
    return body;
  });
}

async function caseStatus(caseId: string, secret: string): Promise<CaseStatusResponse> {
  const res = await fetch(`${base}/v1/submissions/${caseId}`, { headers: { authorization: `Bearer ${secret}` } });
  expect(res.status).toBe(200);
  return (await res.json()) as CaseStatusResponse;
}

describe('the registry web page', () => {
  it('English: two photos picked, hashed in the worker, submitted as hashes only, read back and withdrawn; a corrupt file is listed with its reason', async () => {
    const { context, page, seen, cookiesSet, errors } = await openPage('/');
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await page.locator('h1').textContent()).toBe(protectEn.title);

    await page.locator('[data-testid=files]').setInputFiles([...photos, corrupt]);
    await expect.poll(() => page.locator('[data-testid=progress]').textContent(), { timeout: 30_000 }).toBe('2 photos ready to protect.');
    expect(await rows(page)).toEqual([
      { name: 'beach.jpg', state: 'ready', note: '' },
      { name: 'room.png', state: 'ready', note: '' },
      { name: 'broken.jpg', state: 'failed', note: protectEn['reason.image/corrupt'] },
    ]);
    // Thumbnails are canvases drawn from memory: no <img>, no object URL to fetch.
    expect(await page.locator('li canvas').count()).toBe(2);
    expect(await page.locator('img').count()).toBe(0);
    // The photos were hashed in the worker (its script was loaded), not in the page.
    expect(seen.some((r) => /\/assets\/hashWorker-[\w-]+\.js$/.test(r.url))).toBe(true);

    await page.locator('[data-testid=submit]').click();
    const caseId = (await page.locator('[data-testid=result-case]').textContent({ timeout: 15_000 })) ?? '';
    const secret = (await page.locator('[data-testid=result-secret]').textContent()) ?? '';
    expect(caseId).not.toBe('');
    expect(secret.length).toBeGreaterThan(10);

    // The case can be kept: downloaded as a file that holds the case number and the secret, or copied.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: protectEn.download, exact: true }).click()]);
    expect(download.suggestedFilename()).toBe(`veil-case-${caseId}.txt`);
    const kept = readFileSync((await download.path())!, 'utf8');
    expect(kept).toContain(caseId);
    expect(kept).toContain(secret);
    await page.getByRole('button', { name: `${protectEn.copy} ${protectEn.secret}` }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(secret);

    const [body] = expectOnlyHashesSent(seen, 1);
    // Per photo: its PDQ, the PDQs of its three mirrored images, its blockhash, its crop hashes;
    // the same hashes Node computes from the same files (within decoder rounding).
    const perPhoto: number[] = [];
    for (const [i, photo] of photos.entries()) {
      const expected = registrationHashesJson(computeHashesFromRgba(await decodeImage(new Uint8Array(photo.buffer)), undefined, { registration: true }), i);
      const got = body.hashes.filter((h) => h.photo === i);
      expect(got.map((h) => h.kind)).toEqual(expected.map((e) => e.kind));
      expect(expected.slice(0, 6).map((e) => e.kind)).toEqual(['pdq', 'pdq', 'pdq', 'pdq', 'blockhash', 'pdq-crop']);
      expected.forEach((e, k) => expect(hammingDistance(hexToBytes(got[k].hash), hexToBytes(e.hash))).toBeLessThanOrEqual(8));
      perPhoto.push(got.length);
    }
    expect(body.hashes.map((h) => h.photo)).toEqual(perPhoto.flatMap((n, p) => Array(n).fill(p)));
    // A fraction of either photo's size: no pixels travel, in any encoding.
    const total = seen.filter((r) => r.body).reduce((n, r) => n + r.body!.length, 0);
    expect(total).toBeLessThan(Math.min(...photos.map((p) => p.buffer.length)) / 2);

    const stored = await caseStatus(caseId, secret);
    expect(stored.hashes).toBe(perPhoto[0] + perPhoto[1]);
    expect(['active', 'quarantined']).toContain(stored.status);

    // Reading the case back in the page, with the case number and secret it showed.
    await page.locator('[data-testid=check]').click();
    await expect.poll(() => page.locator('[data-testid=status]').textContent()).toMatch(new RegExp(`^Status: (active|held for review)\\. ${stored.hashes} fingerprints\\.`));
    // Each photo by its number in the submission (never its file name), with its own state.
    const photoLines = () => page.locator('[data-testid=status-photos] li').allTextContents();
    const state = stored.status === 'active' ? 'on the lists' : 'held for review';
    const lists = stored.status === 'active' ? 'reported' : 'none';
    expect(await photoLines()).toEqual([1, 2].map((n) => `Photo ${n}: ${state}. ${perPhoto[n - 1]} fingerprints. Lists: ${lists}.`));
    page.once('dialog', (d) => void d.accept());
    await page.locator('[data-testid=withdraw]').click();
    await expect.poll(() => page.locator('[data-testid=status]').textContent()).toBe(protectEn.withdrawn);
    expect(await photoLines()).toEqual([1, 2].map((n) => `Photo ${n}: withdrawn. ${perPhoto[n - 1]} fingerprints. Lists: none.`));
    await page.locator('[data-testid=check]').click();
    await expect.poll(() => page.locator('[data-testid=status]').textContent()).toMatch(/^Status: withdrawn\./);
    expect(await page.locator('[data-testid=status-photos] li[data-photo-state=withdrawn]').count()).toBe(2);
    expect((await caseStatus(caseId, secret)).status).toBe('withdrawn');

    expectOnlyHashesSent(seen, 1);
    expect(cookiesSet).toEqual([]);
    expect(await context.cookies()).toEqual([]);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('Simplified Chinese at /zh-CN/: the language switch, reasons for unreadable and unusable files, submit and status', async () => {
    const { context, page, seen, errors } = await openPage('/zh-CN/');
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');
    expect(await page.locator('h1').textContent()).toBe(protectZhCN.title);
    expect(await page.title()).toBe(`Veil · ${protectZhCN.title}`);
    expect(await page.locator('[data-testid=lang-switch]').getAttribute('href')).toBe('/');

    await page.locator('[data-testid=files]').setInputFiles([photos[1], corrupt, tiff, flat]);
    await expect.poll(() => page.locator('[data-testid=progress]').textContent(), { timeout: 30_000 }).toBe(protectZhCN.ready.replace('{0}', '1'));
    expect(await rows(page)).toEqual([
      { name: 'room.png', state: 'ready', note: '' },
      { name: 'broken.jpg', state: 'failed', note: protectZhCN['reason.image/corrupt'] },
      { name: 'scan.tiff', state: 'failed', note: protectZhCN['reason.image/unsupported-format'] },
      { name: 'wall.png', state: 'unusable', note: protectZhCN.photoUnusable },
    ]);

    await page.locator('[data-testid=submit]').click();
    await expect.poll(() => page.locator('[data-testid=result] h2').textContent(), { timeout: 15_000 }).toBe(protectZhCN.doneTitle);
    const [body] = expectOnlyHashesSent(seen, 1);
    const n = body.hashes.length;
    expect(body.hashes.filter((h) => h.kind !== 'pdq-crop')).toHaveLength(5);
    expect(n).toBeGreaterThan(5 + 20);
    expect(new Set(body.hashes.map((h) => h.photo))).toEqual(new Set([0]));
    expect(errors).toEqual([]);

    await page.locator('[data-testid=check]').click();
    await expect.poll(() => page.locator('[data-testid=status]').textContent()).toMatch(new RegExp(`^状态：(有效|等待审核)。${n} 个指纹。`));
    expect(await page.locator('[data-testid=status-photos] li').allTextContents()).toEqual([expect.stringMatching(new RegExp(`^照片 1：(已列入列表|等待审核)。${n} 个指纹。列表：(已举报|无)。$`))]);

    // The switch leads to the English page.
    await page.locator('[data-testid=lang-switch]').click();
    await expect.poll(() => page.locator('h1').textContent()).toBe(protectEn.title);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await context.close();
  });

  it('at phone width in dark mode, the page fits the screen and the photo picker opens from the keyboard', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, colorScheme: 'dark' });
    const page = await context.newPage();
    // Listening from the start: Playwright turns on file-chooser interception when the first
    // listener is added, and a chooser opened before that is lost.
    const choosers: FileChooser[] = [];
    page.on('filechooser', (c) => choosers.push(c));
    await page.goto(`${base}/`);
    await expect.poll(() => page.locator('h1').textContent()).toBe(protectEn.title);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(23, 23, 27)');
    // Tab from the top reaches the language switch, then "Choose photos"; Enter opens the picker.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('lang-switch');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe(protectEn.choosePhotos);
    await page.keyboard.press('Enter');
    await expect.poll(() => choosers.length).toBe(1);
    expect(choosers[0].isMultiple()).toBe(true);
    await choosers[0].setFiles([photos[0]]);
    await expect.poll(() => page.locator('[data-testid=progress]').textContent(), { timeout: 15_000 }).toBe('1 photos ready to protect.');
    await context.close();
  });
});
