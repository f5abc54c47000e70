/**
 * The attachment CDN and media proxy: `/cdn/...` stands for cdn.discordapp.com and `/media/...`
 * for media.discordapp.net. Blobs can be slow or sent without a length, to exercise the bot's
 * download limits; attachment URLs carry Discord's signature parameters and fail without them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { World } from './world';

const CHUNK = 64 * 1024;

export async function handleCdn(world: World, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = url.pathname;
  const blob = world.blobs.get(path);
  const fail = (status: number): void => {
    world.log.record({ kind: 'cdn.fetch', path, status });
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(status === 404 ? 'This content is no longer available.' : 'Method Not Allowed');
  };
  if (req.method !== 'GET' && req.method !== 'HEAD') return fail(405);
  if (!blob || (blob.signature && url.searchParams.get('hm') !== blob.signature)) return fail(404);
  if (blob.delayMs) {
    await new Promise((r) => setTimeout(r, blob.delayMs));
    if (req.destroyed) return;
  }
  world.log.record({ kind: 'cdn.fetch', path, status: 200 });
  const headers: Record<string, string> = { 'cache-control': 'public, max-age=31536000' };
  if (blob.contentType) headers['content-type'] = blob.contentType;
  if (!blob.chunked) headers['content-length'] = String(blob.bytes.length);
  res.writeHead(200, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  if (!blob.chunked) {
    res.end(blob.bytes);
    return;
  }
  // Chunked transfer, no length: a client must count bytes itself to enforce a size limit.
  for (let at = 0; at < blob.bytes.length && !res.destroyed; at += CHUNK) {
    const ok = res.write(blob.bytes.subarray(at, at + CHUNK));
    if (!ok) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  }
  res.end();
}
