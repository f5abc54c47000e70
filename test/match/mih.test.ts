import { describe, expect, it } from 'vitest';
import { isVeilError } from '../../shared/errors';
import { hammingDistance, hashToWords } from '../../shared/match/hamming';
import { HashIndex, type HashIndexOptions, type IndexMatch, linearScan, MatchBuffer, PAGE_ENTRIES } from '../../shared/match/mih';
import { flipBits, halfPositions, randomHash, sfc32 } from './random';

const LAYOUTS = ['fast', 'compact'] as const;

/** The model the index must agree with: a list of (id, hash), searched by brute force on bytes. */
class Reference {
  entries: { id: number; hash: Uint8Array }[] = [];

  add(id: number, hash: Uint8Array): void {
    this.entries.push({ id, hash });
  }

  remove(id: number): boolean {
    const before = this.entries.length;
    this.entries = this.entries.filter((e) => e.id !== id);
    return this.entries.length < before;
  }

  query(q: Uint8Array, radius: number): IndexMatch[] {
    return this.entries
      .map((e) => ({ id: e.id, distance: hammingDistance(q, e.hash) }))
      .filter((m) => m.distance <= radius)
      .sort((a, b) => a.distance - b.distance || a.id - b.id);
  }
}

const RADII = [0, 1, 3, 7, 8, 9, 15, 16, 17, 23, 24, 31, 32, 33, 40, 47, 64];

/**
 * Entries as real lists hold them: mostly unrelated hashes, plus near-duplicates of earlier
 * entries (0 to 40 bits away, so exact duplicates too) and some ids used twice.
 */
function populate(n: number, rnd: () => number, add: (id: number, hash: Uint8Array) => void, stored: Uint8Array[]): void {
  for (let i = 0; i < n; i++) {
    const r = rnd() % 10;
    const hash = r < 3 && stored.length > 0 ? flipBits(stored[rnd() % stored.length], rnd() % 41, rnd) : randomHash(rnd);
    const id = r === 9 && i > 0 ? rnd() % i : i;
    stored.push(hash);
    add(id, hash);
  }
}

/** Query hashes: near-duplicates of stored entries (0 to 45 bits away) and unrelated hashes. */
function queryHash(rnd: () => number, stored: Uint8Array[], k: number): Uint8Array {
  return k % 2 === 0 ? flipBits(stored[rnd() % stored.length], rnd() % 46, rnd) : randomHash(rnd);
}

describe.each(LAYOUTS)('HashIndex (%s layout) agrees with a linear scan', (layout) => {
  it.each<[string, number, HashIndexOptions]>([
    ['one segment, directory sized to the segment', 6000, {}],
    ['write buffer only (never built)', 3000, { tailLimit: 1_000_000 }],
    ['full 16-bit directories on few entries', 3000, { directoryBits: 16 }],
    ['coarse 4-bit directories (hundreds of records per bucket)', 12000, { directoryBits: 4 }],
  ])('%s', (_name, n, options) => {
    const rnd = sfc32(n + (options.directoryBits ?? 0));
    const index = new HashIndex({ ...options, layout });
    const ref = new Reference();
    const stored: Uint8Array[] = [];
    populate(n, rnd, (id, h) => (index.add(id, h), ref.add(id, h)), stored);
    if (options.tailLimit === undefined) {
      index.flush();
      expect(index.stats().buffered).toBe(0);
    }
    expect(index.size).toBe(n);
    let found = 0;
    for (let k = 0; k < 170; k++) {
      const q = queryHash(rnd, stored, k);
      const radius = RADII[k % RADII.length];
      const expected = ref.query(q, radius);
      found += expected.length;
      expect(index.query(q, radius)).toEqual(expected);
    }
    // The cases are not vacuous: near-duplicate queries do find entries.
    expect(found).toBeGreaterThan(30);
  });

  it('while entries arrive between queries (many small segments, merged as they grow)', () => {
    const rnd = sfc32(77);
    const index = new HashIndex({ tailLimit: 50, layout });
    const ref = new Reference();
    const stored: Uint8Array[] = [];
    const segmentCounts = new Set<number>();
    for (let round = 0; round < 40; round++) {
      populate(60 + (rnd() % 90), rnd, (id, h) => (index.add(id + round * 1000, h), ref.add(id + round * 1000, h)), stored);
      for (let k = 0; k < 6; k++) {
        const q = queryHash(rnd, stored, k);
        const radius = RADII[(round + k) % RADII.length];
        expect(index.query(q, radius)).toEqual(ref.query(q, radius));
      }
      segmentCounts.add(index.stats().segments.length);
    }
    // Several segments coexisted at some point, and merging kept their number small.
    expect(Math.max(...segmentCounts)).toBeGreaterThan(1);
    expect(Math.max(...segmentCounts)).toBeLessThan(8);
    expect(index.size).toBe(ref.entries.length);
  });
});

