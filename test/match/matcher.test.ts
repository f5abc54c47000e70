import { describe, expect, it } from 'vitest';
import { isVeilError } from '../../shared/errors';
import type { HashKind, ImageHashes } from '../../shared/hash/types';
import { hammingDistance } from '../../shared/match/hamming';
import { formatExplanation, Matcher } from '../../shared/match/matcher';
import { DEFAULT_MATCH_POLICY, type MatchPolicy, withPolicy } from '../../shared/match/policy';
import type { ListedHash, ListName, MatchResult } from '../../shared/match/types';
import { flipBits, randomHash, sfc32 } from './random';

/** Hashes of an image: random (so balanced and usable) unless given. */
function image(rnd: () => number, parts: Partial<ImageHashes> = {}): ImageHashes {
  const pdq = parts.pdq ?? randomHash(rnd);
  const pdqDihedral = parts.pdqDihedral ?? [pdq, ...Array.from({ length: 7 }, () => randomHash(rnd))];
  return { pdq, quality: 90, pdqDihedral, blockhash: randomHash(rnd), width: 640, height: 480, ...parts };
}

function errorCode(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    return isVeilError(e) ? e.code : String(e);
  }
  return 'no error';
}

const pdq = (id: number, hash: Uint8Array, list: ListName = 'reported', quality = 90): ListedHash => ({ id, kind: 'pdq', hash, quality, list });
const block = (id: number, hash: Uint8Array, list: ListName = 'reported'): ListedHash => ({ id, kind: 'blockhash', hash, list });

