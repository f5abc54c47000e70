import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildRegistryApp } from '../../../registry/app';
import { bytesToHex } from '../../../shared/hex';
import { generateSigner } from '../../../shared/registry/listFormat';
import type { HashJson, SubmissionResponse } from '../../../shared/registry/wire';

/**
 * The real registry (registry/app.ts on SQLite in a temporary folder), reached through a small
 * HTTP front on 127.0.0.1 that records every request the extension makes (so a test can show
 * that browsing sends the registry nothing but list downloads, and that the protect page sends
 * only hashes) and can tamper with list files in flight (a network attacker or a bad mirror).
 */

export interface LoggedRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface TestRegistry {
  url: string;
  publicKeyHex: string;
  app: FastifyInstance;
  requests: LoggedRequest[];
  /** While true, every list file is served with one hash bit flipped (signature left as is). */
  tamper: boolean;
  /** While true, every request is answered 503 (the registry is down). */
  down: boolean;
  /** Submits hashes as a victim would (straight to the app, not through the logged front). */
  submit(hashes: HashJson[]): Promise<SubmissionResponse>;
  close(): Promise<void>;
}

export async function startTestRegistry(): Promise<TestRegistry> {
  const dataDir = mkdtempSync(join(tmpdir(), 'veil-registry-'));
  const current = await generateSigner();
  const app = await buildRegistryApp({
    dataDir,
    logger: false,
    rateLimit: 0,
    matchIndex: false,
    // Lists are rebuilt at once after each change (tests do not wait for a snapshot to age).
    snapshotMaxAgeMs: 0,
    keys: { current, announcements: [], previous: [] },
  });
  const requests: LoggedRequest[] = [];
  const state = { tamper: false, down: false };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers }, body: body.toString('utf8') });
      if (state.down) {
        res.writeHead(503);
        res.end();
        return;
      }
      const headers = { ...req.headers };
      delete headers['content-length'];
      delete headers.host;
      // A tampered list must reach the client as signed bytes with one bit flipped, not as a
      // compressed stream with a broken byte (which fails the download before any signature is
      // checked), so ask the registry for the file uncompressed while tampering.
      if (state.tamper) delete headers['accept-encoding'];
      app
        .inject({ method: (req.method ?? 'GET') as 'GET', url: req.url ?? '/', headers, payload: body.length ? body : undefined })
        .then((r) => {
          let payload = r.rawPayload;
          if (state.tamper && /^\/v1\/lists\//.test(req.url ?? '') && r.statusCode === 200 && payload.length > 88 + 64) {
            payload = Buffer.from(payload);
            // Flip one bit of the first record's hash (bytes 88.. hold records, 2 bytes in).
            payload[88 + 2] ^= 0x01;
          }
          const out: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(r.headers)) {
            if (v === undefined || k === 'content-length' || k === 'transfer-encoding' || k === 'connection') continue;
            out[k] = Array.isArray(v) ? v.map(String) : String(v);
          }
          // CORS for the extension's pages is the registry's business; mirror what it said.
          res.writeHead(r.statusCode, out);
          res.end(payload);
        })
        .catch(() => {
          res.writeHead(502);
          res.end();
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    publicKeyHex: bytesToHex(current.publicKey),
    app,
    requests,
    get tamper() {
      return state.tamper;
    },
    set tamper(v: boolean) {
      state.tamper = v;
    },
    get down() {
      return state.down;
    },
    set down(v: boolean) {
      state.down = v;
    },
    async submit(hashes) {
      const r = await app.inject({ method: 'POST', url: '/v1/submissions', payload: { hashes } });
      if (r.statusCode !== 201) throw new Error(`submission refused: ${r.statusCode} ${r.body}`);
      return r.json() as SubmissionResponse;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
