import { VeilError } from '../errors';
import { HASH_WORDS, POPCOUNT16, popcount32 } from './hamming';
import type { MatchBuffer } from './match-buffer';

/**
 * One immutable, sorted run of index entries, and the search inside it (see mih.ts for the
 * scheme, the measurements that chose it and the proof of exactness).
 *
 * Orderings. Ordering o (0..15) is keyed by one 16-bit half of word w = o >> 1 of the hash
 * (o even: the high half, bits 31..16; o odd: the low half); its "remainder" is the other half
 * of the same word. Records of an ordering are sorted by key; a directory of 2^dirBits buckets
 * (the key's top dirBits bits) points at each bucket's records. Ordering 0 is implicit: the
 * entries themselves are stored sorted by it, so its records are the entries, in place.
 *
 * Layout of a segment of n entries (every array allocated once, exactly, at build):
 *   hashes  Uint32Array(8n)   entry i's words at [8i, 8i + 8) (hamming.ts byte order), sorted by
 *                             the top dirBits bits of word 0's high half (ordering 0)
 *   ids     Uint32Array(n)    entry i's caller id
 *   dead    Uint32Array(n/32) bit i set: entry i was removed (tombstone until the next rebuild)
 *   byId    Uint32Array(n)    entry numbers sorted by (id, entry): removal by binary search
 *   dir     Uint32Array(16 * (B + 1)), B = 2^dirBits: ordering o's bucket b holds its records
 *                             [dir[o*(B+1) + b], dir[o*(B+1) + b + 1])
 *   recs    Uint32Array(15n)  ordering o >= 1, record k at (o - 1) * n + k, in one of two forms:
 *     fast layout:    bits 31..16 the remainder half, bits 15..0 the low 16 bits of the
 *                     record's entry number (one read filters and locates), and
 *     postHi  Uint8Array(15n) same slots: bits 23..16 of the entry number (so n <= 2^24),
 *                             read only for records that pass the filter;
 *     compact layout: the entry number in the low e = ceil(log2 n) bits, above it the top
 *                     min(16, 32 - e) bits of the remainder (16 at up to 65536 entries, 12 at
 *                     1M, 8 at 2^24): a narrower filter, so more records reach the full check,
 *                     and no postHi. byId is built at the first removal or lookup by id.
 * Per entry, fast: 32 (hash) + 4 (id) + 4 (byId) + 15 * 5 (records) + 1/8 (dead) = 115.1 bytes;
 * compact: 32 + 4 + 15 * 4 + 1/8 = 96.1 bytes (100.1 once byId is built). Plus the directories
 * (16 * 4 * (B + 1) bytes per segment, 4 MiB at dirBits 16).
 */

export const ORDERINGS = 16;
/** Entry numbers in records are 24 bits (postLo + postHi). */
export const SEGMENT_MAX_ENTRIES = 1 << 24;
export const MIN_DIRECTORY_BITS = 4;
export const MAX_DIRECTORY_BITS = 16;

/** Record layouts (mih.ts, HashIndexOptions.layout). */
export type SegmentLayout = 'fast' | 'compact';

/** ball[d][r]: how many d-bit values lie within distance r of a given one (for cost estimates). */
const BALL: number[][] = (() => {
  const out: number[][] = [];
  for (let d = 0; d <= MAX_DIRECTORY_BITS; d++) {
    const row: number[] = [];
    let c = 1;
    let sum = 0;
    for (let r = 0; r <= d; r++) {
      sum += c;
      row.push(sum);
      c = (c * (d - r)) / (r + 1);
    }
    out.push(row);
  }
  return out;
})();

/**
 * The radii of one query, and the scratch registers its search uses (nothing is allocated per
 * query). Set by `set(radius)` from the two-level pigeonhole rule described in mih.ts.
 */
export class QueryPlan {
  radius = 0;
  /** The query's 8 words. */
  readonly words = new Uint32Array(HASH_WORDS);
  /** Radius searched in word w (-1: word not searched). */
  readonly wordRadius = new Int32Array(HASH_WORDS);
  /** Radius searched in ordering o's key (-1: ordering not searched). */
  readonly halfRadius = new Int32Array(ORDERINGS);
  /** $dist: per-word distances of the entry being checked. */
  readonly dist = new Int32Array(HASH_WORDS);