describe.each(LAYOUTS)('HashIndex (%s layout) is exact at the edge of the radius', (layout) => {
  /**
   * Entries at distance r - 1, r and r + 1 from a query, with the flipped bits spread over the
   * words and halves in every way the two-level pigeonhole rule distinguishes: which words get
   * the extra bits, and how the lightest word splits between its halves.
   */
  function edgeEntries(base: Uint8Array, d: number, rnd: () => number): Uint8Array[] {
    const out: Uint8Array[] = [];
    const per = Math.floor(d / 8);
    const extra = d - per * 8;
    for (let start = 0; start < 8; start++) {
      const counts = Array.from({ length: 8 }, (_, w) => per + ((w - start + 8) % 8 < extra ? 1 : 0));
      const lightest = counts.indexOf(Math.min(...counts));
      const c = counts[lightest];
      for (let hi = Math.max(0, c - 16); hi <= Math.min(c, 16); hi++) {
        let h = base;
        for (let w = 0; w < 8; w++) {
          const inHigh = w === lightest ? hi : rnd() % (Math.min(counts[w], 16) + 1);
          const high = Math.min(inHigh, counts[w]);
          const low = counts[w] - high;
          if (low > 16) continue;
          h = flipBits(h, high, rnd, halfPositions(w, true));
          h = flipBits(h, low, rnd, halfPositions(w, false));
        }
        if (hammingDistance(h, base) === d) out.push(h);
      }
    }
    return out;
  }

  it.each([0, 1, 2, 3, 7, 8, 15, 16, 20, 24, 31, 32, 39, 40, 48])('radius %i', (r) => {
    const rnd = sfc32(1000 + r);
    const index = new HashIndex({ tailLimit: 0, directoryBits: 16, layout });
    const ref = new Reference();
    const base = randomHash(rnd);
    let id = 0;
    const counts = new Map<number, number>();
    for (const d of [r - 1, r, r + 1]) {
      if (d < 0) continue;
      for (const h of edgeEntries(base, d, rnd)) {
        index.add(id, h);
        ref.add(id++, h);
        counts.set(d, (counts.get(d) ?? 0) + 1);
      }
    }
    for (let k = 0; k < 500; k++) {
      const h = randomHash(rnd);
      index.add(id, h);
      ref.add(id++, h);
    }
    const got = index.query(base, r);
    expect(got).toEqual(ref.query(base, r));
    // Everything at r - 1 and r is there, nothing at r + 1.
    expect(got.length).toBe((counts.get(r - 1) ?? 0) + (counts.get(r) ?? 0));
    expect(counts.get(r + 1) ?? 0).toBeGreaterThan(0);
    expect(index.stats().segments.length).toBeGreaterThan(0);
  });
});

