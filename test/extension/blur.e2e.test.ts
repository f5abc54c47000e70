import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { decodeImage } from '../../node/decode';
import { computeHashesFromRgba } from '../../shared/hash/compute';
import { HASH_KINDS } from '../../shared/hash/types';
import { hexToBytes } from '../../shared/hex';
import { hammingDistance } from '../../shared/match/hamming';
import { imageHashesToJson, type HashJson } from '../../shared/registry/wire';
import { zh_CN } from '../../extension/lib/i18n/zh_CN';
import { hasChromium } from '../support/chromium';
import { itIfAvailable } from '../support/env';
import { buildExtension, launchWithExtension, type BuiltExtension, type ExtensionBrowser } from './support/extension';
import { makeFixtures, type Fixtures } from './support/fixtures';
import { regionStats } from './support/frames';
import { badgeText, extensionStorage, marks, stopServiceWorker, tabIdOf, waitDecided, waitForListStatus } from './support/page';
import { startTestRegistry, type TestRegistry } from './support/registry';
import { startTestSite, type TestSite } from './support/site';

const it = itIfAvailable(hasChromium, 'Debian chromium (/usr/bin/chromium) for the extension tests');

/** Element ids of the test page that show the listed photo (or an edited copy) and those that do not. */
const LISTED_IDS = ['plain', 'recompressed', 'resized', 'srcset', 'picture', 'cross-origin', 'bg-inline', 'bg-class', 'poster', 'svg', 'later', 'lazy', 'inline'];
const OTHER_IDS = ['other-plain', 'other-srcset', 'other-cross-origin', 'other-bg', 'other-later', 'other-lazy'];

function testPage(other: string, inlineListed: string): string {
  return `<!doctype html><html><head><meta charset="utf-8"><style>
  .box { width: 200px; height: 150px; display: inline-block; background-size: cover; }
  .bg-listed { background-image: url(/img/listed-q55.jpg); }
  img, video, svg { width: 200px; height: 150px; }
  </style></head><body>
  <img id="plain" src="/img/listed.jpg" alt="">
  <img id="recompressed" src="/img/listed-q55.jpg" alt="">
  <img id="resized" src="/img/listed-small.jpg" alt="">
  <img id="srcset" srcset="/img/listed-small.jpg?s 400w, /img/listed.jpg?s 800w" sizes="200px" alt="">
  <picture><source srcset="/img/listed.webp" type="image/webp"><img id="picture" src="/img/other-0.jpg" alt=""></picture>
  <img id="cross-origin" src="${other}/img/listed.jpg" alt="">
  <div id="bg-inline" class="box" style="background-image: url('/img/listed.jpg?bg')"></div>
  <div id="bg-class" class="box bg-listed"></div>
  <video id="poster" poster="/img/listed.jpg?poster"></video>
  <svg viewBox="0 0 200 150"><image id="svg" href="/img/listed.jpg?svg" width="200" height="150"/></svg>
  <img id="inline" src="${inlineListed}" alt="">
  <iframe id="frame" src="${other}/frame" width="300" height="200"></iframe>
  <img id="other-plain" src="/img/other-0.jpg" alt="">
  <img id="other-srcset" srcset="/img/other-1.jpg 640w" sizes="200px" alt="">
  <img id="other-cross-origin" src="${other}/img/other-2.jpg" alt="">
  <div id="other-bg" class="box" style="background-image: url(/img/other-3.jpg)"></div>
  <div style="height: 3000px"></div>
  <img id="lazy" loading="lazy" src="/img/listed-q55.jpg?lazy" alt="">
  <img id="other-lazy" loading="lazy" src="/img/other-1.jpg?lazy" alt="">
  <script>
    setTimeout(() => {
      for (const [id, src] of [['later', '/img/listed-small.jpg?later'], ['other-later', '/img/other-2.jpg?later']]) {
        const img = document.createElement('img');
        img.id = id; img.src = src; img.alt = '';
        document.body.prepend(img);
      }
    }, 300);
  </script>
  </body></html>`;
}

