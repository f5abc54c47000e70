import { describe, expect, it } from 'vitest';
import { isVeilError } from '../../shared/errors';
import { checkHashUsable } from '../../shared/hash/gates';
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

/**
 * Blockhash on its own, for the tests of the index's mechanics (thresholds, lists, removal); the
 * corroboration rule has tests of its own below.
 */
const ALONE = withPolicy({ blockhash: { corroboratingPdqThreshold: null } });

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
    expect(m.match(image(rnd, { blockhash: flipBits(stored, t, rnd) }), ALONE)).toMatchObject({ kind: 'blockhash', distance: t, entry: { id: 3 } });
    expect(m.match(image(rnd, { blockhash: flipBits(stored, t + 1, rnd) }), ALONE)).toBeNull();
    expect(m.match(image(rnd, { blockhash: stored }), ALONE)?.dihedral).toBeUndefined();
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

  it('does not match on a PDQ of low quality; blockhash alone still matches, corroborated blockhash does not', () => {
    const rnd = sfc32(24);
    const m = new Matcher();
    const img = image(rnd);
    m.add(pdq(1, img.pdq));
    m.add(block(2, img.blockhash));
    const lowQuality = { ...img, quality: 40 };
    expect(m.match(lowQuality, ALONE)).toMatchObject({ kind: 'blockhash', entry: { id: 2 } });
    const e = m.explain(lowQuality, ALONE);
    expect(e.kinds.find((k) => k.kind === 'pdq')).toMatchObject({ used: false, matches: 0 });
    expect(e.kinds.find((k) => k.kind === 'pdq')!.reason).toMatch(/quality 40/);
    // Under the default policy a query PDQ that fails the gates cannot corroborate blockhash,
    // not even that of the photo whose PDQ it equals.
    m.add(pdq(2, img.pdq));
    expect(m.match(img, withPolicy({ pdq: { enabled: false } }))).toMatchObject({ kind: 'blockhash', entry: { id: 2 } });
    expect(m.match(lowQuality)).toBeNull();
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
    const e = m.explain({ ...img, blockhash: almostZeros, pdq: zeros, pdqDihedral: Array(8).fill(zeros), cropHash: { hashes: Array(8).fill(zeros), quality: 90 } });
    expect(e.result).toBeNull();
    expect(e.kinds.map((k) => k.used)).toEqual([false, false, false]);
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
    // Photo 2's PDQ is beyond the PDQ threshold (no PDQ match) but corroborates its blockhash.
    const photo2 = flipBits(img.pdq, 40, rnd);
    m.add(pdq(1, flipBits(img.pdq, 20, rnd)));
    m.add(pdq(2, photo2));
    m.add(block(2, flipBits(img.blockhash, 5, rnd)));
    // 5 / 16 beats 20 / 32.
    expect(m.match(img, policy)).toMatchObject({ kind: 'blockhash', entry: { id: 2 } });
    // 16 / 32 equals 8 / 16: PDQ wins the tie.
    m.clear();
    m.add(pdq(1, flipBits(img.pdq, 16, rnd)));
    m.add(pdq(2, photo2));
    m.add(block(2, flipBits(img.blockhash, 8, rnd)));
    expect(m.matchAll(img, policy).map((r) => [r.kind, r.entry.id, r.distance])).toEqual([['pdq', 1, 16], ['blockhash', 2, 8]]);
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
    // Without a PDQ the blockhash cannot be corroborated; alone it matches.
    const blockhashOnly = { ...img, pdq: new Uint8Array(0), pdqDihedral: [] };
    expect(m.match(blockhashOnly)).toBeNull();
    expect(m.match(blockhashOnly, ALONE)).toMatchObject({ kind: 'blockhash' });
  });

  it('ignores kinds the policy turns off', () => {
    const rnd = sfc32(29);
    const m = new Matcher();
    const img = image(rnd);
    // One photo: its PDQ still corroborates its blockhash while PDQ matching is off.
    m.add(pdq(1, img.pdq));
    m.add(block(1, img.blockhash));
    expect(m.match(img, withPolicy({ pdq: { enabled: false } }))).toMatchObject({ kind: 'blockhash', entry: { id: 1 } });
    expect(m.match(img, withPolicy({ blockhash: { enabled: false } }))).toMatchObject({ kind: 'pdq', entry: { id: 1 } });
    expect(m.match(img, withPolicy({ pdq: { enabled: false }, blockhash: { enabled: false } }))).toBeNull();
  });

  it("does not let a PDQ below the policy's quality floor corroborate a blockhash", () => {
    const rnd = sfc32(31);
    const m = new Matcher();
    const img = image(rnd, { quality: 70 });
    m.add(pdq(1, img.pdq));
    m.add(block(1, img.blockhash));
    const blockhashOnly = withPolicy({ pdq: { enabled: false } });
    expect(m.match(img, blockhashOnly)).toMatchObject({ kind: 'blockhash' });
    expect(m.match(img, withPolicy({ pdq: { enabled: false, minQuality: 80 } }))).toBeNull();
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
    expect(m.match(img, ALONE)).toMatchObject({ kind: 'blockhash', entry: { id: 1, list: 'confirmed' } });
    // By default the confirmed blockhash has lost its corroboration: photo 1's PDQ in the same list.
    expect(m.match(img)).toMatchObject({ kind: 'pdq', entry: { id: 1, list: 'reported' } });
    expect(m.removeEntry(1)).toBe(true);
    expect(m.size).toBe(1);
    expect(m.match(img, ALONE)).toMatchObject({ kind: 'pdq', entry: { id: 2 } });
    expect(m.remove('pdq', 2)).toBe(true);
    expect(m.remove('pdq', 2)).toBe(false);
    expect(m.removeEntry(1)).toBe(false);
    expect(m.size).toBe(0);
    expect(m.match(img, ALONE)).toBeNull();
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

  it.each(['fast', 'compact'] as const)('agrees with a brute-force matcher (%s indexes), corroboration included, over many entries, removals and re-adds', (indexLayout) => {
    const rnd = sfc32(33);
    const m = new Matcher({ initialCapacity: 16, indexLayout });
    const held = new Map<string, ListedHash>();
    const key = (kind: HashKind, list: ListName, id: number) => `${kind}/${list}/${id}`;
    const bases = Array.from({ length: 60 }, () => randomHash(rnd));
    const near = () => (rnd() % 2 === 0 ? flipBits(bases[rnd() % bases.length], rnd() % 40, rnd) : randomHash(rnd));
    const put = (e: ListedHash) => {
      m.add(e);
      held.set(key(e.kind, e.list, e.id), e);
    };
    for (let i = 0; i < 3000; i++) {
      const list: ListName = rnd() % 4 === 0 ? 'confirmed' : 'reported';
      const id = rnd() % 1500;
      const quality = 50 + (rnd() % 51);
      const shape = rnd() % 4;
      if (shape === 0) {
        // A photo: PDQ and blockhash under one id; its PDQ lands anywhere from near the queries
        // of its base to far beyond the corroborating threshold.
        const base = bases[rnd() % bases.length];
        put(pdq(id, flipBits(base, rnd() % 80, rnd), list, quality));
        put(block(id, flipBits(base, rnd() % 40, rnd), list));
      } else if (shape === 1) {
        put(block(id, near(), list));
      } else {
        put(pdq(id, near(), list, quality));
      }
      if (i % 5 === 0) {
        const removeId = rnd() % 1500;
        const removed = m.removeEntry(removeId);
        let expected = false;
        for (const [k, e] of held) {
          if (e.id !== removeId) continue;
          held.delete(k);
          expected = true;
        }
        expect(removed).toBe(expected);
      }
    }
    expect(m.size).toBe(held.size);
    expect(m.memoryBytes()).toBeGreaterThan(held.size * 36);

    interface Found {
      id: number;
      list: ListName;
      kind: HashKind;
      distance: number;
      dihedral: number;
    }
    const stats = { refused: 0 };
    const strength = { reported: 1, confirmed: 2 };
    // Distances from each held hash to the query's 8 PDQ variants and its blockhash (index 8),
    // computed once per query for all the policies.
    let memo = new Map<Uint8Array, number[]>();
    const distances = (q: ImageHashes, h: Uint8Array): number[] => {
      let d = memo.get(h);
      if (d === undefined) {
        d = [...q.pdqDihedral, q.blockhash].map((v) => hammingDistance(v, h));
        memo.set(h, d);
      }
      return d;
    };
    const brute = (q: ImageHashes, policy: MatchPolicy): Found | null => {
      const pdqUsable = checkHashUsable('pdq', q.pdq, q.quality).usable;
      const pdqVariants = policy.pdq.dihedral ? 8 : 1;
      const pdqOn = policy.pdq.enabled && pdqUsable && q.quality >= policy.pdq.minQuality;
      const limit = policy.blockhash.corroboratingPdqThreshold;
      // The rule: the PDQ listed under the blockhash's id and list is within the limit of a
      // counted variant of a query PDQ that passes the gates and the policy's quality floor.
      const corroborated = (e: ListedHash): boolean => {
        if (limit === null) return true;
        const photo = held.get(key('pdq', e.list, e.id));
        const trusted = pdqUsable && q.quality >= policy.pdq.minQuality;
        return trusted && photo !== undefined && distances(q, photo.hash).slice(0, pdqVariants).some((d) => d <= limit);
      };
      let best: (Found & { t: number }) | null = null;
      for (const e of held.values()) {
        if (!policy.lists.includes(e.list)) continue;
        if (e.kind === 'pdq' ? !pdqOn : !policy.blockhash.enabled) continue;
        const t = e.kind === 'pdq' ? policy.pdq.threshold : policy.blockhash.threshold;
        const d = distances(q, e.hash);
        const variants = e.kind === 'pdq' ? d.slice(0, pdqVariants) : [d[8]];
        variants.forEach((distance, dihedral) => {
          if (distance > t) return;
          if (e.kind === 'blockhash' && !corroborated(e)) {
            if (policy === DEFAULT_MATCH_POLICY) stats.refused++;
            return;
          }
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
    const policies: MatchPolicy[] = [
      DEFAULT_MATCH_POLICY,
      ALONE,
      withPolicy({ pdq: { enabled: false } }),
      withPolicy({ pdq: { dihedral: false }, blockhash: { corroboratingPdqThreshold: 40 } }),
      withPolicy({ lists: ['confirmed'], blockhash: { threshold: 30 } }),
    ];
    const won = policies.map(() => ({ pdq: 0, blockhash: 0, 'pdq-crop': 0 }));
    for (let k = 0; k < 100; k++) {
      const base = bases[rnd() % bases.length];
      const q = image(rnd, { pdq: flipBits(base, rnd() % 40, rnd), blockhash: flipBits(base, rnd() % 40, rnd) });
      q.pdqDihedral[0] = q.pdq;
      if (k % 3 === 0) q.pdqDihedral[1 + (rnd() % 7)] = flipBits(base, rnd() % 35, rnd);
      // Some queries fail the PDQ gate: no PDQ match and no corroboration.
      if (k % 7 === 0) q.quality = 40 + (rnd() % 10);
      memo = new Map();
      policies.forEach((policy, p) => {
        const got: MatchResult | null = m.match(q, policy);
        const want = brute(q, policy);
        expect(got && { id: got.entry.id, list: got.entry.list, kind: got.kind, distance: got.distance, dihedral: got.dihedral ?? 0 }).toEqual(want);
        if (want) won[p][want.kind]++;
      });
    }
    // Every rule took part: PDQ and corroborated blockhash wins, and refused blockhash hits.
    expect(won[0].pdq).toBeGreaterThan(30);
    expect(won[0].blockhash).toBeGreaterThan(5);
    expect(stats.refused).toBeGreaterThan(20);
    expect(won[2].blockhash).toBeGreaterThan(5);
    expect(won[3].blockhash).toBeGreaterThan(0);
    expect(won[1].blockhash).toBeGreaterThan(won[0].blockhash);
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
    // Photo 5's PDQ: beyond the PDQ threshold and farther than entry 4, but it corroborates.
    m.add(pdq(5, flipBits(img.pdq, 50, rnd), 'reported'));
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

describe('blockhash corroboration by the same photo\'s PDQ', () => {
  const LIMIT = DEFAULT_MATCH_POLICY.blockhash.corroboratingPdqThreshold!;

  it('does not match a blockhash whose id has no PDQ in the same list near the query', () => {
    const rnd = sfc32(40);
    const m = new Matcher();
    const q = image(rnd);
    m.add(block(3, q.blockhash));
    expect(m.match(q)).toBeNull();
    expect(m.explain(q).kinds[1]).toMatchObject({ kind: 'blockhash', used: true, matches: 0, best: null });
    // Near PDQs (40 bits: no PDQ match of their own) under another id, or in the other list, do not count.
    m.add(pdq(4, flipBits(q.pdq, 40, rnd)));
    m.add(pdq(3, flipBits(q.pdq, 40, rnd), 'confirmed'));
    expect(m.match(q)).toBeNull();
    m.add(pdq(3, flipBits(q.pdq, 40, rnd), 'reported'));
    expect(m.match(q)).toMatchObject({ kind: 'blockhash', distance: 0, entry: { id: 3, list: 'reported' } });
    expect(m.match(q)?.dihedral).toBeUndefined();
    // Withdrawing the photo's PDQ withdraws the corroboration.
    expect(m.remove('pdq', 3, 'reported')).toBe(true);
    expect(m.match(q)).toBeNull();
  });

  it('counts the photo\'s PDQ at the corroborating threshold and not one bit beyond it', () => {
    const rnd = sfc32(41);
    const m = new Matcher();
    const stored = randomHash(rnd);
    const storedBlock = randomHash(rnd);
    m.add(pdq(1, stored));
    m.add(block(1, storedBlock));
    const query = (pdqBits: number) => image(rnd, { pdq: flipBits(stored, pdqBits, rnd), blockhash: flipBits(storedBlock, 5, rnd) });
    expect(m.match(query(LIMIT))).toMatchObject({ kind: 'blockhash', distance: 5, entry: { id: 1 } });
    expect(m.match(query(LIMIT + 1))).toBeNull();
    // The same holds while PDQ matching is off, and the policy's own limit is the one applied.
    const pdqOff = withPolicy({ pdq: { enabled: false } });
    expect(m.match(query(LIMIT), pdqOff)).toMatchObject({ kind: 'blockhash', entry: { id: 1 } });
    expect(m.match(query(LIMIT + 1), pdqOff)).toBeNull();
    const tight = withPolicy({ blockhash: { corroboratingPdqThreshold: 40 } });
    expect(m.match(query(40), tight)).toMatchObject({ kind: 'blockhash', entry: { id: 1 } });
    expect(m.match(query(41), tight)).toBeNull();
  });

  it('counts the photo\'s PDQ near a rotated or flipped variant of the query, when the policy counts variants', () => {
    const rnd = sfc32(42);
    const m = new Matcher();
    const stored = randomHash(rnd);
    const storedBlock = randomHash(rnd);
    m.add(pdq(1, stored));
    m.add(block(1, storedBlock));
    const query = (pdqBits: number) => {
      // The query's own PDQ is unrelated (about 128 bits away); only variant 6 is near.
      const q = image(rnd, { blockhash: storedBlock });
      q.pdqDihedral[6] = flipBits(stored, pdqBits, rnd);
      return q;
    };
    expect(hammingDistance(query(LIMIT).pdq, stored)).toBeGreaterThan(LIMIT);
    expect(m.match(query(LIMIT))).toMatchObject({ kind: 'blockhash', distance: 0, entry: { id: 1 } });
    expect(m.match(query(LIMIT + 1))).toBeNull();
    expect(m.match(query(LIMIT), withPolicy({ pdq: { dihedral: false } }))).toBeNull();
  });

  it('does not corroborate with a query PDQ that fails the gates', () => {
    const rnd = sfc32(43);
    const m = new Matcher();
    // A usable stored PDQ with 40 bits set, and a query PDQ with 20 of them cleared: 20 bits
    // away (within the limit) but degenerate.
    const stored = flipBits(new Uint8Array(32), 40, rnd);
    const setBits = Array.from({ length: 256 }, (_, i) => i).filter((i) => stored[i >>> 3] & (0x80 >>> (i & 7)));
    const degenerate = flipBits(stored, 20, rnd, setBits);
    const img = image(rnd);
    m.add(pdq(1, stored));
    m.add(block(1, img.blockhash));
    const pdqOff = withPolicy({ pdq: { enabled: false } });
    const withPdq = (h: Uint8Array, quality: number): ImageHashes => ({ ...img, pdq: h, pdqDihedral: Array(8).fill(h), quality });
    expect(m.match(withPdq(stored, 50), pdqOff)).toMatchObject({ kind: 'blockhash', entry: { id: 1 } });
    expect(m.match(withPdq(stored, 49), pdqOff)).toBeNull();
    expect(m.match(withPdq(stored, 49))).toBeNull();
    expect(hammingDistance(degenerate, stored)).toBe(20);
    expect(checkHashUsable('pdq', degenerate, 100)).toMatchObject({ usable: false, code: 'hash/degenerate' });
    expect(m.match(withPdq(degenerate, 100), pdqOff)).toBeNull();
    expect(m.match(withPdq(degenerate, 100))).toBeNull();
  });
});