describe.each(LAYOUTS)('HashIndex (%s layout) add, remove, re-add', (layout) => {
  it('removes entries from segments and the write buffer, and re-adds them', () => {
    const rnd = sfc32(5);
    const index = new HashIndex({ tailLimit: 64, layout });
    const ref = new Reference();
    const stored: Uint8Array[] = [];
    populate(2500, rnd, (id, h) => (index.add(id, h), ref.add(id, h)), stored);
    const check = () => {
      for (let k = 0; k < 20; k++) {
        const q = queryHash(rnd, stored, k);
        const radius = RADII[rnd() % RADII.length];
        expect(index.query(q, radius)).toEqual(ref.query(q, radius));
      }
      expect(index.size).toBe(ref.entries.length);
    };
    check();
    // Ids 2500..2599 were never added; every other id is removed once, then is gone.
    for (let k = 0; k < 900; k++) {
      const id = rnd() % 2600;
      expect(index.remove(id)).toBe(ref.remove(id));
    }
    check();
    expect(index.remove(2550)).toBe(false);
    // Entries added after the last build sit in the write buffer; remove some from there.
    populate(40, rnd, (id, h) => (index.add(id + 5000, h), ref.add(id + 5000, h)), stored);
    expect(index.stats().buffered).toBeGreaterThan(0);
    for (const id of [5000, 5003, 5039]) expect(index.remove(id)).toBe(ref.remove(id));
    check();
    // Re-adding a removed id with a new hash: only the new hash answers.
    const removed = [...Array(2500).keys()].find((i) => !ref.entries.some((e) => e.id === i))!;
    const fresh = randomHash(rnd);
    index.add(removed, fresh);
    ref.add(removed, fresh);
    expect(index.query(fresh, 0)).toEqual([{ id: removed, distance: 0 }]);
    check();
  });

  it('rebuilds a segment once half of it is removed, and empties completely', () => {
    const rnd = sfc32(6);
    const index = new HashIndex({ tailLimit: 0, layout });
    const hashes = Array.from({ length: 1000 }, () => randomHash(rnd));
    hashes.forEach((h, i) => index.add(i, h));
    index.flush();
    for (let i = 0; i < 499; i++) index.remove(i * 2);
    expect(index.stats().tombstones).toBe(499);
    index.query(hashes[1], 10);
    expect(index.stats().tombstones).toBe(499);
    index.remove(998);
    index.query(hashes[1], 10);
    expect(index.stats()).toEqual({ segments: [500], buffered: 0, tombstones: 0 });
    expect(index.query(hashes[1], 0)).toEqual([{ id: 1, distance: 0 }]);
    expect(index.query(hashes[2], 0)).toEqual([]);
    for (let i = 1; i < 1000; i += 2) expect(index.remove(i)).toBe(true);
    expect(index.size).toBe(0);
    expect(index.query(hashes[1], 64)).toEqual([]);
    index.add(7, hashes[7]);
    expect(index.nearest(hashes[7], 0)).toEqual({ id: 7, distance: 0 });
  });

  it('removes every entry of an id used more than once', () => {
    const rnd = sfc32(7);
    const index = new HashIndex({ tailLimit: 0, layout });
    const a = randomHash(rnd);
    const b = flipBits(a, 3, rnd);
    index.add(1, a);
    index.add(1, b);
    index.add(2, a);
    expect(index.query(a, 5)).toEqual([
      { id: 1, distance: 0 },
      { id: 2, distance: 0 },
      { id: 1, distance: 3 },
    ]);
    expect(index.remove(1)).toBe(true);
    expect(index.query(a, 5)).toEqual([{ id: 2, distance: 0 }]);
    expect(index.size).toBe(1);
  });

  it('clear() empties the index', () => {
    const rnd = sfc32(8);
    const index = new HashIndex({ tailLimit: 10, layout });
    const h = randomHash(rnd);
    for (let i = 0; i < 100; i++) index.add(i, i === 50 ? h : randomHash(rnd));
    index.flush();
    index.clear();
    expect(index.size).toBe(0);
    expect(index.query(h, 64)).toEqual([]);
    index.add(3, h);
    expect(index.query(h, 0)).toEqual([{ id: 3, distance: 0 }]);
  });
});