describe('Matcher.match', () => {
  it('finds a PDQ within the threshold and not one bit beyond it', () => {
    const rnd = sfc32(21);
    const m = new Matcher();
    const stored = randomHash(rnd);
    m.add(pdq(7, stored));
    const at31 = m.match(image(rnd, { pdq: flipBits(stored, 31, rnd) }));
    expect(at31).toMatchObject({ kind: 'pdq', distance: 31, dihedral: 0, entry: { id: 7, kind: 'pdq', list: 'reported', quality: 90 } });
    expect(at31!.entry.hash).toEqual(stored);
    expect(m.match(image(rnd, { pdq: flipBits(stored, 32, rnd) }))).toBeNull();
  });

  it('finds a blockhash within its threshold', () => {
    const rnd = sfc32(22);
    const m = new Matcher();
    const stored = randomHash(rnd);
    m.add(block(3, stored));
    const t = DEFAULT_MATCH_POLICY.blockhash.threshold;
    expect(m.match(image(rnd, { blockhash: flipBits(stored, t, rnd) }))).toMatchObject({ kind: 'blockhash', distance: t, entry: { id: 3 } });
    expect(m.match(image(rnd, { blockhash: flipBits(stored, t + 1, rnd) }))).toBeNull();
    expect(m.match(image(rnd, { blockhash: stored }))?.dihedral).toBeUndefined();
  });

  it('matches a rotated or flipped copy through the dihedral variants, and says which', () => {
    const rnd = sfc32(23);
    const m = new Matcher();
    const stored = randomHash(rnd);
    m.add(pdq(1, stored));
    const query = image(rnd);
    query.pdqDihedral[3] = flipBits(stored, 4, rnd);
    expect(m.match(query)).toMatchObject({ kind: 'pdq', distance: 4, dihedral: 3, entry: { id: 1 } });
    expect(m.match(query, withPolicy({ pdq: { dihedral: false } }))).toBeNull();
  });

  it('does not match on a PDQ of low quality, but still on the blockhash', () => {
    const rnd = sfc32(24);
    const m = new Matcher();
    const img = image(rnd);
    m.add(pdq(1, img.pdq));
    m.add(block(2, img.blockhash));
    const lowQuality = { ...img, quality: 40 };
    expect(m.match(lowQuality)).toMatchObject({ kind: 'blockhash', entry: { id: 2 } });
    const e = m.explain(lowQuality);
    expect(e.kinds.find((k) => k.kind === 'pdq')).toMatchObject({ used: false, matches: 0 });
    expect(e.kinds.find((k) => k.kind === 'pdq')!.reason).toMatch(/quality 40/);
    // A stricter policy floor applies above the gate; a lower one cannot go below it.
    expect(m.match({ ...img, quality: 60, blockhash: randomHash(rnd) }, withPolicy({ pdq: { minQuality: 80 } }))).toBeNull();
    expect(m.match({ ...lowQuality, blockhash: randomHash(rnd) }, withPolicy({ pdq: { minQuality: 0 } }))).toBeNull();
  });

  it('does not match on a degenerate query hash', () => {
    const rnd = sfc32(25);
    const m = new Matcher();
    const zeros = new Uint8Array(32);
    const almostZeros = flipBits(zeros, 3, rnd);
    const img = image(rnd);
    m.add(block(1, img.blockhash));
    const e = m.explain({ ...img, blockhash: almostZeros, pdq: zeros, pdqDihedral: Array(8).fill(zeros) });
    expect(e.result).toBeNull();
    expect(e.kinds.map((k) => k.used)).toEqual([false, false]);
    expect(e.kinds.every((k) => /bits are set/.test(k.reason ?? ''))).toBe(true);
  });

  it('reports an entry listed in both lists as confirmed, whichever was added first', () => {
    const rnd = sfc32(26);
    for (const order of [['reported', 'confirmed'], ['confirmed', 'reported']] as ListName[][]) {
      const m = new Matcher();
      const h = randomHash(rnd);
      for (const list of order) m.add(pdq(5, h, list));
      expect(m.size).toBe(2);
      expect(m.match(image(rnd, { pdq: flipBits(h, 2, rnd) }))).toMatchObject({ entry: { id: 5, list: 'confirmed' }, distance: 2 });
      expect(m.match(image(rnd, { pdq: h }), withPolicy({ lists: ['reported'] }))).toMatchObject({ entry: { list: 'reported' } });
    }
  });

  it('prefers any confirmed match over a closer reported one', () => {
    const rnd = sfc32(27);
    const m = new Matcher();
    const q = randomHash(rnd);
    m.add(pdq(1, flipBits(q, 2, rnd), 'reported'));
    m.add(pdq(2, flipBits(q, 25, rnd), 'confirmed'));
    expect(m.match(image(rnd, { pdq: q }))).toMatchObject({ entry: { id: 2, list: 'confirmed' }, distance: 25 });
    expect(m.match(image(rnd, { pdq: q }), withPolicy({ lists: ['reported'] }))).toMatchObject({ entry: { id: 1 } });
  });

  it('picks the smaller distance relative to each kind\'s threshold, PDQ on ties', () => {
    const rnd = sfc32(28);
    const m = new Matcher();
    const img = image(rnd);
    const policy = withPolicy({ pdq: { threshold: 31 }, blockhash: { threshold: 15 } });
    m.add(pdq(1, flipBits(img.pdq, 20, rnd)));
    m.add(block(2, flipBits(img.blockhash, 5, rnd)));
    // 5 / 16 beats 20 / 32.
    expect(m.match(img, policy)).toMatchObject({ kind: 'blockhash', entry: { id: 2 } });
    // 16 / 32 equals 8 / 16: PDQ wins the tie.
    m.clear();
    m.add(pdq(1, flipBits(img.pdq, 16, rnd)));
    m.add(block(2, flipBits(img.blockhash, 8, rnd)));
    expect(m.match(img, policy)).toMatchObject({ kind: 'pdq', entry: { id: 1 } });
  });

  it('matches a query that carries only some kinds (empty arrays for the others)', () => {
    const rnd = sfc32(35);
    const m = new Matcher();
    const img = image(rnd);
    m.add(pdq(1, img.pdq));
    m.add(block(2, img.blockhash));
    const pdqOnly = { ...img, blockhash: new Uint8Array(0), pdqDihedral: [] };
    expect(m.match(pdqOnly)).toMatchObject({ kind: 'pdq', dihedral: 0 });
    expect(m.explain(pdqOnly).kinds[1]).toMatchObject({ kind: 'blockhash', used: false, reason: 'The query has no blockhash hash.' });
    expect(m.match({ ...img, pdq: new Uint8Array(0), pdqDihedral: [] })).toMatchObject({ kind: 'blockhash' });
  });

  it('ignores kinds the policy turns off', () => {
    const rnd = sfc32(29);
    const m = new Matcher();
    const img = image(rnd);
    m.add(pdq(1, img.pdq));
    m.add(block(2, img.blockhash));
    expect(m.match(img, withPolicy({ pdq: { enabled: false } }))).toMatchObject({ kind: 'blockhash' });
    expect(m.match(img, withPolicy({ pdq: { enabled: false }, blockhash: { enabled: false } }))).toBeNull();
  });
});

