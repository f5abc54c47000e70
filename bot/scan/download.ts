/**
 * Downloads one image from Discord's CDN with a size limit, a time limit and a content-type
 * check. The bytes live only in the returned buffer, which the caller hashes and drops.
 *
 * The size limit is enforced twice: from Content-Length before reading (cheap refusal), and by
 * counting while reading, because a chunked response has no length and a header can lie.
 * Redirects are refused so that an allowed URL cannot send the bot anywhere else.
 */
import { VeilError } from '../../shared/errors';
import type { DiscordOrigins } from './sources';
import { allowedUrl } from './sources';

export interface DownloadLimits {
  /** Largest file fetched (Discord's own upload limit is 10 MiB without Nitro, 500 MiB with). */
  maxBytes: number;
  /** Whole download, headers to last byte. */
  timeoutMs: number;
}

export const DEFAULT_DOWNLOAD_LIMITS: Readonly<DownloadLimits> = Object.freeze({
  maxBytes: 25 * 1024 * 1024,
  timeoutMs: 10_000,
});

/** Content types worth decoding; octet-stream is let through to the decoder's magic-byte check. */
function acceptableType(contentType: string | null): boolean {
  if (!contentType) return true;
  const t = contentType.split(';')[0].trim().toLowerCase();
  return t.startsWith('image/') || t === 'application/octet-stream' || t === 'binary/octet-stream';
}

export async function downloadImage(
  url: string,
  origins: DiscordOrigins,
  limits: DownloadLimits = DEFAULT_DOWNLOAD_LIMITS,
  fetchImpl: typeof fetch = fetch,
): Promise<Uint8Array> {
  if (!allowedUrl(url, origins)) throw new VeilError('download/refused-url');
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let res: Response;
  try {
    res = await fetchImpl(url, { redirect: 'error', signal, headers: { accept: 'image/*' } });
  } catch (cause) {
    if (signal.aborted) throw new VeilError('download/timeout', undefined, { cause });
    throw new VeilError('download/failed', undefined, { cause });
  }
  try {
    if (res.status !== 200) throw new VeilError('download/failed', `(HTTP ${res.status})`);
    if (!acceptableType(res.headers.get('content-type'))) throw new VeilError('download/not-image');
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > limits.maxBytes) throw new VeilError('download/too-large');
    return await readCapped(res, limits.maxBytes, signal);
  } catch (err) {
    // Whatever went wrong, stop the transfer now rather than let it run in the background.
    await res.body?.cancel().catch(() => undefined);
    throw err;
  }
}

async function readCapped(res: Response, maxBytes: number, signal: AbortSignal): Promise<Uint8Array> {
  if (!res.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) throw new VeilError('download/too-large');
      chunks.push(value);
    }
  } catch (cause) {
    if (cause instanceof VeilError) throw cause;
    if (signal.aborted) throw new VeilError('download/timeout', undefined, { cause });
    throw new VeilError('download/failed', undefined, { cause });
  } finally {
    reader.releaseLock();
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