  set(radius: number): void {
    this.radius = radius;
    // r = 8 * rho + a: some word k <= a is within rho, or some word k > a within rho - 1.
    const rho = Math.floor(radius / HASH_WORDS);
    const a = radius - rho * HASH_WORDS;
    for (let k = 0; k < HASH_WORDS; k++) this.wordRadius[k] = k <= a ? rho : rho - 1;
    // Within a word searched at rw = 2 * s + b: the high half is within s, or the low half within
    // s (b = 1) or s - 1 (b = 0); i.e. floor(rw / 2) and ceil(rw / 2) - 1.
    for (let o = 0; o < ORDERINGS; o++) {
      const rw = this.wordRadius[o >>> 1];
      this.halfRadius[o] = (o & 1) === 0 ? Math.floor(rw / 2) : Math.ceil(rw / 2) - 1;
    }
  }

  /**
   * Whether ordering o reports the entry at `e` of `words` (its word distances already in $dist):
   * the key within the ordering's radius and the whole word within the word's radius. The search
   * of ordering o reaches every such entry, so the entry is reported by the first o for which
   * this holds and skipped by the later ones: exactly once.
   */
  finds(o: number, words: Uint32Array, e: number): boolean {
    const hr = this.halfRadius[o];
    if (hr < 0) return false;
    const w = o >>> 1;
    if (this.dist[w] > this.wordRadius[w]) return false;
    const x = (words[e + w] ^ this.words[w]) >>> 0;
    return POPCOUNT16[(o & 1) === 0 ? x >>> 16 : x & 0xffff] <= hr;
  }
}

/** Live entries a segment is built from: a write-buffer page or an older segment. */
export interface EntrySource {
  words: Uint32Array;
  ids: Uint32Array;
  count: number;
  /** Tombstone bits (entries to leave out), or null. */
  dead: Uint32Array | null;
}

export function isSet(bits: Uint32Array, i: number): boolean {
  return ((bits[i >>> 5] >>> (i & 31)) & 1) === 1;
}

export class Segment {
  readonly n: number;
  readonly dirBits: number;
  deadCount = 0;
  /** Record fields: entry number = (rec & entryMask) | postHi << 16; remainder filter = rec >>> remShift. */
  private readonly entryMask: number;
  private readonly remShift: number;
  /** Bits of the remainder half kept in a record (its top ones). */
  private readonly remBits: number;
  /** Entry numbers sorted by id; null until first needed (compact layout). */
  private byIdSorted: Uint32Array | null;

  private constructor(
    n: number,
    dirBits: number,
    readonly hashes: Uint32Array,
    readonly ids: Uint32Array,
    readonly dead: Uint32Array,
    byId: Uint32Array | null,
    readonly dir: Uint32Array,
    readonly recs: Uint32Array,
    readonly postHi: Uint8Array | null,
  ) {
    this.n = n;
    this.dirBits = dirBits;
    this.byIdSorted = byId;
    const form = recordForm(n, postHi === null ? 'compact' : 'fast');
    this.entryMask = form.entryMask;
    this.remShift = form.remShift;
    this.remBits = form.remBits;
  }

  get live(): number {
    return this.n - this.deadCount;
  }

  asSource(): EntrySource {
    return { words: this.hashes, ids: this.ids, count: this.n, dead: this.deadCount > 0 ? this.dead : null };
  }