describe('Matcher.add refuses hashes it must not match on', () => {
  const rnd = sfc32(30);
  const h = randomHash(rnd);
  it.each<[string, ListedHash, string]>([
    ['a PDQ of quality 49', pdq(1, h, 'reported', 49), 'hash/low-quality'],
    ['a PDQ without quality', { id: 1, kind: 'pdq', hash: h, list: 'reported' }, 'hash/low-quality'],
    ['an all-zero PDQ', pdq(1, new Uint8Array(32)), 'hash/degenerate'],
    ['an all-ones blockhash', block(1, new Uint8Array(32).fill(255)), 'hash/degenerate'],
    ['a 31-byte hash', block(1, new Uint8Array(31)), 'hash/bad-length'],
    ['a negative id', block(-1, h), 'match/bad-id'],
  ])('%s', (_name, entry, code) => {
    const m = new Matcher();
    expect(errorCode(() => m.add(entry))).toBe(code);
    expect(m.size).toBe(0);
  });

  it('gives the gate\'s reason in the message', () => {
    const m = new Matcher();
    expect(() => m.add(pdq(1, h, 'reported', 20))).toThrow(/quality 20 is below 50/);
  });
});

describe('Matcher add, remove, replace', () => {
  it('removes by kind and list, by kind in all lists, and by entry id', () => {
    const rnd = sfc32(31);
    const m = new Matcher();
    const img = image(rnd);
    m.add(pdq(1, img.pdq, 'reported'));
    m.add(pdq(1, img.pdq, 'confirmed'));
    m.add(block(1, img.blockhash, 'confirmed'));
    m.add(pdq(2, img.pdq, 'reported'));
    expect(m.size).toBe(4);
    expect(m.remove('pdq', 1, 'confirmed')).toBe(true);
    expect(m.has('pdq', 1, 'confirmed')).toBe(false);
    expect(m.has('pdq', 1, 'reported')).toBe(true);
    expect(m.match(img)).toMatchObject({ kind: 'blockhash', entry: { id: 1, list: 'confirmed' } });
    expect(m.removeEntry(1)).toBe(true);
    expect(m.size).toBe(1);
    expect(m.match(img)).toMatchObject({ kind: 'pdq', entry: { id: 2 } });
    expect(m.remove('pdq', 2)).toBe(true);
    expect(m.remove('pdq', 2)).toBe(false);
    expect(m.removeEntry(1)).toBe(false);
    expect(m.size).toBe(0);
    expect(m.match(img)).toBeNull();
  });

  it('replaces an entry added again under the same kind, list and id', () => {
    const rnd = sfc32(32);
    const m = new Matcher();
    const a = randomHash(rnd);
    const b = randomHash(rnd);
    m.add(pdq(9, a, 'reported', 60));
    m.add(pdq(9, b, 'reported', 95));
    expect(m.size).toBe(1);
    expect(m.match(image(rnd, { pdq: a }))).toBeNull();
    expect(m.match(image(rnd, { pdq: b }))).toMatchObject({ entry: { id: 9, quality: 95 }, distance: 0 });
  });

  it('agrees with a brute-force matcher over many entries, removals and re-adds', () => {
    const rnd = sfc32(33);
    const m = new Matcher({ initialCapacity: 16 });
    const policy: MatchPolicy = withPolicy({ blockhash: { threshold: 24 } });
    const held = new Map<string, ListedHash>();
    const key = (e: { kind: HashKind; list: ListName; id: number }) => `${e.kind}/${e.list}/${e.id}`;
    const bases = Array.from({ length: 60 }, () => randomHash(rnd));
    const put = (e: ListedHash) => {
      m.add(e);
      held.set(key(e), e);
    };
    for (let i = 0; i < 3000; i++) {
      const kind: HashKind = rnd() % 3 === 0 ? 'blockhash' : 'pdq';
      const list: ListName = rnd() % 4 === 0 ? 'confirmed' : 'reported';
      const hash = rnd() % 2 === 0 ? flipBits(bases[rnd() % bases.length], rnd() % 40, rnd) : randomHash(rnd);
      put(kind === 'pdq' ? pdq(rnd() % 1500, hash, list, 50 + (rnd() % 51)) : block(rnd() % 1500, hash, list));
      if (i % 5 === 0) {
        const id = rnd() % 1500;
        const removed = m.removeEntry(id);
        let expected = false;
        for (const [k, e] of held) {
          if (e.id !== id) continue;
          held.delete(k);
          expected = true;
        }
        expect(removed).toBe(expected);
      }
    }
    expect(m.size).toBe(held.size);
    expect(m.memoryBytes()).toBeGreaterThan(held.size * 36);

    const strength = { reported: 1, confirmed: 2 };
    const brute = (q: ImageHashes): { id: number; list: ListName; kind: HashKind; distance: number; dihedral: number } | null => {
      let best: { id: number; list: ListName; kind: HashKind; distance: number; dihedral: number; t: number } | null = null;
      for (const e of held.values()) {
        const t = e.kind === 'pdq' ? policy.pdq.threshold : policy.blockhash.threshold;
        const variants = e.kind === 'pdq' ? q.pdqDihedral : [q.blockhash];
        variants.forEach((v, dihedral) => {
          const distance = hammingDistance(v, e.hash);
          if (distance > t) return;
          const c = { id: e.id, list: e.list, kind: e.kind, distance, dihedral, t };
          const better =
            best === null ||
            strength[c.list] - strength[best.list] ||
            best.distance * (c.t + 1) - c.distance * (best.t + 1) ||
            (c.kind !== best.kind ? (c.kind === 'pdq' ? 1 : -1) : 0) ||
            best.dihedral - c.dihedral ||
            best.id - c.id;
          if (best === null || (better as number) > 0) best = c;
        });
      }
      if (best === null) return null;
      const { id, list, kind, distance, dihedral } = best;
      return { id, list, kind, distance, dihedral };
    };
    let matched = 0;
    for (let k = 0; k < 150; k++) {
      const base = bases[rnd() % bases.length];
      const q = image(rnd, { pdq: flipBits(base, rnd() % 40, rnd), blockhash: flipBits(base, rnd() % 40, rnd) });
      q.pdqDihedral[0] = q.pdq;
      if (k % 3 === 0) q.pdqDihedral[1 + (rnd() % 7)] = flipBits(base, rnd() % 35, rnd);
      const got: MatchResult | null = m.match(q, policy);
      const want = brute(q);
      expect(got && { id: got.entry.id, list: got.entry.list, kind: got.kind, distance: got.distance, dihedral: got.dihedral ?? 0 }).toEqual(want);
      if (want) matched++;
    }
    expect(matched).toBeGreaterThan(50);
  });
});

