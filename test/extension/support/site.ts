import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A test web site on 127.0.0.1: HTML pages and images from memory, with an optional delay per
 * path (to hold an image's bytes back while the page paints). Two of these give two origins.
 */
export interface TestSite {
  origin: string;
  /** Requests seen, as paths with query. */
  hits: string[];
  /** Most requests in flight at one time so far. */
  readonly maxInFlight: number;
  page(path: string, html: string): void;
  /** `delayMs` may depend on the request (e.g. hold back only the extension's own fetch). */
  file(path: string, body: Uint8Array, type: string, delayMs?: number | ((req: IncomingMessage) => number)): void;
  close(): Promise<void>;
}

export async function startTestSite(): Promise<TestSite> {
  const routes = new Map<string, { body: Uint8Array | string; type: string; delayMs: number | ((req: IncomingMessage) => number) }>();
  const hits: string[] = [];
  const flight = { now: 0, max: 0 };
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    hits.push(url.pathname + url.search);
    flight.now++;
    flight.max = Math.max(flight.max, flight.now);
    res.on('close', () => flight.now--);
    const route = routes.get(url.pathname);
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    const send = () => {
      // No caching: every load in a test asks again, as a fresh visit would.
      res.writeHead(200, { 'content-type': route.type, 'cache-control': 'no-store', 'access-control-allow-origin': '*' });
      res.end(route.body);
    };
    const delay = typeof route.delayMs === 'function' ? route.delayMs(req) : route.delayMs;
    if (delay > 0) setTimeout(send, delay);
    else send();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    hits,
    get maxInFlight() {
      return flight.max;
    },
    page: (path, html) => routes.set(path, { body: html, type: 'text/html; charset=utf-8', delayMs: 0 }),
    file: (path, body, type, delayMs = 0) => routes.set(path, { body, type, delayMs }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
