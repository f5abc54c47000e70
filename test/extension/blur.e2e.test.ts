import { afterAll, beforeAll, describe, expect } from 'vitest';
import { imageHashesToJson } from '../../shared/registry/wire';
import { hasChromium } from '../support/chromium';
import { itIfAvailable } from '../support/env';
import { buildExtension, launchWithExtension, type BuiltExtension, type ExtensionBrowser } from './support/extension';
import { makeFixtures, type Fixtures } from './support/fixtures';
import { waitDecided, waitForListStatus } from './support/page';
import { startTestRegistry, type TestRegistry } from './support/registry';
import { startTestSite, type TestSite } from './support/site';

const it = itIfAvailable(hasChromium, 'Debian chromium (/usr/bin/chromium) for the extension tests');

/** Element ids of the test page that show the listed photo (or an edited copy) and those that do not. */
const LISTED_IDS = ['plain', 'recompressed', 'resized', 'srcset', 'picture', 'cross-origin', 'bg-inline', 'bg-class', 'poster', 'svg', 'later', 'lazy'];
const OTHER_IDS = ['other-plain', 'other-srcset', 'other-cross-origin', 'other-bg', 'other-later', 'other-lazy'];

function testPage(other: string): string {
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
    [site, otherSite] = await Promise.all([startTestSite(), startTestSite()]);
    for (const s of [site, otherSite]) {
      s.file('/img/listed.jpg', fx.listed, 'image/jpeg');
      s.file('/img/listed-q55.jpg', fx.listedQ55, 'image/jpeg');
      s.file('/img/listed-small.jpg', fx.listedSmall, 'image/jpeg');
      s.file('/img/listed.webp', fx.listedWebp, 'image/webp');
      fx.others.forEach((o, i) => s.file(`/img/other-${i}.jpg`, o, 'image/jpeg'));
    }
    site.page('/', testPage(otherSite.origin));
    built = await buildExtension(registry.url, registry.publicKeyHex);
    ext = await launchWithExtension(built.dir);
    await waitForListStatus(ext, (s) => s.some((l) => l.list === 'reported' && l.entries > 0));
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
    await page.close();
  });
});