describe('HashIndex write buffer pages', () => {
  it('grows across pages, removes across pages and builds them', () => {
    const rnd = sfc32(9);
    const n = PAGE_ENTRIES * 3 + 5;
    const index = new HashIndex({ tailLimit: 1_000_000, initialCapacity: 100 });
    const ref = new Reference();
    const stored: Uint8Array[] = [];
    populate(n, rnd, (id, h) => (index.add(id, h), ref.add(id, h)), stored);
    expect(index.stats()).toEqual({ segments: [], buffered: n, tombstones: 0 });
    expect(index.memoryBytes()).toBeGreaterThanOrEqual(n * 36);
    const check = () => {
      for (let k = 0; k < 30; k++) {
        const q = queryHash(rnd, stored, k);
        const radius = RADII[rnd() % RADII.length];
        expect(index.query(q, radius)).toEqual(ref.query(q, radius));
      }
    };
    check();
    // Removing from the middle of each page swaps the last entry in.
    for (const id of [0, 1, PAGE_ENTRIES - 1, PAGE_ENTRIES, 2 * PAGE_ENTRIES + 7, n - 1]) {
      expect(index.remove(id)).toBe(ref.remove(id));
    }
    check();
    index.flush();
    expect(index.stats().buffered).toBe(0);
    check();
  });

  it('reserves the initial capacity up front', () => {
    const index = new HashIndex({ initialCapacity: 5000 });
    expect(index.memoryBytes()).toBeGreaterThanOrEqual(5000 * 36);
  });
});

describe('HashIndex answers', () => {
  it('nearest() is the closest entry, the smallest id among equals, or null', () => {
    const rnd = sfc32(10);
    const index = new HashIndex({ tailLimit: 0 });
    const q = randomHash(rnd);
    index.add(9, flipBits(q, 5, rnd));
    index.add(4, flipBits(q, 3, rnd));
    index.add(2, flipBits(q, 3, rnd));
    index.add(1, flipBits(q, 12, rnd));
    expect(index.nearest(q, 31)).toEqual({ id: 2, distance: 3 });
    expect(index.nearest(q, 2)).toBeNull();
    expect(index.nearest(randomHash(rnd), 31)).toBeNull();
  });

  it('fills a caller buffer, growing it past its capacity, in (distance, id) order', () => {
    const rnd = sfc32(11);
    const index = new HashIndex({ tailLimit: 0 });
    const h = randomHash(rnd);
    for (let i = 0; i < 300; i++) index.add(299 - i, i % 3 === 0 ? h : flipBits(h, 1 + (i % 7), rnd));
    const out = new MatchBuffer(4);
    index.query(h, 8, out);
    expect(out.length).toBe(300);
    const got = out.toArray();
    expect(got).toEqual([...got].sort((a, b) => a.distance - b.distance || a.id - b.id));
    expect(got.filter((m) => m.distance === 0)).toHaveLength(100);
    // The same buffer answers the next query from scratch.
    index.query(randomHash(rnd), 8, out);
    expect(out.length).toBe(0);
  });

  it('queryWords() answers like query() on the same hash', () => {
    const rnd = sfc32(12);
    const index = new HashIndex({ tailLimit: 0 });
    const stored: Uint8Array[] = [];
    populate(500, rnd, (id, h) => index.add(id, h), stored);
    const words = new Uint32Array(16);
    const q = flipBits(stored[17], 9, rnd);
    hashToWords(q, words, 8);
    expect(index.queryWords(words, 8, 31, new MatchBuffer()).toArray()).toEqual(index.query(q, 31));
  });

  it('copyHash() returns the stored bytes of a live entry', () => {
    const rnd = sfc32(13);
    const index = new HashIndex({ tailLimit: 2 });
    const a = randomHash(rnd);
    const b = randomHash(rnd);
    index.add(1, a);
    index.add(2, b);
    index.add(3, randomHash(rnd));
    index.flush();
    index.add(4, b);
    const out = new Uint8Array(32);
    expect(index.copyHash(1, out)).toBe(true);
    expect(out).toEqual(a);
    expect(index.copyHash(4, out)).toBe(true);
    expect(out).toEqual(b);
    index.remove(1);
    expect(index.copyHash(1, out)).toBe(false);
  });

  it('linearScan() is the brute-force reference', () => {
    const rnd = sfc32(14);
    const n = 400;
    const store = new Uint32Array(n * 8);
    const ids = new Uint32Array(n);
    const ref = new Reference();
    const stored: Uint8Array[] = [];
    populate(n, rnd, (id, h) => {
      hashToWords(h, store, ref.entries.length * 8);
      ids[ref.entries.length] = id;
      ref.add(id, h);
    }, stored);
    for (let k = 0; k < 20; k++) {
      const q = queryHash(rnd, stored, k);
      expect(linearScan(store, ids, n, q, 31).toArray()).toEqual(ref.query(q, 31));
    }
  });
});

