import type { Frame, Page } from 'playwright-core';
import type { ExtensionBrowser } from './extension';

/** Reading Veil's marks back from a page, and waiting for the extension's state. */

/** The part of the extension API these helpers call inside the service worker. */
declare const chrome: {
  action: { getBadgeText(details: { tabId: number }): Promise<string> };
  storage: { local: { get(key: string): Promise<Record<string, unknown>> } };
  tabs: { query(q: object): Promise<{ id?: number; url?: string }[]> };
};

export type Mark = 'pending' | 'clear' | 'listed' | 'shown' | null;

/** Each element's mark for the source it is about: the poster of a <video>, the background of a styled element. */
export async function marks(page: Page | Frame, ids: readonly string[]): Promise<Record<string, Mark>> {
  return page.evaluate((list) => {
    const out: Record<string, string | null> = {};
    for (const id of list) {
      const el = document.getElementById(id);
      if (!el) {
        out[id] = 'missing';
        continue;
      }
      const attr = el.localName === 'video' ? 'data-veil-poster' : el.localName === 'img' || el.localName === 'image' ? 'data-veil' : 'data-veil-bg';
      out[id] = el.getAttribute(attr);
    }
    return out;
  }, ids as string[]) as Promise<Record<string, Mark>>;
}

/** Waits until every id has a final mark (clear, listed or shown). */
export async function waitDecided(page: Page | Frame, ids: readonly string[], timeoutMs = 15_000): Promise<Record<string, Mark>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const m = await marks(page, ids);
    if (Object.values(m).every((v) => v === 'clear' || v === 'listed' || v === 'shown')) return m;
    if (Date.now() > deadline) return m;
    await page.waitForTimeout(50);
  }
}

/** The extension's storage.local, read in the service worker. */
export async function extensionStorage<T>(ext: ExtensionBrowser, key: string): Promise<T | undefined> {
  return ext.worker.evaluate(async (k) => (await chrome.storage.local.get(k))[k], key) as Promise<T | undefined>;
}

export interface ListStatusLike {
  list: string;
  sequence: number;
  entries: number;
  error: string | null;
}

/** Waits until the background has synced (a status exists for every list with no pending first attempt). */
export async function waitForListStatus(ext: ExtensionBrowser, done: (s: ListStatusLike[]) => boolean, timeoutMs = 20_000): Promise<ListStatusLike[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = Object.values((await extensionStorage<Record<string, ListStatusLike>>(ext, 'veil.listStatus')) ?? {});
    if (done(status)) return status;
    if (Date.now() > deadline) throw new Error(`list status not reached: ${JSON.stringify(status)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The id Chromium gave the tab showing `page` (the popup and the menu hook need it). */
export async function tabIdOf(ext: ExtensionBrowser, page: Page): Promise<number> {
  const url = page.url();
  const id = await ext.worker.evaluate(async (u) => (await chrome.tabs.query({})).find((t) => t.url === u)?.id ?? -1, url);
  if (id < 0) throw new Error('tab not found');
  return id;
}

/** The toolbar badge text of a tab. */
export async function badgeText(ext: ExtensionBrowser, tabId: number): Promise<string> {
  return ext.worker.evaluate((t) => chrome.action.getBadgeText({ tabId: t }), tabId);
}

/** Stops the extension's service worker, as Chromium does after 30 s idle; the next event restarts it. */
export async function stopServiceWorker(ext: ExtensionBrowser): Promise<void> {
  const browser = ext.context.browser();
  if (!browser) throw new Error('no browser');
  const session = await browser.newBrowserCDPSession();
  const { targetInfos } = (await session.send('Target.getTargets')) as { targetInfos: { targetId: string; type: string; url: string }[] };
  const worker = targetInfos.find((t) => t.type === 'service_worker' && t.url.startsWith(`chrome-extension://${ext.extensionId}/`));
  if (!worker) throw new Error('service worker not found');
  await session.send('Target.closeTarget', { targetId: worker.targetId });
  await session.detach();
}
