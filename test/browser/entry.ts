import { decodeInBrowser } from '../../shared/image/browserDecode';
import type { DecodeLimits } from '../../shared/image/sniff';
import { computeHashesFromRgba, createHashScratch } from '../../shared/hash/compute';
import { lumaFromRgba } from '../../shared/image/canonical';
import { bytesToHex } from '../../shared/hex';

/**
 * The browser side of test/browser: bundled by harness.ts with esbuild and loaded both as a page
 * script and as a service worker script. It runs the shared code exactly as the extension will
 * (fetch bytes, decodeInBrowser, computeHashesFromRgba) and reports hashes as hex, or the error
 * code. Test-only: it may POST decoded pixels back to the test's own 127.0.0.1 server so the
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
}

export type BrowserHashResult =
  | { ok: true; format: string; width: number; height: number; pdq: string; quality: number; dihedral: string[]; blockhash: string; rgbaSha256?: string }
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
    const h = computeHashesFromRgba(img, scratch);
    return {
      rgbaSha256,
      ok: true,
      format: img.format,
      width: h.width,
      height: h.height,
      pdq: bytesToHex(h.pdq),
      quality: h.quality,
      dihedral: h.pdqDihedral.map(bytesToHex),
      blockhash: bytesToHex(h.blockhash),
    };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return { ok: false, code: e.code ?? 'not-a-veil-error', message: String(e.message) };
  }
}

/** What the page or service worker exposes to the test (page.evaluate / worker.evaluate). */
export interface VeilTestApi {
  hashUrl: typeof hashUrl;
  /** 'page', 'worker' or 'service-worker', and whether a DOM exists, to prove where code ran. */
  context: () => { kind: string; hasDocument: boolean };
}

const api: VeilTestApi = {
  hashUrl,
  context: () => ({
    kind: typeof (globalThis as { ServiceWorkerGlobalScope?: unknown }).ServiceWorkerGlobalScope !== 'undefined' ? 'service-worker' : typeof document !== 'undefined' ? 'page' : 'worker',
    hasDocument: typeof document !== 'undefined',
  }),
};
(globalThis as unknown as { veilTest: VeilTestApi }).veilTest = api;
