import { VeilError, isVeilError } from '../../../shared/errors';
import type { ImageHashes } from '../../../shared/hash/types';
import type { RgbaImage } from '../../../shared/image/types';
import type { Verdict } from '../messages';
import type { ListHit } from './lists';

/**
 * One image URL to a verdict: fetch the bytes (size-limited), decode, hash with the shared
 * pipeline, match against the local index. The decoded pixels live only inside `hashBytes` and
 * are dropped as soon as the hashes exist. Verdicts are remembered per URL in memory (never
 * stored), so the second sighting of an image costs a map lookup; the cache is keyed on the
 * index's epoch, so a list update or an allow-list change makes every verdict stale at once.
 */

export interface CheckerIndex {
  readonly ready: Promise<void>;
  readonly epoch: number;
  readonly entryCount: number;
  match(hashes: ImageHashes): ListHit | null;
}

export interface CheckerDeps {
  index: CheckerIndex;
  fetch: typeof fetch;
  /** Bytes to straight RGBA (decodeInBrowser with the platform's createImageBitmap). */
  decode(bytes: Uint8Array): Promise<RgbaImage>;
  /** RGBA to hashes (computeHashesFromRgba with a reused scratch). */
  hash(img: RgbaImage): ImageHashes;
  /** Called when the queue runs dry: wipe scratch buffers that held image-derived values. */
  onIdle?(): void;
  maxBytes: number;
  concurrentFetches: number;
  cacheSize: number;
  fetchTimeoutMs: number;
}

export interface DecisionTimings {
  decode: number;
  hash: number;
  match: number;
}

export interface CheckResult {
  verdict: Verdict;
  /** The entry matched, for "This is not a leaked photo"; null unless listed. */
  hit: ListHit | null;
}

/** data: URLs longer than this are not used as cache keys (the content script caches them). */
const MAX_CACHED_URL = 4096;

export class ImageChecker {
  private readonly cache = new Map<string, { epoch: number; result: CheckResult }>();
  private readonly inFlight = new Map<string, Promise<CheckResult>>();
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly deps: CheckerDeps) {}

  /** The remembered result for a URL, if still valid. */
  cached(url: string): CheckResult | undefined {
    const c = this.cache.get(url);
    if (!c || c.epoch !== this.deps.index.epoch) return undefined;
    // Least recently used goes first: re-insert on use.
    this.cache.delete(url);
    this.cache.set(url, c);
    return c.result;
  }

  async check(url: string): Promise<CheckResult> {
    await this.deps.index.ready;
    const hit = this.cached(url);
    if (hit) return hit;
    let p = this.inFlight.get(url);
    if (!p) {
      p = this.checkUncached(url).finally(() => this.inFlight.delete(url));
      this.inFlight.set(url, p);
    }
    return p;
  }

  private async checkUncached(url: string): Promise<CheckResult> {
    const epoch = this.deps.index.epoch;
    let result: CheckResult;
    if (this.deps.index.entryCount === 0) {
      // Nothing listed: no image can match, so none is fetched.
      result = { verdict: { verdict: 'clear' }, hit: null };
    } else {
      try {
        const hashes = await this.hashUrl(url);
        result = this.verdictFor(hashes);
      } catch (err) {
        return { verdict: { verdict: 'unchecked', reason: isVeilError(err) ? err.code : 'internal' }, hit: null };
      }
    }
    if (url.length <= MAX_CACHED_URL) this.remember(url, epoch, result);
    return result;
  }

  /**
   * Checks bytes handed over directly (blob: images read by the content script). `timings`, when
   * given, receives the milliseconds spent decoding, hashing and matching (the benchmark's view).
   */
  async checkBytes(bytes: Uint8Array, timings?: DecisionTimings): Promise<CheckResult> {
    await this.deps.index.ready;
    if (this.deps.index.entryCount === 0) return { verdict: { verdict: 'clear' }, hit: null };
    try {
      const hashes = await this.hashBytes(bytes, timings);
      const t = performance.now();
      const result = this.verdictFor(hashes);
      if (timings) timings.match = performance.now() - t;
      return result;
    } catch (err) {
      return { verdict: { verdict: 'unchecked', reason: isVeilError(err) ? err.code : 'internal' }, hit: null };
    }
  }

  private verdictFor(hashes: ImageHashes): CheckResult {
    const hit = this.deps.index.match(hashes);
    return hit ? { verdict: { verdict: 'listed', list: hit.list }, hit } : { verdict: { verdict: 'clear' }, hit: null };
  }

  private remember(url: string, epoch: number, result: CheckResult): void {
    this.cache.delete(url);
    this.cache.set(url, { epoch, result });
    while (this.cache.size > this.deps.cacheSize) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
  }

  /** The hashes of the image at a URL (for reports): fetched, hashed, not remembered. */
  async hashUrl(url: string): Promise<ImageHashes> {
    const bytes = await this.withFetchSlot(() => this.fetchBytes(url));
    return this.hashBytes(bytes);
  }

  private async hashBytes(bytes: Uint8Array, timings?: DecisionTimings): Promise<ImageHashes> {
    try {
      const t0 = performance.now();
      let img: RgbaImage | null = await this.deps.decode(bytes);
      const t1 = performance.now();
      const hashes = this.deps.hash(img);
      // Pixels dropped right after hashing: the only reference goes now.
      img = null;
      if (timings) {
        timings.decode = t1 - t0;
        timings.hash = performance.now() - t1;
      }
      return hashes;
    } finally {
      if (this.active === 0 && this.inFlight.size <= 1) this.deps.onIdle?.();
    }
  }

  private async withFetchSlot<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.deps.concurrentFetches) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  private async fetchBytes(url: string): Promise<Uint8Array> {
    let res: Response;
    try {
      res = await this.deps.fetch(url, {
        // The page loaded this image with the user's cookies; some hosts serve nothing without
        // them. No referrer: the host learns nothing about the page from us.
        credentials: 'include',
        cache: 'force-cache',
        referrerPolicy: 'no-referrer',
        signal: AbortSignal.timeout(this.deps.fetchTimeoutMs),
      });
    } catch (cause) {
      throw new VeilError('io/read-failed', '(fetch)', { cause });
    }
    if (!res.ok) throw new VeilError('io/read-failed', `(HTTP ${res.status})`);
    return readLimited(res, this.deps.maxBytes);
  }
}

/** The body, refused as soon as it passes `max` bytes (whatever Content-Length claimed). */
export async function readLimited(res: Response, max: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > max) {
    await res.body?.cancel().catch(() => undefined);
    throw new VeilError('image/too-large-bytes');
  }
  if (!res.body) return new Uint8Array(await res.arrayBuffer());
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      throw new VeilError('image/too-large-bytes');
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.byteLength;
  }
  return out;
}