describe('Matcher.matchAll and explain', () => {
  it('lists every counted entry once, best first, and explains without hashes', () => {
    const rnd = sfc32(34);
    const m = new Matcher();
    const img = image(rnd);
    m.add(pdq(1, flipBits(img.pdq, 10, rnd), 'reported'));
    const two = flipBits(img.pdq, 3, rnd);
    m.add(pdq(2, two, 'reported'));
    m.add(pdq(3, flipBits(img.pdq, 28, rnd), 'confirmed'));
    m.add(pdq(4, flipBits(img.pdq, 40, rnd), 'confirmed'));
    m.add(block(5, flipBits(img.blockhash, 1, rnd), 'reported'));
    // Variant 2 of the query is also near entry 2 (5 bits): it must still be listed once, at 3.
    img.pdqDihedral[2] = flipBits(two, 5, rnd);
    const all = m.matchAll(img);
    expect(all.map((r) => r.entry.id)).toEqual([3, 5, 2, 1]);
    expect(all.find((r) => r.entry.id === 2)).toMatchObject({ distance: 3, dihedral: 0 });

    const e = m.explain(img);
    expect(e.result?.entry.id).toBe(3);
    const p = e.kinds.find((k) => k.kind === 'pdq')!;
    expect(p).toMatchObject({ used: true, variants: 8, matches: 3, threshold: 31 });
    expect(p.nearestMiss).toMatchObject({ entryId: 4, list: 'confirmed' });
    expect(p.nearestMiss!.distance).toBeGreaterThan(31);
    const text = formatExplanation(e).join('\n');
    expect(text).toMatch(/^match: entry 3 \(confirmed\) by pdq/);
    expect(text).not.toMatch(/[0-9a-f]{16}/);
  });
});
