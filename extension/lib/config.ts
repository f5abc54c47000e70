/**
 * Build-time configuration. `wxt.config.ts` replaces the two globals below with the values of
 * VEIL_REGISTRY_URL and VEIL_REGISTRY_PUBLIC_KEY when it bundles (see the README); outside a
 * bundle (unit tests) they are undefined and the local development defaults apply.
 */
declare const __VEIL_REGISTRY_URL__: string | undefined;
declare const __VEIL_REGISTRY_PUBLIC_KEY__: string | undefined;
declare const __VEIL_TEST_HOOKS__: boolean | undefined;

/** True only in builds made by the end-to-end tests (VEIL_TEST_HOOKS=1). */
export const TEST_HOOKS: boolean = typeof __VEIL_TEST_HOOKS__ === 'boolean' && __VEIL_TEST_HOOKS__;

/** The registry `npm start` runs on a developer machine. */
const DEV_REGISTRY_URL = 'http://127.0.0.1:8787';

export interface BuildConfig {
  /** The registry subscribed on first install. */
  registryUrl: string;
  /** Its Ed25519 list-signing public key, 64 hex digits; '' when the build did not pin one. */
  registryPublicKey: string;
}

export const BUILD_CONFIG: BuildConfig = {
  registryUrl: typeof __VEIL_REGISTRY_URL__ === 'string' && __VEIL_REGISTRY_URL__ ? __VEIL_REGISTRY_URL__ : DEV_REGISTRY_URL,
  registryPublicKey: typeof __VEIL_REGISTRY_PUBLIC_KEY__ === 'string' ? __VEIL_REGISTRY_PUBLIC_KEY__.toLowerCase() : '',
};

/** Limits of the background's image check. One object, so the bench and tests read the same numbers. */
export const CHECK_DEFAULTS = {
  /** Larger responses are not hashed (they are shown unchecked): leaked photos are rarely this big. */
  maxBytes: 25 * 1024 * 1024,
  /** Decoded pixel limit (decompression bombs). */
  maxPixels: 50_000_000,
  /** Fetches in flight at once; decode and hash run one at a time on the worker's thread anyway. */
  concurrentFetches: 6,
  /** Idle time after which the hashing buffers (wiped already) are dropped, not kept for the next image. */
  scratchReleaseMs: 2_000,
  /** Verdicts remembered per URL (least recently used dropped first); memory only, never stored. */
  verdictCacheSize: 5000,
  /** A fetch that takes longer is abandoned (the image is then shown unchecked by the content script). */
  fetchTimeoutMs: 20_000,
} as const;

/** List sync schedule: every `periodMinutes`, with exponential back-off after failures. */
export const SYNC_DEFAULTS = {
  periodMinutes: 30,
  /** First retry after a failure, doubled per failure up to `maxBackoffMinutes`. */
  firstBackoffMinutes: 1,
  maxBackoffMinutes: 24 * 60,
} as const;
