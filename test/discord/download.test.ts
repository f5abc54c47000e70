/**
 * Attachment downloads against a local server: only Discord's hosts, no redirects, size limits
 * that do not trust headers, a time limit, a content-type check.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadImage } from '../../bot/scan/download';
import { allowedUrl, discordOrigins } from '../../bot/scan/sources';
import { isVeilError } from '../../shared/errors';

let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? '/';
    if (path === '/cdn/ok.png') {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': '4' });
      res.end(Buffer.from([1, 2, 3, 4]));
    } else if (path === '/cdn/redirect.png') {
      res.writeHead(302, { location: '/cdn/ok.png' });
      res.end();
    } else if (path === '/cdn/big-declared.png') {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': '5000' });
      res.end(Buffer.alloc(5000));
    } else if (path === '/cdn/big-chunked.png') {
      res.writeHead(200, { 'content-type': 'image/png' });
      for (let i = 0; i < 10; i++) res.write(Buffer.alloc(1000));
      res.end();
    } else if (path === '/cdn/slow.png') {
      setTimeout(() => {
        if (!res.destroyed) res.end();
      }, 2000);
    } else if (path === '/cdn/page.html') {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>');
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

const limits = { maxBytes: 4096, timeoutMs: 500 };
const origins = () => discordOrigins(`${base}/cdn`, null);

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (err) {
    return isVeilError(err) ? err.code : String(err);
  }
}

describe('which URLs the bot may fetch', () => {
  const real = discordOrigins(null, null);
  it.each([
    ['https://cdn.discordapp.com/attachments/1/2/a.png', true],
    ['https://media.discordapp.net/external/abc/https/example.com/a.png', true],
    ['https://cdn.discordapp.com.evil.example/attachments/1/2/a.png', false],
    ['https://evil.example/cdn.discordapp.com/attachments/1/2/a.png', false],
    ['https://user@cdn.discordapp.com/attachments/1/2/a.png', false],
    ['http://cdn.discordapp.com/attachments/1/2/a.png', false],
    ['https://cdn.discordapp.com:8443/attachments/1/2/a.png', false],
    ['not a url', false],
  ])('%s → %s', (url, ok) => {
    expect(allowedUrl(url, real) !== null).toBe(ok);
  });

  it('keeps a configured base path: only URLs below it', () => {
    expect(allowedUrl(`${base}/cdn/x.png`, origins())).not.toBeNull();
    expect(allowedUrl(`${base}/api/v10/users/@me`, origins())).toBeNull();
  });
});

describe('downloadImage', () => {
  it('returns the bytes of an image', async () => {
    expect([...(await downloadImage(`${base}/cdn/ok.png`, origins(), limits))]).toEqual([1, 2, 3, 4]);
  });

  it.each([
    ['a host that is not Discord', 'http://127.0.0.2:9/cdn/ok.png', 'download/refused-url'],
    ['a redirect', '/cdn/redirect.png', 'download/failed'],
    ['a declared length over the limit', '/cdn/big-declared.png', 'download/too-large'],
    ['a chunked body over the limit', '/cdn/big-chunked.png', 'download/too-large'],
    ['a slow answer', '/cdn/slow.png', 'download/timeout'],
    ['an HTML page', '/cdn/page.html', 'download/not-image'],
    ['a missing file', '/cdn/missing.png', 'download/failed'],
  ])('refuses %s', async (_what, path, expected) => {
    const url = path.startsWith('http') ? path : `${base}${path}`;
    expect(await code(downloadImage(url, origins(), limits))).toBe(expected);
  });
});
