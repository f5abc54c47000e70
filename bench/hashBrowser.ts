import { pathToFileURL } from 'node:url';
import { computeHashesFromRgba, createHashScratch } from '../shared/hash/compute';
import type { RgbaImage } from '../shared/image/types';
import { CHROMIUM_PATH, hasChromium } from '../test/support/chromium';
import { startBrowserHarness } from '../test/browser/harness';
import { compareHashSets, hashSetHex } from '../test/browser/hashSets';
import { timeSteps, type TimedStep, type TimingPlan } from '../test/browser/timedHashing';
import type { BrowserTimingResult } from '../test/browser/entry';
import { loadPhotos, median, printHeader, ROUNDS, targetLine, WARMUP_ROUNDS, type Timing } from './hash';

/**
 * The hash set's time per image in headless Chromium beside Node's (issue 6: whatever is added
 * must run in the extension, page or service worker, and in Node with the same results). Node
 * decodes the photos once (bench/hash.ts's set); Chromium is handed the same RGBA bytes, so both
 * hash identical pixels, and only the hashing is timed, by the same loop on both sides
 * (test/browser/timedHashing.ts). The hash sets are compared too: on identical pixels they must
 * be identical. Printed, never asserted.
 */

const STEPS: readonly [TimedStep, string][] = [
  ['pdq-dihedral-blockhash', 'PDQ + dihedral + blockhash (issue 2)'],
  ['query', 'query: the whole hash set'],
  ['registration', 'registration: the whole set'],
];
const HASH_SET_TARGET_MS = 40;

function summarise(times: number[]): Timing {
  return { median: median(times), min: Math.min(...times) };
}

export async function benchHashBrowser(): Promise<void> {
  if (!hasChromium) {
    console.log(`SKIPPED: Debian chromium (${CHROMIUM_PATH}) is not available; the Chromium hash timing needs it.`);
    return;
  }
  const { photos, source } = await loadPhotos();
  const plan: TimingPlan = { steps: STEPS.map(([step]) => step), warmupRounds: WARMUP_ROUNDS, rounds: ROUNDS };
  const harness = await startBrowserHarness();
  try {
    const images = photos.map((p, i) => ({ url: harness.addImage(`rgba-${i}`, p.rgba.data as Uint8Array), width: p.rgba.width, height: p.rgba.height }));
    const node = timeSteps(photos.map((p) => p.rgba), plan);
    const page = await harness.timeHashing({ images, plan, hashSets: true });
    const worker = await harness.timeHashing({ images, plan }, await harness.serviceWorker());

    console.log(`Hash timing in Node and headless Chromium, one thread, ms per image over ${ROUNDS} rounds of ${source} (same RGBA on both sides)`);
    printHeader(photos);
    console.log(`(${page.userAgent.match(/(?:Headless)?Chrome\/[\d.]+/)?.[0] ?? page.userAgent})`);
    const columns: [string, Record<string, number[]>][] = [['Node', node], ['Chromium page', page.times], ['service worker', worker.times]];
    const width = Math.max(...STEPS.map(([, label]) => label.length));
    console.log(`  ${''.padEnd(width)}  ${columns.map(([name]) => `${name} median / min`.padStart(30)).join('')}`);
    for (const [step, label] of STEPS) {
      const cells = columns.map(([, times]) => {
        const t = summarise(times[step]);
        return `${t.median.toFixed(2).padStart(7)} / ${t.min.toFixed(2).padStart(6)} ms`.padStart(30);
      });
      console.log(`  ${label.padEnd(width)}  ${cells.join('')}`);
    }
    const ratio = (step: TimedStep, t: BrowserTimingResult) => (summarise(t.times[step]).median / summarise(node[step]).median).toFixed(2);
    console.log(`  Chromium / Node (median): query ${ratio('query', page)}x page, ${ratio('query', worker)}x worker; registration ${ratio('registration', page)}x page, ${ratio('registration', worker)}x worker`);
    console.log(`  ${targetLine('the query hash set in the Chromium page', HASH_SET_TARGET_MS, summarise(page.times.query))} (the 40 ms target is Node's; no face detection yet)`);
    console.log(`  ${targetLine('the query hash set in the service worker', HASH_SET_TARGET_MS, summarise(worker.times.query))}`);
    printAgreement(photos.map((p) => p.rgba), page);
  } finally {
    await harness.close();
  }
}

/** Node's hash sets against the page's, on the same RGBA: they must be identical. */
function printAgreement(images: readonly RgbaImage[], page: BrowserTimingResult): void {
  const scratch = createHashScratch();
  const differing: string[] = [];
  const photosDiffering = new Set<number>();
  images.forEach((img, i) => {
    const fromPage = page.hashSets?.[i];
    if (!fromPage) {
      photosDiffering.add(i);
      differing.push(`photo ${i}: no hash set from the page`);
      return;
    }
    for (const [set, nodeSet] of [
      ['query', hashSetHex(computeHashesFromRgba(img, scratch))],
      ['registration', hashSetHex(computeHashesFromRgba(img, scratch, { registration: true }))],
    ] as const) {
      if (JSON.stringify(nodeSet) === JSON.stringify(fromPage[set])) continue;
      photosDiffering.add(i);
      const c = compareHashSets(nodeSet, fromPage[set]);
      const apart = c.pairs.filter((p) => p.bits > 0 || p.qualityDelta > 0).map((p) => `${p.what} ${p.bits} bits`);
      differing.push(`photo ${i} ${set}: ${[...c.mismatches, ...apart].slice(0, 5).join('; ')}`);
    }
  });
  console.log(`  same hash sets (query and registration) in Node and Chromium on identical RGBA: ${images.length - photosDiffering.size} of ${images.length} photos`);
  for (const d of differing) console.log(`    DIFFERENT: ${d}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchHashBrowser().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
