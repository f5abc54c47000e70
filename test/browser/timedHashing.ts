import { computeHashesFromRgba, computeImageHashes, createHashScratch, type HashScratch } from '../../shared/hash/compute';
import { hashInputLuma } from '../../shared/image/canonical';
import type { RgbaImage } from '../../shared/image/types';

/**
 * The hashing steps bench/hashBrowser.ts times, and the timing loop, written once and run both
 * in Node and in Chromium (entry.ts bundles this file), so the two columns time the same code the
 * same way. Each step starts from decoded RGBA; decoding is never timed. Whole-set steps call
 * computeHashesFromRgba, so views added there later are timed without changes here.
 */

export const TIMED_STEPS = {
  /** Issue 2's set: PDQ's front end and luma, PDQ with 8 dihedral variants, blockhash. */
  'pdq-dihedral-blockhash': (img: RgbaImage, scratch: HashScratch) => {
    const luma = hashInputLuma(img, scratch.luma, scratch.frontEnd);
    if (luma.luma.buffer !== scratch.luma.buffer) scratch.luma = luma.luma;
    computeImageHashes(luma, scratch);
  },
  /** Everything a query hashes, views included. */
  query: (img: RgbaImage, scratch: HashScratch) => computeHashesFromRgba(img, scratch),
  /** Everything a registered photo is hashed for: mirrored PDQs and listed crops. */
  registration: (img: RgbaImage, scratch: HashScratch) => computeHashesFromRgba(img, scratch, { registration: true }),
} satisfies Record<string, (img: RgbaImage, scratch: HashScratch) => unknown>;

export type TimedStep = keyof typeof TIMED_STEPS;

export interface TimingPlan {
  steps: TimedStep[];
  warmupRounds: number;
  rounds: number;
}

/**
 * Milliseconds per image for each step: every image, round after round, one step at a time (as
 * bench/hash.ts's rows), warm-up rounds dropped. One scratch for the whole run, as a batch uses it.
 */
export function timeSteps(images: readonly RgbaImage[], plan: TimingPlan): Record<string, number[]> {
  const scratch = createHashScratch();
  const times: Record<string, number[]> = {};
  for (const step of plan.steps) {
    const run = TIMED_STEPS[step];
    const ms: number[] = [];
    for (let round = 0; round < plan.warmupRounds + plan.rounds; round++) {
      for (const img of images) {
        const t0 = performance.now();
        run(img, scratch);
        const t = performance.now() - t0;
        if (round >= plan.warmupRounds) ms.push(t);
      }
    }
    times[step] = ms;
  }
  return times;
}