  /**
   * Builds a segment from the live entries of `sources` (n of them in all). Takes the array:
   * it is emptied once the entries are copied, so the caller's buffers can be collected while
   * the orderings are built.
   */
  static build(sources: EntrySource[], n: number, dirBits: number, layout: SegmentLayout = 'fast'): Segment {
    if (n < 1 || n > SEGMENT_MAX_ENTRIES) throw new VeilError('internal', `Segment size ${n} is out of range.`);
    const buckets = 1 << dirBits;
    const stride = buckets + 1;
    const keyShift = 16 - dirBits;
    const dir = new Uint32Array(ORDERINGS * stride);
    const { entryMask, remShift, remBits } = recordForm(n, layout);

    // Gather the live entries in source order.
    const hashes = new Uint32Array(n * HASH_WORDS);
    const ids = new Uint32Array(n);
    let count = 0;
    for (const s of sources) {
      const words = s.words;
      for (let e = 0; e < s.count; e++) {
        if (s.dead !== null && isSet(s.dead, e)) continue;
        if (count === n) throw new VeilError('internal', 'Segment build: more live entries than counted.');
        const from = e * HASH_WORDS;
        const to = count * HASH_WORDS;
        for (let k = 0; k < HASH_WORDS; k++) hashes[to + k] = words[from + k];
        ids[count++] = s.ids[e];
      }
    }
    if (count !== n) throw new VeilError('internal', 'Segment build: fewer live entries than counted.');
    sources.length = 0;

    // Ordering 0: the entries themselves, sorted by word 0's high half in two stable LSD byte
    // passes that move whole entries (256 write streams per pass; a one-pass scatter to 65536
    // buckets measured 3-5x slower at millions of entries: every write a cache and TLB miss).
    {
      const tmpHashes = new Uint32Array(n * HASH_WORDS);
      const tmpIds = new Uint32Array(n);
      sortEntriesByte(hashes, ids, tmpHashes, tmpIds, n, 16);
      sortEntriesByte(tmpHashes, tmpIds, hashes, ids, n, 24);
    }
    for (let i = 0; i < n; i++) dir[(hashes[i * HASH_WORDS] >>> 16 >>> keyShift) + 1]++;
    for (let b = 0; b < buckets; b++) dir[b + 1] += dir[b];

    // Orderings 1..15: records (key << 16 | remainder, entry) sorted by key in two LSD byte passes.
    const m = n * (ORDERINGS - 1);
    const recs = new Uint32Array(m);
    const postHi = layout === 'fast' ? new Uint8Array(m) : null;
    const tmpKeys = new Uint32Array(n);
    const tmpEntries = new Uint32Array(n);
    const lowCount = new Uint32Array(256);
    const highCount = new Uint32Array(256);
    const pos = new Uint32Array(256);
    const remDrop = 16 - remBits;
    for (let o = 1; o < ORDERINGS; o++) {
      const w = o >>> 1;
      const high = (o & 1) === 0;
      const base = o * stride;
      lowCount.fill(0);
      highCount.fill(0);
      for (let i = 0; i < n; i++) {
        const x = hashes[i * HASH_WORDS + w];
        const key = high ? x >>> 16 : x & 0xffff;
        lowCount[key & 0xff]++;
        highCount[key >>> 8]++;
        dir[base + (key >>> keyShift) + 1]++;
      }
      for (let b = 0; b < buckets; b++) dir[base + b + 1] += dir[base + b];
      // Pass A: by the key's low byte.
      prefix(lowCount, pos);
      for (let i = 0; i < n; i++) {
        const x = hashes[i * HASH_WORDS + w];
        const packed = high ? x : ((x << 16) | (x >>> 16)) >>> 0;
        const p = pos[(packed >>> 16) & 0xff]++;
        tmpKeys[p] = packed;
        tmpEntries[p] = i;
      }
      // Pass B: by the key's high byte, stable, into the final record slots.
      prefix(highCount, pos);
      const recBase = (o - 1) * n;
      for (let j = 0; j < n; j++) {
        const packed = tmpKeys[j];
        const k = recBase + pos[packed >>> 24]++;
        const entry = tmpEntries[j];
        recs[k] = ((((packed & 0xffff) >>> remDrop) << remShift) | (entry & entryMask)) >>> 0; // field: remainder | entry
        if (postHi !== null) postHi[k] = entry >>> 16; // field: entry bits 23..16
      }
    }

    const byId = layout === 'fast' ? sortById(ids, n, tmpKeys, tmpEntries) : null;
    return new Segment(n, dirBits, hashes, ids, new Uint32Array((n + 31) >>> 5), byId, dir, recs, postHi);
  }

  /** Entry numbers sorted by (id, entry), built now if this segment has none yet. */
  private get byId(): Uint32Array {
    if (this.byIdSorted === null) this.byIdSorted = sortById(this.ids, this.n, new Uint32Array(this.n), new Uint32Array(this.n));
    return this.byIdSorted;
  }

  /** Records the search would scan for this plan; past n a plain scan of the entries is cheaper. */
  private plannedRecords(plan: QueryPlan): number {
    const row = BALL[this.dirBits];
    let buckets = 0;
    for (let o = 0; o < ORDERINGS; o++) {
      const hr = plan.halfRadius[o];
      if (hr >= 0) buckets += row[Math.min(hr, this.dirBits)];
    }
    return (buckets * this.n) / (1 << this.dirBits);
  }