describe('HashIndex compact layout', () => {
  it('answers like the fast layout past 65536 entries (a remainder narrower than 16 bits) in less memory', () => {
    const rnd = sfc32(4242);
    const fast = new HashIndex({ layout: 'fast' });
    const compact = new HashIndex({ layout: 'compact' });
    const stored: Uint8Array[] = [];
    populate(70_000, rnd, (id, h) => (fast.add(id, h), compact.add(id, h)), stored);
    fast.flush();
    compact.flush();
    expect(compact.stats().segments).toEqual([70_000]);
    let found = 0;
    for (let k = 0; k < 120; k++) {
      const q = queryHash(rnd, stored, k);
      const radius = [31, 24, 8, 40][k % 4];
      const expected = fast.query(q, radius);
      found += expected.length;
      expect(compact.query(q, radius)).toEqual(expected);
    }
    expect(found).toBeGreaterThan(20);
    // 96 instead of 115 bytes per entry, beside directories of the same size.
    expect(compact.memoryBytes()).toBeLessThan(fast.memoryBytes() * 0.9);
  });

  it('builds its id lookup at the first removal, and removes like the fast layout', () => {
    const rnd = sfc32(99);
    const index = new HashIndex({ layout: 'compact', tailLimit: 0 });
    const ref = new Reference();
    populate(3000, rnd, (id, h) => (index.add(id, h), ref.add(id, h)), []);
    index.flush();
    const before = index.memoryBytes();
    const out = new Uint8Array(32);
    expect(index.copyHash(ref.entries[10].id, out)).toBe(true);
    expect(index.memoryBytes()).toBe(before + 3000 * 4);
    for (let id = 0; id < 3000; id += 7) expect(index.remove(id)).toBe(ref.remove(id));
    const q = ref.entries[100].hash;
    expect(index.query(q, 31)).toEqual(ref.query(q, 31));
  });

  it('is fast unless compact is asked for', () => {
    expect(new HashIndex().layout).toBe('fast');
    expect(new HashIndex({ layout: 'compact' }).layout).toBe('compact');
  });
});

describe('HashIndex refuses bad input', () => {
  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return isVeilError(e) ? e.code : String(e);
    }
    return 'no error';
  };
  const index = new HashIndex({ maxRadius: 40 });
  const h = new Uint8Array(32);

  it.each([-1, 1.5, 2 ** 32, Number.NaN])('id %s', (id) => {
    expect(code(() => index.add(id, h))).toBe('match/bad-id');
    expect(code(() => index.remove(id))).toBe('match/bad-id');
  });

  it.each([0, 31, 33])('hash of %i bytes', (len) => {
    expect(code(() => index.add(1, new Uint8Array(len)))).toBe('hash/bad-length');
    expect(code(() => index.query(new Uint8Array(len), 3))).toBe('hash/bad-length');
  });

  it.each([-1, 41, 2.5])('radius %s', (r) => {
    expect(code(() => index.query(h, r))).toBe('match/bad-radius');
  });

  it('accepts the largest id and radius', () => {
    index.add(0xffffffff, h);
    expect(index.query(h, 40)).toEqual([{ id: 0xffffffff, distance: 0 }]);
    expect(code(() => new HashIndex({ maxRadius: 300 }))).toBe('match/bad-radius');
  });
});
