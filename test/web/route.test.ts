import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import webRoutes, { NOT_BUILT_TEXT, PAGE_CSP } from '../../registry/routes/web/index';

/** The registry's page routes over a fake build folder (the real Vite build is test/web/page.e2e). */
const opened: { app: FastifyInstance; dir: string }[] = [];
afterEach(async () => {
  for (const { app, dir } of opened.splice(0)) {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

async function serve(files: Record<string, string> | null): Promise<FastifyInstance> {
  const dir = mkdtempSync(join(tmpdir(), 'veil-web-'));
  const root = files ? dir : join(dir, 'missing');
  for (const [path, text] of Object.entries(files ?? {})) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const app = fastify({ logger: false });
  await app.register(webRoutes, { dir: root });
  opened.push({ app, dir });
  return app;
}

const BUILT = {
  'index.html': '<!doctype html><html lang="en"><title>en</title></html>',
  'zh-CN/index.html': '<!doctype html><html lang="zh-CN"><title>zh</title></html>',
  'assets/main-abc123.js': 'console.log(1)',
  'assets/main-abc123.css': 'body{}',
  'favicon.svg': '<svg xmlns="http://www.w3.org/2000/svg"/>',
  '.secret': 'not served',
};

describe('registry web page routes', () => {
  it.each([
    ['/', 'text/html; charset=utf-8', 'lang="en"', 'no-cache'],
    ['/zh-CN/', 'text/html; charset=utf-8', 'lang="zh-CN"', 'no-cache'],
    ['/assets/main-abc123.js', 'text/javascript; charset=utf-8', 'console.log(1)', 'public, max-age=31536000, immutable'],
    ['/assets/main-abc123.css', 'text/css; charset=utf-8', 'body{}', 'public, max-age=31536000, immutable'],
    ['/favicon.svg', 'image/svg+xml', '<svg', 'no-cache'],
  ])('%s is served from the build with a strict CSP and no cookie', async (url, type, body, cache) => {
    const app = await serve(BUILT);
    const res = await app.inject(url);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(type);
    expect(res.body).toContain(body);
    expect(res.headers['cache-control']).toBe(cache);
    expect(res.headers['content-security-policy']).toBe(PAGE_CSP);
    expect(PAGE_CSP.startsWith("default-src 'self';")).toBe(true);
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it("visitors of the page leave no line in the registry's log", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'veil-web-'));
    writeFileSync(join(dir, 'index.html'), BUILT['index.html']);
    const lines: string[] = [];
    const app = fastify({ logger: { level: 'info', stream: { write: (line: string) => void lines.push(line) } } });
    await app.register(webRoutes, { dir });
    opened.push({ app, dir });
    app.get('/v1/other', async () => ({ ok: true }));
    expect((await app.inject({ url: '/', remoteAddress: '203.0.113.9' })).statusCode).toBe(200);
    expect(lines).toEqual([]);
    // The same logger does log other routes, so the silence above is the page's own.
    await app.inject({ url: '/v1/other', remoteAddress: '203.0.113.9' });
    expect(lines.length).toBeGreaterThan(0);
  });

  it('/zh-CN redirects to /zh-CN/', async () => {
    const app = await serve(BUILT);
    const res = await app.inject('/zh-CN');
    expect(res.statusCode).toBe(301);
    expect(res.headers.location).toBe('/zh-CN/');
  });

  it.each(['/.secret', '/index.html', '/assets/', '/zh-CN/index.html', '/assets/nope.js', '/etc/passwd'])('%s is not served', async (url) => {
    const app = await serve(BUILT);
    expect((await app.inject(url)).statusCode).toBe(404);
  });

  it('without a build, / says how to build the page and the app still starts', async () => {
    const app = await serve(null);
    const res = await app.inject('/');
    expect(res.statusCode).toBe(503);
    expect(res.body).toBe(NOT_BUILT_TEXT);
    expect(res.body).toContain('npm run build:web');
    expect(res.headers['content-security-policy']).toBe(PAGE_CSP);
    expect((await app.inject('/zh-CN/')).statusCode).toBe(404);
  });
});
