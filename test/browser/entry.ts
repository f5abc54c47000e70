import { decodeInBrowser } from '../../shared/image/browserDecode';
import type { DecodeLimits } from '../../shared/image/sniff';
import { computeHashesFromRgba, createHashScratch } from '../../shared/hash/compute';
import { lumaFromRgba } from '../../shared/image/canonical';
import type { RgbaImage } from '../../shared/image/types';
import { bytesToHex } from '../../shared/hex';
import { hashSetHex, type HashSetHex } from './hashSets';
import { timeSteps, type TimingPlan } from './timedHashing';

/**
 * The browser side of test/browser: bundled by harness.ts with esbuild and loaded both as a page
 * script and as a service worker script. It runs the shared code exactly as the extension will
 * (fetch bytes, decodeInBrowser, computeHashesFromRgba) and reports every hash as hex
 * (hashSets.ts), or the error code; bench/hashBrowser.ts times the hashing here. Test-only: it may POST decoded pixels back to the test's own 127.0.0.1 server so the
 * test can compare them with Node's; nothing else ever sends pixels anywhere.
 */

export interface BrowserHashRequest {
  url: string;
  /** Hand decodeInBrowser a Blob (as from fetch().blob()) instead of an ArrayBuffer. */
  asBlob?: boolean;
  limits?: Partial<DecodeLimits>;
  /** POST the decoded RGBA and the canonical luma here (test server) for comparison. */
  uploadTo?: string;
  /** Return the SHA-256 of the decoded RGBA, so identical pixels can be shown without moving them. */
  digest?: boolean;
  /** Also hash the image for registration ({ registration: true }) and return that set too. */
  registration?: boolean;
}

/** The query's hash set (views included), and the registration set when asked. */
export type BrowserHashResult =
  | ({ ok: true; format: string; rgbaSha256?: string; registration?: HashSetHex } & HashSetHex)
  | { ok: false; code: string; message: string };

const scratch = createHashScratch();

async function hashUrl(req: BrowserHashRequest): Promise<BrowserHashResult> {
  try {
    const res = await fetch(req.url);
    if (!res.ok) return { ok: false, code: `http/${res.status}`, message: res.statusText };
    const input = req.asBlob ? await res.blob() : await res.arrayBuffer();
    const img = await decodeInBrowser(input, globalThis, req.limits);
    if (req.uploadTo) {
      const luma = lumaFromRgba(img).luma;
      await fetch(`${req.uploadTo}/rgba`, { method: 'POST', body: img.data as Uint8ClampedArray<ArrayBuffer> });
      await fetch(`${req.uploadTo}/luma`, { method: 'POST', body: luma as Float32Array<ArrayBuffer> });
    }
    const rgbaSha256 = req.digest ? bytesToHex(new Uint8Array(await crypto.subtle.digest('SHA-256', img.data as Uint8ClampedArray<ArrayBuffer>))) : undefined;
    const query = hashSetHex(computeHashesFromRgba(img, scratch));
    const registration = req.registration ? hashSetHex(computeHashesFromRgba(img, scratch, { registration: true })) : undefined;
    return { rgbaSha256, ok: true, format: img.format, ...query, ...(registration ? { registration } : {}) };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return { ok: false, code: e.code ?? 'not-a-veil-error', message: String(e.message) };
  }
}

/** Raw RGBA (width * height * 4 bytes, as Node decoded it) served by the test server. */
export interface RawRgbaUrl {
  url: string;
  width: number;
  height: number;
}

export interface BrowserTimingRequest {
  images: RawRgbaUrl[];
  plan: TimingPlan;
  /** Also return each image's query and registration hash sets, for comparison with Node's. */
  hashSets?: boolean;
}

export interface BrowserTimingResult {
  /** Milliseconds per image for each step (timedHashing.ts), warm-up rounds dropped. */
  times: Record<string, number[]>;
  hashSets?: { query: HashSetHex; registration: HashSetHex }[];
  userAgent: string;
}

/** Fetches the pixels (not timed), then times the hashing steps on them. */
async function timeHashing(req: BrowserTimingRequest): Promise<BrowserTimingResult> {
  const images: RgbaImage[] = [];
  for (const { url, width, height } of req.images) {
    const res = await fetch(url);
    if (!res.ok) throw new Error(`${url}: http ${res.status}`);
    images.push({ width, height, data: new Uint8Array(await res.arrayBuffer()) });
  }
  const times = timeSteps(images, req.plan);
  const hashSets = req.hashSets
    ? images.map((img) => ({ query: hashSetHex(computeHashesFromRgba(img, scratch)), registration: hashSetHex(computeHashesFromRgba(img, scratch, { registration: true })) }))
    : undefined;
  return { times, ...(hashSets ? { hashSets } : {}), userAgent: navigator.userAgent };
}

/** What the page or service worker exposes to the test (page.evaluate / worker.evaluate). */
export interface VeilTestApi {
  hashUrl: typeof hashUrl;
  timeHashing: typeof timeHashing;
  /** 'page', 'worker' or 'service-worker', and whether a DOM exists, to prove where code ran. */
  context: () => { kind: string; hasDocument: boolean };
}

const api: VeilTestApi = {
  hashUrl,
  timeHashing,
  context: () => ({
    kind: typeof (globalThis as { ServiceWorkerGlobalScope?: unknown }).ServiceWorkerGlobalScope !== 'undefined' ? 'service-worker' : typeof document !== 'undefined' ? 'page' : 'worker',
    hasDocument: typeof document !== 'undefined',
  }),
};
(globalThis as unknown as { veilTest: VeilTestApi }).veilTest = api;
