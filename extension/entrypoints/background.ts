import { defineBackground } from 'wxt/utils/define-background';
import { computeHashesFromRgba, createHashScratch, wipeHashScratch } from '../../shared/hash/compute';
import { decodeInBrowser } from '../../shared/image/browserDecode';
import { Matcher } from '../../shared/match/matcher';
import { IdbListStorage } from '../lib/background/idbStorage';
import { startBackground } from '../lib/background/service';
import { CHECK_DEFAULTS } from '../lib/config';

export default defineBackground(() => {
  // One scratch while images keep coming: hashing then allocates nothing per image. It is wiped
  // as soon as the queue runs dry, and dropped after a quiet spell, so that buffers grown for the
  // largest image seen (tens of MB for a framed 12-megapixel photo) do not stay with the worker.
  let scratch = createHashScratch();
  let release: ReturnType<typeof setTimeout> | undefined;
  const fetchImpl = globalThis.fetch.bind(globalThis);
  startBackground({
    lists: {
      fetch: fetchImpl,
      storageFor: (subscription) => new IdbListStorage(subscription),
      forgetStorage: (subscription) => new IdbListStorage(subscription).clear(),
      createMatcher: () => {
        // Compact indexes (shared/match/mih.ts): 100 instead of 120 bytes per entry; a query
        // takes ~0.4 instead of ~0.2 ms at 1M entries.
        const m = new Matcher({ indexLayout: 'compact' });
        // The list client names entries by one id across kinds and lists: removeEntry is its remove.
        return { add: (e) => m.add(e), remove: (id) => void m.removeEntry(id), flush: () => m.flush(), match: (h) => m.match(h), matchAll: (h) => m.matchAll(h), memoryBytes: () => m.memoryBytes() };
      },
    },
    checker: {
      fetch: fetchImpl,
      decode: (bytes) => decodeInBrowser(bytes, globalThis, { maxBytes: CHECK_DEFAULTS.maxBytes, maxPixels: CHECK_DEFAULTS.maxPixels }),
      hash: (img) => {
        clearTimeout(release);
        return computeHashesFromRgba(img, scratch);
      },
      onIdle: () => {
        wipeHashScratch(scratch);
        clearTimeout(release);
        release = setTimeout(() => (scratch = createHashScratch()), CHECK_DEFAULTS.scratchReleaseMs);
      },
      maxBytes: CHECK_DEFAULTS.maxBytes,
      concurrentFetches: CHECK_DEFAULTS.concurrentFetches,
      cacheSize: CHECK_DEFAULTS.verdictCacheSize,
      fetchTimeoutMs: CHECK_DEFAULTS.fetchTimeoutMs,
    },
  });
});
