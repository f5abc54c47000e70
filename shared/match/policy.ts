import { VeilError } from '../errors';
import { MIN_PDQ_QUALITY } from '../hash/gates';
import type { HashKind } from '../hash/types';
import { LIST_NAMES, type ListName } from './types';

/**
 * The match policy, in one place: which hash kinds match, how far, with which gates, and which
 * lists count. The extension, the bot, the registry's /v1/match and the CLI all pass this object
 * (or one built with `withPolicy`) to Matcher, so their verdicts cannot drift apart.
 *
 * Gates: the quality and degenerate-hash rules live in shared/hash/gates.ts (checkHashUsable)
 * and are applied by the Matcher to every stored and queried hash; `minQuality` can only raise
 * PDQ's quality floor above the gate's (MIN_PDQ_QUALITY), never lower it.
 */

export interface PdqPolicy {
  enabled: boolean;
  /** Largest Hamming distance (bits of 256) that counts as a match. */
  threshold: number;
  /** Queries whose PDQ quality is below this are not matched by PDQ (at least MIN_PDQ_QUALITY). */
  minQuality: number;
  /** Also match the query's 7 rotated and flipped variants against the stored (original) PDQs. */
  dihedral: boolean;
}

export interface BlockhashPolicy {
  enabled: boolean;
  threshold: number;
  /**
   * A blockhash hit counts only when the same photo's PDQ (the PDQ entry with the same id and
   * list) is also within this distance of the query's PDQ. blockhash alone is too coarse to
   * trust at list scale (see DEFAULT_MATCH_POLICY); it rescues copies PDQ barely misses.
   * null lets blockhash match alone: only for tests of the index and for callers that measured
   * their own false-match rate.
   */
  corroboratingPdqThreshold: number | null;
}

/**
 * The query's crop hash (ImageHashes.cropHash, shared/hash/cropPdq.ts; with PDQ's dihedral and
 * quality-floor settings) against the crop hashes listed for registered photos and their crops
 * (kind 'pdq-crop', shared/image/cropViews.ts).
 */
export interface PdqCropPolicy {
  enabled: boolean;
  threshold: number;
}

export interface MatchPolicy {
  pdq: PdqPolicy;
  blockhash: BlockhashPolicy;
  pdqCrop: PdqCropPolicy;
  /** Lists whose entries count; entries of other lists never match. */
  lists: readonly ListName[];
}

/** Thresholds above this are refused: at 64 of 256 bits unrelated photos begin to collide. */
export const MAX_THRESHOLD = 64;

export const DEFAULT_MATCH_POLICY: Readonly<MatchPolicy> = Object.freeze({
  pdq: Object.freeze({
    enabled: true,
    // The operating point of Meta's PDQ write-up (ThreatExchange hashing/hashing.pdf) and the
    // default of Hasher-Matcher-Actioner's PDQ signal; issue 2 fixes it as Veil's default. The
    // corpus measurement (docs/evaluation.md) checks it against edited copies and unrelated photos.
    threshold: 31,
    minQuality: MIN_PDQ_QUALITY,
    dihedral: true,
  }),
  blockhash: Object.freeze({
    enabled: true,
    // Measured on ../shared/corpus (docs/evaluation.md, npm run eval): unrelated photos came as
    // close as 30 bits in blockhash (0.01% of pairs within 40), so blockhash on its own would
    // hide innocent photos once lists hold millions of entries. Corroborated by the same photo's
    // PDQ within 56 (no unrelated pair came within 64 in PDQ; the closest was 76), blockhash
    // within 24 still finds the resized and re-lit copies whose PDQ lands at 32 to 56.
    threshold: 24,
    corroboratingPdqThreshold: 56,
  }),
  pdqCrop: Object.freeze({
    enabled: true,
    // PDQ's own operating point: a crop is as distinct a picture as the photo itself. The corpus
    // measurement (docs/evaluation.md) checks that unrelated photos and their crops stay far.
    threshold: 31,
  }),
  lists: Object.freeze(['reported', 'confirmed'] as const),
});

/**
 * How strong each list is: a match in a stronger list wins over any match in a weaker one, so
 * an entry listed in both is reported as `confirmed` and clients take the hard action.
 */
export const LIST_STRENGTH: Readonly<Record<ListName, number>> = Object.freeze({ reported: 1, confirmed: 2 });

const POLICY_FIELD: Readonly<Record<HashKind, 'pdq' | 'blockhash' | 'pdqCrop'>> = { pdq: 'pdq', blockhash: 'blockhash', 'pdq-crop': 'pdqCrop' };

export function thresholdFor(policy: MatchPolicy, kind: HashKind): number {
  return policy[POLICY_FIELD[kind]].threshold;
}

/** pdq-crop also needs PDQ on: it matches the query's PDQ, under PDQ's quality floor and variants. */
export function kindEnabled(policy: MatchPolicy, kind: HashKind): boolean {
  return policy[POLICY_FIELD[kind]].enabled && (kind !== 'pdq-crop' || policy.pdq.enabled);
}

/** Throws VeilError('config/invalid') naming the first bad field. */
export function validatePolicy(policy: MatchPolicy): void {
  const bad = (field: string, why: string) => {
    throw new VeilError('config/invalid', `Match policy: ${field} ${why}.`);
  };
  for (const kind of ['pdq', 'blockhash', 'pdqCrop'] as const) {
    const t = policy[kind].threshold;
    if (!Number.isInteger(t) || t < 0 || t > MAX_THRESHOLD) bad(`${kind}.threshold`, `must be an integer from 0 to ${MAX_THRESHOLD}`);
  }
  const c = policy.blockhash.corroboratingPdqThreshold;
  if (c !== null && (!Number.isInteger(c) || c < 0 || c > MAX_THRESHOLD)) bad('blockhash.corroboratingPdqThreshold', `must be an integer from 0 to ${MAX_THRESHOLD}`);
  const q = policy.pdq.minQuality;
  if (typeof q !== 'number' || !(q >= 0 && q <= 100)) bad('pdq.minQuality', 'must be a number from 0 to 100');
  for (const list of policy.lists) if (!LIST_NAMES.includes(list)) bad('lists', `has an unknown list "${String(list)}"`);
}

export interface MatchPolicyOverrides {
  pdq?: Partial<PdqPolicy>;
  blockhash?: Partial<BlockhashPolicy>;
  pdqCrop?: Partial<PdqCropPolicy>;
  lists?: readonly ListName[];
}

/** The default policy with some fields changed (validated), e.g. `withPolicy({ lists: ['confirmed'] })`. */
export function withPolicy(overrides: MatchPolicyOverrides, base: MatchPolicy = DEFAULT_MATCH_POLICY): MatchPolicy {
  const policy: MatchPolicy = {
    pdq: { ...base.pdq, ...overrides.pdq },
    blockhash: { ...base.blockhash, ...overrides.blockhash },
    pdqCrop: { ...base.pdqCrop, ...overrides.pdqCrop },
    lists: [...(overrides.lists ?? base.lists)],
  };
  validatePolicy(policy);
  return policy;
}