  /** Appends every live entry within plan.radius to `out` (unsorted). */
  search(plan: QueryPlan, out: MatchBuffer): void {
    if (this.plannedRecords(plan) >= this.n) {
      this.scanAll(plan, out);
      return;
    }
    const { hashes, dir, recs, postHi, n, dirBits, entryMask, remShift } = this;
    const remDrop = 16 - this.remBits;
    const stride = (1 << dirBits) + 1;
    const keyShift = 16 - dirBits;
    const limit = 1 << dirBits;
    for (let o = 0; o < ORDERINGS; o++) {
      const hr = plan.halfRadius[o];
      if (hr < 0) continue;
      const rw = plan.wordRadius[o >>> 1];
      const qw = plan.words[o >>> 1];
      const high = (o & 1) === 0;
      const qKey = high ? qw >>> 16 : qw & 0xffff;
      const qRem = high ? qw & 0xffff : qw >>> 16;
      const qRemTop = qRem >>> remDrop;
      const qBucket = qKey >>> keyShift;
      const base = o * stride;
      const recBase = (o - 1) * n;
      const maxFlips = Math.min(hr, dirBits);
      // Every bucket within maxFlips bits of the query's: masks of k bits in increasing k,
      // the k-bit masks enumerated in order by Gosper's hack.
      for (let k = 0; k <= maxFlips; k++) {
        // A record's key differs in at least k bits, so its remainder may differ in rw - k.
        const budget = rw - k;
        let mask = (1 << k) - 1;
        while (mask < limit) {
          const b = qBucket ^ mask;
          const start = dir[base + b];
          const end = dir[base + b + 1];
          if (o === 0) {
            for (let i = start; i < end; i++) {
              if (POPCOUNT16[(hashes[i * HASH_WORDS] & 0xffff) ^ qRem] <= budget) this.check(i, 0, plan, out);
            }
          } else if (postHi !== null) {
            for (let r = recBase + start; r < recBase + end; r++) {
              const v = recs[r];
              if (POPCOUNT16[(v >>> 16) ^ qRem] <= budget) this.check((v & 0xffff) | (postHi[r] << 16), o, plan, out);
            }
          } else {
            // Compact records: the filter sees only the remainder's top bits, a weaker test.
            for (let r = recBase + start; r < recBase + end; r++) {
              const v = recs[r];
              if (POPCOUNT16[(v >>> remShift) ^ qRemTop] <= budget) this.check(v & entryMask, o, plan, out);
            }
          }
          if (mask === 0) break;
          const c = mask & -mask;
          const next = mask + c;
          mask = (((next ^ mask) >>> 2) / c) | next;
        }
      }
    }
  }

  /** Full check of entry i found through ordering o: distance, exactly-once rule, tombstone. */
  private check(i: number, o: number, plan: QueryPlan, out: MatchBuffer): void {
    const h = this.hashes;
    const e = i * HASH_WORDS;
    const q = plan.words;
    const dist = plan.dist;
    let total = 0;
    for (let k = 0; k < HASH_WORDS; k++) {
      const d = popcount32(h[e + k] ^ q[k]);
      dist[k] = d;
      total += d;
    }
    if (total > plan.radius) return;
    if (!plan.finds(o, h, e)) return;
    for (let p = 0; p < o; p++) if (plan.finds(p, h, e)) return;
    if (isSet(this.dead, i)) return;
    out.push(this.ids[i], total);
  }

  /** The fallback for radii the orderings cannot narrow: every live entry, checked in full. */
  private scanAll(plan: QueryPlan, out: MatchBuffer): void {
    const h = this.hashes;
    const q = plan.words;
    const r = plan.radius;
    for (let i = 0; i < this.n; i++) {
      const e = i * HASH_WORDS;
      const d =
        popcount32(h[e] ^ q[0]) +
        popcount32(h[e + 1] ^ q[1]) +
        popcount32(h[e + 2] ^ q[2]) +
        popcount32(h[e + 3] ^ q[3]) +
        popcount32(h[e + 4] ^ q[4]) +
        popcount32(h[e + 5] ^ q[5]) +
        popcount32(h[e + 6] ^ q[6]) +
        popcount32(h[e + 7] ^ q[7]);
      if (d <= r && !isSet(this.dead, i)) out.push(this.ids[i], d);
    }
  }

