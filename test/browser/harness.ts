import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import type { Browser, BrowserContext, Page, Worker } from 'playwright-core';
import { launchChromium } from '../support/chromium';
import { CORPUS_DIR, REPO_ROOT } from '../support/paths';
import type { BrowserHashRequest, BrowserHashResult, BrowserTimingRequest, BrowserTimingResult, VeilTestApi } from './entry';

/**
 * Runs shared/ code in headless Chromium for tests: bundles test/browser/entry.ts with esbuild,
 * serves it (as a page script and as a service worker) with test images from a throwaway HTTP
 * server on 127.0.0.1 (a secure context, so service workers register), and drives a page.
 *
 * Routes: /            a blank page loading /entry.js
 *         /entry.js    the bundle; /sw.js the same bundle, served as the service worker script
 *         /img/NAME    bytes registered with addImage(NAME, bytes)
 *         /corpus/FILE a photo from ../shared/corpus (read-only, never copied)
 *         POST /upload/ID/(rgba|luma)  test-only: pixels the page decoded, kept in memory for
 *                      the test to compare with Node's, dropped by takeUpload
 */
export interface BrowserHarness {
  origin: string;
  page: Page;
  addImage(name: string, bytes: Uint8Array): string;
  /** Hash in the page (or in `worker`, the service worker) through decodeInBrowser. */
  hash(req: BrowserHashRequest, where?: Page | Worker): Promise<BrowserHashResult>;
  /** Time the hashing steps on raw RGBA served by addImage (bench/hashBrowser.ts), in the page or `worker`. */
  timeHashing(req: BrowserTimingRequest, where?: Page | Worker): Promise<BrowserTimingResult>;
  takeUpload(id: string): { rgba: Uint8Array; luma: Float32Array } | undefined;
  serviceWorker(): Promise<Worker>;
  close(): Promise<void>;
}

export async function bundleEntry(): Promise<string> {
  const result = await build({
    entryPoints: [join(REPO_ROOT, 'test', 'browser', 'entry.ts')],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome110',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0].text;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startBrowserHarness(): Promise<BrowserHarness> {
  const script = await bundleEntry();
  const images = new Map<string, Uint8Array>();
  const uploads = new Map<string, { rgba?: Uint8Array; luma?: Float32Array }>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const send = (status: number, type: string, body: string | Uint8Array) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (req.method === 'POST' && url.pathname.startsWith('/upload/')) {
      const [, , id, kind] = url.pathname.split('/');
      const body = await readBody(req);
      const entry = uploads.get(id) ?? {};
      if (kind === 'rgba') entry.rgba = new Uint8Array(body);
      else entry.luma = new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.length));
      uploads.set(id, entry);
      return send(204, 'text/plain', '');
    }
    if (url.pathname === '/') return send(200, 'text/html', '<!doctype html><meta charset="utf-8"><script src="/entry.js"></script>');
    if (url.pathname === '/entry.js' || url.pathname === '/sw.js') return send(200, 'text/javascript', script);
    if (url.pathname.startsWith('/img/')) {
      const bytes = images.get(decodeURIComponent(url.pathname.slice(5)));
      return bytes ? send(200, 'application/octet-stream', bytes) : send(404, 'text/plain', 'no such image');
    }
    if (url.pathname.startsWith('/corpus/')) {
      const file = basename(decodeURIComponent(url.pathname.slice(8)));
      try {
        return send(200, 'application/octet-stream', await readFile(join(CORPUS_DIR, file)));
      } catch {
        return send(404, 'text/plain', 'no such photo');
      }
    }
    return send(404, 'text/plain', 'not found');
  };
  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  try {
    browser = await launchChromium();
    context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${origin}/`);
    const ctx = context;

    return {
      origin,
      page,
      addImage(name, bytes) {
        images.set(name, bytes);
        return `${origin}/img/${encodeURIComponent(name)}`;
      },
      hash(req, where = page) {
        return (where as Page).evaluate((r) => (globalThis as unknown as { veilTest: VeilTestApi }).veilTest.hashUrl(r), req);
      },
      timeHashing(req, where = page) {
        return (where as Page).evaluate((r) => (globalThis as unknown as { veilTest: VeilTestApi }).veilTest.timeHashing(r), req);
      },
      takeUpload(id) {
        const u = uploads.get(id);
        uploads.delete(id);
        return u?.rgba && u.luma ? { rgba: u.rgba, luma: u.luma } : undefined;
      },
      async serviceWorker() {
        const existing = ctx.serviceWorkers()[0];
        if (existing) return existing;
        const waiting = ctx.waitForEvent('serviceworker');
        await page.evaluate(async () => {
          await navigator.serviceWorker.register('/sw.js');
          await navigator.serviceWorker.ready;
        });
        const worker = await waiting;
        await worker.evaluate(() => (globalThis as unknown as { veilTest?: unknown }).veilTest !== undefined);
        return worker;
      },
      async close() {
        await ctx.close();
        await browser?.close();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        images.clear();
        uploads.clear();
      },
    };
  } catch (err) {
    await context?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    server.closeAllConnections();
    server.close();
    throw err;
  }
}
