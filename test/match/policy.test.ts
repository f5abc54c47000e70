import { describe, expect, it } from 'vitest';
import { isVeilError } from '../../shared/errors';
import { MIN_PDQ_QUALITY } from '../../shared/hash/gates';
import {
  DEFAULT_MATCH_POLICY,
  LIST_STRENGTH,
  MAX_THRESHOLD,
  type MatchPolicyOverrides,
  thresholdFor,
  validatePolicy,
  withPolicy,
} from '../../shared/match/policy';

describe('DEFAULT_MATCH_POLICY', () => {
  it('matches PDQ within 31 bits at quality 50 or more, with dihedral variants', () => {
    expect(DEFAULT_MATCH_POLICY.pdq).toEqual({ enabled: true, threshold: 31, minQuality: 50, dihedral: true });
    expect(DEFAULT_MATCH_POLICY.pdq.minQuality).toBe(MIN_PDQ_QUALITY);
  });

  it('matches blockhash within 24 bits when the same photo\'s PDQ is within 56, and counts both lists', () => {
    expect(DEFAULT_MATCH_POLICY.blockhash).toEqual({ enabled: true, threshold: 24, corroboratingPdqThreshold: 56 });
    expect(DEFAULT_MATCH_POLICY.blockhash.threshold).toBeLessThanOrEqual(MAX_THRESHOLD);
    // Corroboration reaches beyond PDQ's own threshold: that is where blockhash adds matches.
    expect(DEFAULT_MATCH_POLICY.blockhash.corroboratingPdqThreshold).toBeGreaterThan(DEFAULT_MATCH_POLICY.pdq.threshold);
    expect(DEFAULT_MATCH_POLICY.blockhash.corroboratingPdqThreshold).toBeLessThanOrEqual(MAX_THRESHOLD);
    expect([...DEFAULT_MATCH_POLICY.lists].sort()).toEqual(['confirmed', 'reported']);
  });

  it('is frozen, so no caller can change every other caller\'s policy', () => {
    expect(Object.isFrozen(DEFAULT_MATCH_POLICY)).toBe(true);
    expect(Object.isFrozen(DEFAULT_MATCH_POLICY.pdq)).toBe(true);
    expect(Object.isFrozen(DEFAULT_MATCH_POLICY.blockhash)).toBe(true);
    expect(Object.isFrozen(DEFAULT_MATCH_POLICY.lists)).toBe(true);
    expect(() => validatePolicy(DEFAULT_MATCH_POLICY)).not.toThrow();
  });

  it('ranks confirmed above reported', () => {
    expect(LIST_STRENGTH.confirmed).toBeGreaterThan(LIST_STRENGTH.reported);
  });

  it('gives each kind its threshold', () => {
    expect(thresholdFor(DEFAULT_MATCH_POLICY, 'pdq')).toBe(31);
    expect(thresholdFor(DEFAULT_MATCH_POLICY, 'blockhash')).toBe(DEFAULT_MATCH_POLICY.blockhash.threshold);
  });
});

describe('withPolicy', () => {
  it('overrides some fields and keeps the rest', () => {
    const p = withPolicy({ pdq: { threshold: 20 }, lists: ['confirmed'] });
    expect(p.pdq).toEqual({ ...DEFAULT_MATCH_POLICY.pdq, threshold: 20 });
    expect(p.blockhash).toEqual(DEFAULT_MATCH_POLICY.blockhash);
    expect(p.lists).toEqual(['confirmed']);
    expect(DEFAULT_MATCH_POLICY.pdq.threshold).toBe(31);
  });

  it.each<[string, MatchPolicyOverrides]>([
    ['a threshold above the maximum', { pdq: { threshold: MAX_THRESHOLD + 1 } }],
    ['a negative threshold', { blockhash: { threshold: -1 } }],
    ['a fractional threshold', { pdq: { threshold: 30.5 } }],
    ['a quality above 100', { pdq: { minQuality: 101 } }],
    ['an unknown list', { lists: ['banned' as never] }],
    ['a negative corroborating threshold', { blockhash: { corroboratingPdqThreshold: -1 } }],
    ['a corroborating threshold above the maximum', { blockhash: { corroboratingPdqThreshold: MAX_THRESHOLD + 1 } }],
    ['a fractional corroborating threshold', { blockhash: { corroboratingPdqThreshold: 40.5 } }],
    ['a NaN corroborating threshold', { blockhash: { corroboratingPdqThreshold: Number.NaN } }],
  ])('refuses %s', (_name, overrides) => {
    let error: unknown;
    try {
      withPolicy(overrides);
    } catch (e) {
      error = e;
    }
    expect(isVeilError(error, 'config/invalid')).toBe(true);
  });

  it('names the corroborating threshold when it is the bad field', () => {
    expect(() => withPolicy({ blockhash: { corroboratingPdqThreshold: -1 } })).toThrow(/blockhash\.corroboratingPdqThreshold/);
  });

  it.each([null, 0, 31, MAX_THRESHOLD])('accepts a corroborating threshold of %s', (c) => {
    const p = withPolicy({ blockhash: { corroboratingPdqThreshold: c } });
    expect(p.blockhash).toEqual({ ...DEFAULT_MATCH_POLICY.blockhash, corroboratingPdqThreshold: c });
  });
});