  /** First position in byId whose entry has an id >= `id`. */
  private lowerBound(id: number): number {
    let lo = 0;
    let hi = this.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ids[this.byId[mid]] < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Tombstones every live entry with this id; returns how many. */
  removeId(id: number): number {
    let removed = 0;
    for (let p = this.lowerBound(id); p < this.n; p++) {
      const i = this.byId[p];
      if (this.ids[i] !== id) break;
      if (isSet(this.dead, i)) continue;
      this.dead[i >>> 5] |= 1 << (i & 31);
      this.deadCount++;
      removed++;
    }
    return removed;
  }

  /** Word offset of a live entry with this id, or -1. */
  find(id: number): number {
    for (let p = this.lowerBound(id); p < this.n; p++) {
      const i = this.byId[p];
      if (this.ids[i] !== id) break;
      if (!isSet(this.dead, i)) return i * HASH_WORDS;
    }
    return -1;
  }

  memoryBytes(): number {
    return (
      this.hashes.byteLength +
      this.ids.byteLength +
      this.dead.byteLength +
      (this.byIdSorted?.byteLength ?? 0) +
      this.dir.byteLength +
      this.recs.byteLength +
      (this.postHi?.byteLength ?? 0)
    );
  }
}

/** How a segment of n entries packs its records (see the layout in the header). */
function recordForm(n: number, layout: SegmentLayout): { entryMask: number; remShift: number; remBits: number } {
  if (layout === 'fast') return { entryMask: 0xffff, remShift: 16, remBits: 16 };
  const entryBits = Math.max(1, 32 - Math.clz32(n - 1));
  return { entryMask: entryBits === 32 ? 0xffffffff : (1 << entryBits) - 1, remShift: entryBits, remBits: Math.min(16, 32 - entryBits) };
}

/**
 * Entry numbers 0..n-1 sorted by (ids[entry], entry): four stable LSD byte passes, using the
 * two scratch arrays (n each) and one of its own. Four passes (an even number): the result is
 * the array allocated here, not a scratch one.
 */
function sortById(ids: Uint32Array, n: number, scratchKeys: Uint32Array, scratchVals: Uint32Array): Uint32Array {
  let keysA: Uint32Array = new Uint32Array(n);
  keysA.set(ids.subarray(0, n));
  let valsA: Uint32Array = new Uint32Array(n);
  for (let i = 0; i < n; i++) valsA[i] = i;
  let keysB = scratchKeys;
  let valsB = scratchVals;
  const count = new Uint32Array(256);
  const pos = new Uint32Array(256);
  for (let shift = 0; shift < 32; shift += 8) {
    count.fill(0);
    for (let i = 0; i < n; i++) count[(keysA[i] >>> shift) & 0xff]++;
    prefix(count, pos);
    for (let i = 0; i < n; i++) {
      const p = pos[(keysA[i] >>> shift) & 0xff]++;
      keysB[p] = keysA[i];
      valsB[p] = valsA[i];
    }
    [keysA, keysB] = [keysB, keysA];
    [valsA, valsB] = [valsB, valsA];
  }
  return valsA;
}

/** Exclusive prefix sums of 256 byte counts into pos. */
function prefix(counts: Uint32Array, pos: Uint32Array): void {
  let sum = 0;
  for (let b = 0; b < 256; b++) {
    pos[b] = sum;
    sum += counts[b];
  }
}

/** One stable LSD pass: entries (8 words + id) of src into dst by byte (word 0 >>> shift) & 0xff. */
function sortEntriesByte(src: Uint32Array, srcIds: Uint32Array, dst: Uint32Array, dstIds: Uint32Array, n: number, shift: number): void {
  const count = new Uint32Array(256);
  for (let i = 0; i < n; i++) count[(src[i * HASH_WORDS] >>> shift) & 0xff]++;
  const pos = new Uint32Array(256);
  prefix(count, pos);
  for (let i = 0; i < n; i++) {
    const from = i * HASH_WORDS;
    const p = pos[(src[from] >>> shift) & 0xff]++;
    const to = p * HASH_WORDS;
    for (let k = 0; k < HASH_WORDS; k++) dst[to + k] = src[from + k];
    dstIds[p] = srcIds[i];
  }
}
