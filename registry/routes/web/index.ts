/**
 * The victims' web page (issue 7), built by Vite into dist/web/ (`npm run build:web`, part of
 * `npm run build`), served at / (English) and /zh-CN/ (Simplified Chinese).
 *
 * - The built files are read once when the app starts and served from memory, each by an exact
 *   route: no path from a request ever reaches the file system, and the API's 404s stay as they
 *   are. A rebuild takes effect at the next start.
 * - Every answer carries a strict CSP (default-src 'self': the page may load and call only this
 *   registry) and sets no cookie. Hashed assets are cached for a year, HTML is revalidated.
 * - Page requests are not logged (logLevel warn): visitors leave no trace here beyond the rate
 *   limiter's in-memory counter.
 * - Without a build the registry still starts, and / says how to build the page.
 */
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';

export const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../../dist/web/', import.meta.url));

export interface WebRoutesOptions {
  /** The built page (Vite's outDir); DEFAULT_WEB_DIR otherwise. */
  dir?: string;
}

export const PAGE_CSP = "default-src 'self'; base-uri 'none'; object-src 'none'; form-action 'none'; frame-ancestors 'none'";

/** Headers on every answer of the page, the not-built notice included. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': PAGE_CSP,
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

export const NOT_BUILT_TEXT =
  "Veil's web page is not built. In the repository, run `npm run build:web` (or `npm run build`), then restart the registry.\n" +
  'The API under /v1/ and its documentation at /docs work without it.\n';

interface PageFile {
  body: Buffer;
  type: string;
  cache: string;
}

/** URL path to file, for every plain file under dir (dotfiles and links skipped); empty when dir is missing. */
export function loadBuiltPage(dir: string): Map<string, PageFile> {
  const files = new Map<string, PageFile>();
  const walk = (folder: string, urlPrefix: string, depth: number) => {
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch {
      return;
    }
    for (const name of names.sort()) {
      if (name.startsWith('.')) continue;
      const path = join(folder, name);
      const stat = lstatSync(path);
      if (stat.isDirectory() && depth < 4) walk(path, `${urlPrefix}${name}/`, depth + 1);
      else if (stat.isFile()) {
        const url = name === 'index.html' ? urlPrefix : `${urlPrefix}${name}`;
        // Vite names assets by content hash, so their URL never serves changed bytes.
        const cache = urlPrefix === '/assets/' ? 'public, max-age=31536000, immutable' : 'no-cache';
        files.set(url, { body: readFileSync(path), type: TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream', cache });
      }
    }
  };
  walk(dir, '/', 0);
  return files;
}

export default async function webRoutes(app: FastifyInstance, opts: WebRoutesOptions = {}): Promise<void> {
  const files = loadBuiltPage(opts.dir ?? DEFAULT_WEB_DIR);
  const route = { schema: { hide: true }, logLevel: 'warn' } as const;
  const send = (reply: FastifyReply, file: PageFile) => reply.headers(PAGE_HEADERS).header('cache-control', file.cache).type(file.type).send(file.body);

  if (!files.has('/')) {
    app.log.warn('the web page is not built (npm run build:web); / explains how to build it');
    app.get('/', route, async (_req, reply) =>
      reply.status(503).headers(PAGE_HEADERS).header('cache-control', 'no-store').type('text/plain; charset=utf-8').send(NOT_BUILT_TEXT),
    );
  }
  for (const [url, file] of files) {
    app.get(url, route, async (_req, reply) => send(reply, file));
    // /zh-CN answers with a redirect to /zh-CN/, where the page's relative links resolve.
    if (url.length > 1 && url.endsWith('/')) app.get(url.slice(0, -1), route, async (_req, reply) => reply.headers(PAGE_HEADERS).redirect(url, 301));
  }
}