describe('the extension in headless Chromium', () => {
  let fx: Fixtures;
  let registry: TestRegistry;
  let site: TestSite;
  let otherSite: TestSite;
  let built: BuiltExtension;
  let ext: ExtensionBrowser;

  beforeAll(async () => {
    if (!hasChromium) return;
    fx = await makeFixtures();
    registry = await startTestRegistry();
    await registry.submit(imageHashesToJson(fx.listedHashes));
    await registry.submit(imageHashesToJson(fx.texturedHashes));
    [site, otherSite] = await Promise.all([startTestSite(), startTestSite()]);
    for (const s of [site, otherSite]) {
      s.file('/img/listed.jpg', fx.listed, 'image/jpeg');
      s.file('/img/listed-q55.jpg', fx.listedQ55, 'image/jpeg');
      s.file('/img/listed-small.jpg', fx.listedSmall, 'image/jpeg');
      s.file('/img/listed.webp', fx.listedWebp, 'image/webp');
      fx.others.forEach((o, i) => s.file(`/img/other-${i}.jpg`, o, 'image/jpeg'));
    }
    site.page('/', testPage(otherSite.origin, `data:image/jpeg;base64,${fx.listedSmall.toString('base64')}`));
    otherSite.page('/frame', '<!doctype html><body><img id="in-frame" src="/img/listed-q55.jpg?frame" alt=""><img id="other-in-frame" src="/img/other-1.jpg?frame" alt=""></body>');
    // The page's own request goes through; the extension's fetch of the same photo never ends.
    site.file('/img/stall.jpg', fx.others[2], 'image/jpeg', (req) => (req.headers['sec-fetch-dest'] === 'image' ? 0 : 60_000));
    site.page('/stall', '<!doctype html><body><img id="stall" src="/img/stall.jpg" alt=""></body>');
    // The listed photo alone, its bytes held back so the page paints before they arrive.
    site.file('/img/slow-listed.png', fx.textured, 'image/png', 400);
    site.page('/single', '<!doctype html><body style="margin:0;background:#fff"><img id="plain" src="/img/slow-listed.png" style="display:block" alt=""></body>');
    site.file('/img/report-me.jpg', fx.others[3], 'image/jpeg');
    site.page('/report', '<!doctype html><body><img id="report-me" src="/img/report-me.jpg" alt=""></body>');
    built = await buildExtension(registry.url, registry.publicKeyHex);
    ext = await launchWithExtension(built.dir);
    await waitForListStatus(ext, (s) => s.some((l) => l.list === 'reported' && l.entries >= 2));
  }, 120_000);

  afterAll(async () => {
    await ext?.close();
    built?.remove();
    await Promise.all([site?.close(), otherSite?.close(), registry?.close()]);
  });

  it('blurs the listed photo and its edited copies in every form, and leaves other photos alone', async () => {
    const page = await ext.context.newPage();
    await page.goto(`${site.origin}/`);
    await page.waitForSelector('#later');
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    const m = await waitDecided(page, [...LISTED_IDS, ...OTHER_IDS]);
    const expected = Object.fromEntries([...LISTED_IDS.map((id) => [id, 'listed']), ...OTHER_IDS.map((id) => [id, 'clear'])]);
    expect(m).toEqual(expected);
    // Frames from another origin are covered too.
    const frame = page.frames().find((f) => f.url().endsWith('/frame'));
    expect(await waitDecided(frame!, ['in-frame', 'other-in-frame'])).toEqual({ 'in-frame': 'listed', 'other-in-frame': 'clear' });
    // The badge counts what is hidden in the whole tab.
    const tabId = await tabIdOf(ext, page);
    await expect.poll(() => badgeText(ext, tabId)).toBe(String(LISTED_IDS.length + 1));
    await page.close();
  });

  it('shows an image whose check does not finish within the failsafe time', async () => {
    const options = await ext.context.newPage();
    await options.goto(ext.pageUrl('options.html'));
    await options.locator('#failsafe').fill('1');
    await options.locator('[data-testid=failsafe] button').click();
    await expect.poll(() => extensionStorage<number>(ext, 'veil.failsafeMs')).toBe(1000);
    const page = await ext.context.newPage();
    await page.goto(`${site.origin}/stall`);
    expect(await waitDecided(page, ['stall'])).toEqual({ stall: 'shown' });
    await options.locator('#failsafe').fill('10');
    await options.locator('[data-testid=failsafe] button').click();
    await expect.poll(() => extensionStorage<number>(ext, 'veil.failsafeMs')).toBe(10_000);
    await Promise.all([options.close(), page.close()]);
  });

  it('rebuilds its index from IndexedDB when the worker restarts, with the registry down', async () => {
    registry.down = true;
    try {
      await stopServiceWorker(ext);
      const page = await ext.context.newPage();
      await page.goto(`${site.origin}/single?restart`);
      expect(await waitDecided(page, ['plain'])).toEqual({ plain: 'listed' });
      await page.close();
    } finally {
      registry.down = false;
    }
  });

  it('never lets a frame show the listed photo before it is hidden, and reveals it on a deliberate click', async () => {
    const page = await ext.context.newPage();
    const cdp = await ext.context.newCDPSession(page);
    const frames: Buffer[] = [];
    cdp.on('Page.screencastFrame', (f: { data: string; sessionId: number }) => {
      frames.push(Buffer.from(f.data, 'base64'));
      void cdp.send('Page.screencastFrameAck', { sessionId: f.sessionId }).catch(() => undefined);
    });
    await cdp.send('Page.startScreencast', { format: 'png', everyNthFrame: 1 });
    await page.goto(`${site.origin}/single`);
    expect(await waitDecided(page, ['plain'])).toEqual({ plain: 'listed' });
    await page.waitForTimeout(400);
    await cdp.send('Page.stopScreencast');
    // The top band of the image: the label sits in the middle and has sharp text of its own.
    const rect = { x: 10, y: 10, width: 380, height: 70 };
    // The frames' scale: screencast frames can be smaller than the viewport.
    const viewportWidth = page.viewportSize()?.width ?? 1000;

    // The label's button is the only way to see it; a click on it reveals this image.
    await page.locator('veil-layer button').click();
    expect(await marks(page, ['plain'])).toEqual({ plain: 'shown' });
    const sharpDetail = (await regionStats(await page.screenshot(), rect)).detail;

    expect(frames.length).toBeGreaterThan(0);
    let sawBlurred = false;
    for (const png of frames) {
      const { width } = await sharp(png).metadata();
      const stats = await regionStats(png, rect, (width ?? viewportWidth) / viewportWidth);
      // Hidden (blank) or blurred: far less detail than the photo itself.
      expect(stats.detail).toBeLessThan(sharpDetail * 0.25);
      if (stats.mean < 235) sawBlurred = true;
    }
    expect(sawBlurred).toBe(true);
    expect(sharpDetail).toBeGreaterThan(4);
    await page.close();
  });

  it('hides a listed photo opened directly in a tab', async () => {
    const page = await ext.context.newPage();
    await page.goto(`${site.origin}/img/listed.jpg`);
    const state = await page.waitForFunction(() => {
      const v = document.querySelector('img')?.getAttribute('data-veil');
      return v && v !== 'pending' ? v : null;
    });
    expect(await state.jsonValue()).toBe('listed');
    await page.close();
  });

  it('sends the registry nothing about browsing: only list downloads', async () => {
    expect(registry.requests.length).toBeGreaterThan(0);
    for (const r of registry.requests) {
      expect(r.method).toBe('GET');
      expect(r.url).toMatch(/^\/v1\/(lists\/(reported|confirmed)\/(snapshot|delta\?since=\d+)|keys)$/);
      expect(r.body).toBe('');
    }
  });

  it('"Report this image" sends the image\'s hashes, and nothing else, to the registry', async () => {
    const page = await ext.context.newPage();
    await page.goto(`${site.origin}/report`);
    await waitDecided(page, ['report-me']);
    const before = registry.requests.length;
    const tabId = await tabIdOf(ext, page);
    await ext.worker.evaluate(
      ([url, tab]) => (globalThis as unknown as { veilTest: { menu(i: string, u: string, t: number): Promise<void> } }).veilTest.menu('report', url as string, tab as number),
      [`${site.origin}/img/report-me.jpg`, tabId] as const,
    );
    const sent = registry.requests.slice(before);
    expect(sent.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /v1/submissions']);
    const body = JSON.parse(sent[0].body) as { hashes: HashJson[] };
    expectOnlyHashes(body);
    const expected = computeHashesFromRgba(await decodeImage(new Uint8Array(fx.others[3])));
    const pdq = body.hashes.find((h) => h.kind === 'pdq' && !h.dihedral);
    expect(hammingDistance(hexToBytes(pdq!.hash), expected.pdq)).toBeLessThanOrEqual(8);
    await expect.poll(() => page.locator('veil-layer .veil-notice').count()).toBe(1);
    await page.close();
  });

  it('pauses and resumes a site from the popup', async () => {
    const page = await ext.context.newPage();
    await page.goto(`${site.origin}/single`);
    expect(await waitDecided(page, ['plain'])).toEqual({ plain: 'listed' });
    const popup = await ext.context.newPage();
    await popup.goto(ext.pageUrl(`popup.html?tab=${await tabIdOf(ext, page)}`));
    await expect.poll(() => popup.locator('[data-testid=hidden-count]').textContent()).toBe('1');
    await popup.locator('[data-testid=pause]').click();
    await expect.poll(() => extensionStorage<string[]>(ext, 'veil.pausedSites')).toEqual(['127.0.0.1']);

    await page.reload();
    await page.waitForSelector('html[data-veil-off]');
    await page.waitForFunction(() => (document.getElementById('plain') as HTMLImageElement).complete);
    const look = await page.evaluate(() => {
      const cs = getComputedStyle(document.getElementById('plain')!);
      return { visibility: cs.visibility, filter: cs.filter };
    });
    expect(look).toEqual({ visibility: 'visible', filter: 'none' });

    await popup.reload();
    await popup.locator('[data-testid=pause]').click();
    await expect.poll(() => extensionStorage<string[]>(ext, 'veil.pausedSites')).toEqual([]);
    await page.reload();
    expect(await waitDecided(page, ['plain'])).toEqual({ plain: 'listed' });
    await Promise.all([popup.close(), page.close()]);
  });

  it('"This is not a leaked photo" shows the image everywhere until the user removes it from the allow-list', async () => {
    const page = await ext.context.newPage();
    await page.goto(`${site.origin}/`);
    await page.waitForSelector('#later');
    expect((await waitDecided(page, ['plain'])).plain).toBe('listed');
    const tabId = await tabIdOf(ext, page);
    await ext.worker.evaluate(
      ([url, tab]) => (globalThis as unknown as { veilTest: { menu(i: string, u: string, t: number): Promise<void> } }).veilTest.menu('not-leaked', url as string, tab as number),
      [`${site.origin}/img/listed.jpg`, tabId] as const,
    );
    await expect.poll(async () => (await marks(page, ['plain'])).plain).toBe('shown');
    // Every entry the photo matches is allowed (its PDQ at least; its blockhash when that matches too).
    expect(((await extensionStorage<{ kind: string }[]>(ext, 'veil.allowedEntries')) ?? []).map((a) => a.kind)).toContain('pdq');

    await page.reload();
    await page.waitForSelector('#later');
    const direct = ['plain', 'recompressed', 'resized', 'cross-origin', 'bg-inline'];
    expect(Object.values(await waitDecided(page, direct))).toEqual(direct.map(() => 'clear'));

    const options = await ext.context.newPage();
    await options.goto(ext.pageUrl('options.html'));
    const allowedCount = ((await extensionStorage<unknown[]>(ext, 'veil.allowedEntries')) ?? []).length;
    for (let n = allowedCount; n > 0; n--) {
      await options.locator('[data-testid=allowed] button').first().click();
      await expect.poll(async () => ((await extensionStorage<unknown[]>(ext, 'veil.allowedEntries')) ?? []).length).toBe(n - 1);
    }
    await expect.poll(() => extensionStorage<unknown[]>(ext, 'veil.allowedEntries')).toEqual([]);
    // The index is rebuilt with the entry back; then the photo is blurred again.
    await expect
      .poll(async () => {
        await page.reload();
        return (await waitDecided(page, ['plain'])).plain;
      }, { timeout: 15_000 })
      .toBe('listed');
    await Promise.all([options.close(), page.close()]);
  });

  it('adds and removes a registry in the options page, refusing one without a valid key', async () => {
    const options = await ext.context.newPage();
    await options.goto(ext.pageUrl('options.html'));
    // Until the first change, storage holds nothing and the build's default applies.
    const subscriptions = async () => ((await extensionStorage<{ url: string }[]>(ext, 'veil.subscriptions')) ?? [{ url: registry.url }]).map((s) => s.url);
    const before = await subscriptions();
    expect(before).toEqual([registry.url]);
    await options.locator('[data-testid=sub-url]').fill('http://127.0.0.1:9');
    await options.locator('[data-testid=sub-key]').fill('not-a-key');
    await options.locator('[data-testid=add-sub] button[type=submit]').click();
    await expect.poll(() => options.locator('[data-testid=add-sub] [role=alert]').textContent()).toBe('The public key must be 64 hexadecimal digits.');
    await options.locator('[data-testid=sub-key]').fill('cd'.repeat(32));
    await options.locator('[data-testid=add-sub] button[type=submit]').click();
    await expect.poll(subscriptions).toEqual([...before, 'http://127.0.0.1:9']);
    await options.locator('[data-testid=subscriptions] li', { hasText: 'http://127.0.0.1:9' }).locator('button').click();
    await expect.poll(subscriptions).toEqual(before);
    await options.close();
  });

  it('refuses a tampered list and says so in the popup (here in Simplified Chinese, dark theme)', async () => {
    registry.tamper = true;
    const fresh = await launchWithExtension(built.dir, { locale: 'zh-CN', colorScheme: 'dark' });
    try {
      const status = await waitForListStatus(fresh, (s) => s.some((l) => l.list === 'reported' && l.error !== null));
      expect(status.find((l) => l.list === 'reported')).toMatchObject({ error: 'list/bad-signature', entries: 0, sequence: 0 });
      const popup = await fresh.context.newPage();
      await popup.goto(fresh.pageUrl('popup.html'));
      await expect.poll(() => popup.locator('[data-list=reported] [data-testid=list-error]').textContent()).toBe(zh_CN['error.list/bad-signature']);
      expect(await popup.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe('rgb(23, 23, 27)');
      // Nothing from the refused file is used: the listed photo is not blurred.
      const page = await fresh.context.newPage();
      await page.goto(`${site.origin}/single`);
      expect(await waitDecided(page, ['plain'])).toEqual({ plain: 'clear' });
    } finally {
      registry.tamper = false;
      await fresh.close();
    }
  });

  it('the protect page hashes photos in the page and sends the registry only their hashes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'veil-photos-'));
    const files = [join(dir, 'beach.jpg'), join(dir, 'room.jpg')];
    writeFileSync(files[0], fx.others[0]);
    writeFileSync(files[1], fx.others[1]);
    const page = await ext.context.newPage();
    const sentByPage: string[] = [];
    page.on('request', (r) => sentByPage.push(`${r.method()} ${r.url()}`));
    await page.goto(ext.pageUrl('protect.html'));
    await page.locator('[data-testid=files]').setInputFiles(files);
    await expect.poll(() => page.locator('[data-testid=progress]').textContent(), { timeout: 15_000 }).toBe('2 photos ready to protect.');
    expect(await page.locator('li canvas').count()).toBe(2);

    const before = registry.requests.length;
    await page.locator('[data-testid=submit]').click();
    const caseId = (await page.locator('[data-testid=result-case]').textContent({ timeout: 15_000 })) ?? '';
    const secret = (await page.locator('[data-testid=result-secret]').textContent()) ?? '';
    expect(caseId).not.toBe('');
    expect(secret).not.toBe('');

    const sent = registry.requests.slice(before);
    expect(sent.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /v1/submissions']);
    const body = JSON.parse(sent[0].body) as { hashes: HashJson[] };
    expectOnlyHashes(body);
    // A fraction of either photo's size (about 4 KB of JSON per photo: its crop hashes are most of
    // it): no pixels travel, in any encoding.
    expect(sent[0].body.length).toBeLessThan(Math.min(fx.others[0].length, fx.others[1].length) / 2);
    for (const [photo, bytes] of [fx.others[0], fx.others[1]].entries()) {
      const expected = computeHashesFromRgba(await decodeImage(new Uint8Array(bytes)));
      const pdq = body.hashes.find((h) => h.kind === 'pdq' && h.photo === photo && !h.dihedral);
      expect(hammingDistance(hexToBytes(pdq!.hash), expected.pdq)).toBeLessThanOrEqual(8);
    }
    // The page itself fetched nothing but its own files and that one submission.
    expect(sentByPage.filter((r) => !r.includes(`chrome-extension://${ext.extensionId}/`))).toEqual([`POST ${registry.url}/v1/submissions`]);

    await page.locator('[data-testid=check]').click();
    await expect.poll(() => page.locator('[data-testid=status]').textContent()).toMatch(/^Status: (active|held for review)\./);
    const photoLines = () => page.locator('[data-testid=status-photos] li').allTextContents();
    expect(await photoLines()).toEqual([1, 2].map((n) => expect.stringMatching(new RegExp(`^Photo ${n}: (on the lists|held for review)\\. \\d+ fingerprints\\.`))));
    page.once('dialog', (d) => void d.accept());
    await page.locator('[data-testid=withdraw]').click();
    await expect.poll(() => page.locator('[data-testid=status]').textContent()).toBe('The case was withdrawn.');
    expect(await photoLines()).toEqual([1, 2].map((n) => expect.stringMatching(new RegExp(`^Photo ${n}: withdrawn\\. \\d+ fingerprints\\. Lists: none\\.$`))));
    await page.close();
    rmSync(dir, { recursive: true, force: true });
  });
});

/** A request body that holds hashes and nothing else: no image bytes, no URLs, no page data. */
function expectOnlyHashes(body: { hashes: HashJson[] }): void {
  expect(Object.keys(body)).toEqual(['hashes']);
  expect(body.hashes.length).toBeGreaterThan(0);
  for (const h of body.hashes) {
    for (const key of Object.keys(h)) expect(['kind', 'hash', 'quality', 'photo', 'dihedral']).toContain(key);
    expect(HASH_KINDS).toContain(h.kind);
    expect(h.hash).toMatch(/^[0-9a-f]{64}$/);
  }
}
