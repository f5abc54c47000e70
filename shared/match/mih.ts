import { VeilError } from '../errors';
import { HASH_WORDS, hammingDistanceWords, hashToWords, popcount32, wordsToHash } from './hamming';
import { MatchBuffer, type IndexMatch } from './match-buffer';
import { type EntrySource, MAX_DIRECTORY_BITS, MIN_DIRECTORY_BITS, QueryPlan, SEGMENT_MAX_ENTRIES, Segment, type SegmentLayout } from './segment';

export { MatchBuffer, type IndexMatch } from './match-buffer';
export type { SegmentLayout as IndexLayout } from './segment';

/**
 * HashIndex: every stored 256-bit hash within a Hamming radius of a query, exactly (the same
 * answer as a linear scan), for millions of entries, with add and remove.
 *
 * ## Scheme: two-level multi-index hashing
 * Multi-index hashing (Norouzi, Punjani, Fleet, "Fast search in Hamming space with multi-index
 * hashing", CVPR 2012) splits the hash into m substrings and indexes each: if two hashes are
 * within r, then (refined pigeonhole) with r = m * s + a, one of the first a + 1 substrings is
 * within s, or one of the others within s - 1. Here it is applied twice:
 *   1. the 8 words of 32 bits: at r = 31 some word is within 3 (r = 8 * 3 + 7);
 *   2. inside a word searched at radius rw, its high half is within floor(rw / 2), or its low
 *      half within ceil(rw / 2) - 1 (at rw = 3: one half within 1).
 * So there are 16 orderings, one per (word, half), each sorted by that 16-bit half ("key") and
 * keeping the other half of the word beside each record ("remainder"). A query visits, in each
 * ordering, the directory buckets within the half radius of its key (17 at radius 31), and keeps
 * the records whose key distance + remainder distance is within the word radius: that is the
 * exact distance on the whole 32-bit word, read sequentially from the ordering, so only entries
 * with a close word (a few hundred at 10M entries) cost a random read of the full hash. Each
 * match is reported by the first ordering whose condition it meets, so exactly once
 * (QueryPlan.finds in segment.ts).
 *
 * ## Why this and not the alternatives (10M random entries, radius 31, Node 20, one thread of a
 * shared 2-core VM; prototypes measured in the same conditions)
 *   - plain MIH, 16 tables of 16-bit chunks at radius 1, 24-bit postings (81 B/entry): ~41,500
 *     candidates per query, each a random read of its hash: 10.7 ms median. Too slow.
 *   - the same plus 8 bits of the partner half beside each posting (92 B/entry): ~6,100 random
 *     reads, 1.7-2.8 ms median. Too slow.
 *   - the whole partner half (this layout): ~110 random reads, 0.31-0.38 ms median in the
 *     prototype (107 B/entry before ids and id lookup). As built (bench/index.ts, 115.6 B/entry
 *     in all): 0.39-0.42 ms median at 10M; the plain linear scan 345 ms (840x), a hand-written
 *     early-exit scan 78 ms (190x), on a machine shared with other jobs.
 * The 48 bytes per entry of issue 2 cannot be met by an exact multi-index at radius 31. The
 * hash and id take 36; every table beyond the one given by the storage order must say which
 * entries sit in each of its buckets, at least log2(N / bucket size) + 1.44 bits per entry
 * (the Elias-Fano bound): ~17.4 bits for 16-bit keys and ~24.7 bits for keys longer than
 * log2(N), at 10M entries. 12 bytes hold three such tables: four substrings of 64 bits, each
 * searched at radius 7 (C(64, 7) = 6e8 keys to probe), no faster than the scan. So memory is
 * spent for speed here, and bench/index.ts prints the bytes per entry beside the speed.
 *
 * ## Compact layout, for clients
 * A client (the extension) holds a large list in a browser process and answers a few hundred
 * queries a second at most; memory matters more there than the last tenth of a millisecond.
 * `layout: 'compact'` keeps the same 16 orderings and directories (so the same ~272 bucket
 * visits per radius-31 query, the part of a query that waits on memory) and packs each record
 * into 4 bytes: the entry number in ceil(log2 n) bits and the remainder's top bits above it (12
 * at 1M entries), with the id-sorted lookup built only at the first removal. 96 B/entry instead
 * of 115 (1M entries: 100 MB instead of 120 with directories). Answers are the same (the narrower
 * remainder is only a filter before the full check); more records reach the full check (88
 * instead of 11 per query at 1M), each a random read of the entry's hash, so a radius-31 query
 * at 1M entries takes 0.36-0.42 ms instead of 0.21 (medians, interleaved runs, shared 2-core VM).
 * Measured and dropped: reading the directory for all buckets before scanning any (to overlap
 * the misses), 13% faster for compact and nothing for fast, not worth a second loop. Dropped: 8
 * orderings of whole 32-bit words (28 B/entry of records, but ~700 buckets per word at radius 3,
 * 10-20x slower), and 3-byte records without a remainder (every record a random read).
 *
 * ## Adds, removes, memory
 * Adds go to a write buffer of 64 KiB pages (2048 entries each), scanned linearly by queries.
 * When a query finds more than `tailLimit` (4096) buffered entries it builds them into a sorted
 * segment (segment.ts for its layout), merging it with the newest segments while they are no
 * more than MERGE_FACTOR times larger (size-tiered, like an LSM tree: O(log N) segments, each
 * entry rebuilt O(log N) times; a bulk load followed by a query is one build). Removes tombstone
 * entries in segments (found by binary search on ids) and delete from the buffer; a segment that
 * is half tombstones is rebuilt at the next query. Ids are uint32 and need not be unique:
 * `remove(id)` removes every entry with that id.
 */

export interface HashIndexOptions {
  /** Largest radius query() accepts (default 64); larger ones throw 'match/bad-radius'. */
  maxRadius?: number;
  /** Entries to reserve room for in the write buffer up front. */
  initialCapacity?: number;
  /** Buffered entries a query tolerates before building them into a segment (default 4096). */
  tailLimit?: number;
  /** Fixed directory size (bits) for every segment; default grows with the segment (tests). */
  directoryBits?: number;
  /** Record layout (header): 'fast' (default, servers) or 'compact' (clients: the extension). */
  layout?: SegmentLayout;
}

export const PAGE_ENTRIES = 2048;
export const DEFAULT_TAIL_LIMIT = 4096;
export const DEFAULT_MAX_RADIUS = 64;
/** A newer run absorbs an older segment that is at most this many times its size. */
const MERGE_FACTOR = 4;

function checkId(id: number): void {
  if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) throw new VeilError('match/bad-id');
}

export class HashIndex {
  readonly maxRadius: number;
  private readonly tailLimit: number;
  private readonly directoryBits: number | undefined;
  readonly layout: SegmentLayout;
  private segments: Segment[] = [];
  /** The write buffer: page p holds entries [p * PAGE_ENTRIES, ...) of the tail. */
  private pageWords: Uint32Array[] = [];
  private pageIds: Uint32Array[] = [];
  private tailCount = 0;
  private live = 0;
  private compactionDue = false;
  /** $plan: the radii and registers of the query in progress. */
  private readonly plan = new QueryPlan();
  /** $results: answers of query() without a caller's buffer, and of nearest(). */
  private readonly results = new MatchBuffer();

  constructor(options: HashIndexOptions = {}) {
    const maxRadius = options.maxRadius ?? DEFAULT_MAX_RADIUS;
    if (!Number.isInteger(maxRadius) || maxRadius < 0 || maxRadius > 256) throw new VeilError('match/bad-radius');
    this.maxRadius = maxRadius;
    this.tailLimit = Math.max(0, Math.floor(options.tailLimit ?? DEFAULT_TAIL_LIMIT));
    const bits = options.directoryBits;
    if (bits !== undefined && (!Number.isInteger(bits) || bits < MIN_DIRECTORY_BITS || bits > MAX_DIRECTORY_BITS)) {
      throw new VeilError('internal', `directoryBits must be ${MIN_DIRECTORY_BITS}..${MAX_DIRECTORY_BITS}.`);
    }
    this.directoryBits = bits;
    this.layout = options.layout ?? 'fast';
    if (this.layout !== 'fast' && this.layout !== 'compact') throw new VeilError('internal', `Unknown index layout ${String(this.layout)}.`);
    const pages = Math.ceil(Math.max(0, options.initialCapacity ?? 0) / PAGE_ENTRIES);
    for (let p = 0; p < pages; p++) this.addPage();
  }

  /** Live entries. */
  get size(): number {
    return this.live;
  }

  add(id: number, hash: Uint8Array): void {
    checkId(id);
    const words = this.plan.words;
    hashToWords(hash, words, 0);
    this.append(id, words, 0);
  }

  /** Adds the entry whose 8 words are at words[offset .. offset + 8) (bulk loads, no bytes). */
  addWords(id: number, words: Uint32Array, offset = 0): void {
    checkId(id);
    if (offset < 0 || offset + HASH_WORDS > words.length) throw new VeilError('hash/bad-length');
    this.append(id, words, offset);
  }

  /** Removes every entry with this id; true if there was one. */
  remove(id: number): boolean {
    checkId(id);
    if (this.tailCount > this.tailLimit) this.flush();
    let removed = 0;
    for (let i = this.tailCount - 1; i >= 0; i--) {
      if (this.pageIds[i >>> 11][i & 2047] !== id) continue;
      this.moveTail(this.tailCount - 1, i);
      this.tailCount--;
      removed++;
    }
    for (const s of this.segments) {
      removed += s.removeId(id);
      if (s.deadCount * 2 >= s.n) this.compactionDue = true;
    }
    this.live -= removed;
    return removed > 0;
  }

  clear(): void {
    this.segments = [];
    this.pageWords = [];
    this.pageIds = [];
    this.tailCount = 0;
    this.live = 0;
    this.compactionDue = false;
  }

  /** Every entry within `radius` of `hash`, sorted by distance then id. */
  query(hash: Uint8Array, radius: number): IndexMatch[];
  /** The same into a caller's buffer, allocating nothing once the buffer is large enough. */
  query(hash: Uint8Array, radius: number, out: MatchBuffer): MatchBuffer;
  query(hash: Uint8Array, radius: number, out?: MatchBuffer): IndexMatch[] | MatchBuffer {
    hashToWords(hash, this.plan.words, 0);
    const buffer = this.run(radius, out ?? this.results);
    return out ? buffer : buffer.toArray();
  }

  /** query() for a hash given as 8 words at words[offset ..] (the Matcher's dihedral variants). */
  queryWords(words: Uint32Array, offset: number, radius: number, out: MatchBuffer): MatchBuffer {
    if (offset < 0 || offset + HASH_WORDS > words.length) throw new VeilError('hash/bad-length');
    for (let k = 0; k < HASH_WORDS; k++) this.plan.words[k] = words[offset + k];
    return this.run(radius, out);
  }

  /** The closest entry within `radius` (smallest id among equals), or null. */
  nearest(hash: Uint8Array, radius: number): IndexMatch | null {
    hashToWords(hash, this.plan.words, 0);
    const r = this.run(radius, this.results);
    return r.length > 0 ? { id: r.ids[0], distance: r.distances[0] } : null;
  }

  /** Copies the hash of a live entry with this id into `out`; false if there is none. */
  copyHash(id: number, out: Uint8Array): boolean {
    checkId(id);
    for (let i = 0; i < this.tailCount; i++) {
      if (this.pageIds[i >>> 11][i & 2047] === id) {
        wordsToHash(this.pageWords[i >>> 11], (i & 2047) * HASH_WORDS, out);
        return true;
      }
    }
    for (const s of this.segments) {
      const at = s.find(id);
      if (at >= 0) {
        wordsToHash(s.hashes, at, out);
        return true;
      }
    }
    return false;
  }

  /**
   * Builds the write buffer into the sorted structure now, and rebuilds half-removed segments.
   * Queries do this by themselves when needed; call it to pay the cost at a chosen moment
   * (after a bulk load).
   */
  flush(): void {
    this.compactionDue = false;
    const kept: Segment[] = [];
    for (const s of this.segments) {
      if (s.deadCount * 2 < s.n) kept.push(s);
      else if (s.live > 0) kept.push(Segment.build([s.asSource()], s.live, this.dirBitsFor(s.live), this.layout));
    }
    this.segments = kept;
    if (this.tailCount === 0) return;
    const sources: EntrySource[] = [];
    let total = this.tailCount;
    let k = this.segments.length;
    while (k > 0) {
      const s = this.segments[k - 1];
      if (s.live > MERGE_FACTOR * total || s.live + total > SEGMENT_MAX_ENTRIES) break;
      total += s.live;
      k--;
    }
    for (let i = k; i < this.segments.length; i++) sources.push(this.segments[i].asSource());
    for (let p = 0; p * PAGE_ENTRIES < this.tailCount; p++) {
      const count = Math.min(PAGE_ENTRIES, this.tailCount - p * PAGE_ENTRIES);
      sources.push({ words: this.pageWords[p], ids: this.pageIds[p], count, dead: null });
    }
    // From here the entries live only in `sources`, which the build empties once it has copied
    // them: the merged segments and a bulk load's pages can be collected before the orderings
    // are built (peak memory). The pages a normal write buffer needs are kept for reuse.
    this.segments.length = k;
    this.tailCount = 0;
    const keep = Math.ceil(this.tailLimit / PAGE_ENTRIES) + 1;
    this.pageWords.length = Math.min(this.pageWords.length, keep);
    this.pageIds.length = Math.min(this.pageIds.length, keep);
    this.segments.push(Segment.build(sources, total, this.dirBitsFor(total), this.layout));
  }

  /** Bytes held in typed arrays (hashes, ids, orderings, directories, write buffer, scratch). */
  memoryBytes(): number {
    let bytes = 0;
    for (const s of this.segments) bytes += s.memoryBytes();
    for (const p of this.pageWords) bytes += p.byteLength;
    for (const p of this.pageIds) bytes += p.byteLength;
    bytes += this.results.ids.byteLength + this.results.distances.byteLength;
    return bytes;
  }

  /** Shape of the structure, for benchmarks and tests. */
  stats(): { segments: number[]; buffered: number; tombstones: number } {
    return {
      segments: this.segments.map((s) => s.n),
      buffered: this.tailCount,
      tombstones: this.segments.reduce((sum, s) => sum + s.deadCount, 0),
    };
  }

  private run(radius: number, out: MatchBuffer): MatchBuffer {
    if (!Number.isInteger(radius) || radius < 0 || radius > this.maxRadius) {
      throw new VeilError('match/bad-radius', `Got ${radius}; this index allows up to ${this.maxRadius}.`);
    }
    if (this.tailCount > this.tailLimit || this.compactionDue) this.flush();
    const plan = this.plan;
    plan.set(radius);
    out.clear();
    for (const s of this.segments) s.search(plan, out);
    this.scanTail(plan, out);
    out.sort();
    return out;
  }

  private scanTail(plan: QueryPlan, out: MatchBuffer): void {
    const q = plan.words;
    const r = plan.radius;
    for (let p = 0; p * PAGE_ENTRIES < this.tailCount; p++) {
      const h = this.pageWords[p];
      const ids = this.pageIds[p];
      const count = Math.min(PAGE_ENTRIES, this.tailCount - p * PAGE_ENTRIES);
      for (let i = 0; i < count; i++) {
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
        if (d <= r) out.push(ids[i], d);
      }
    }
  }

  private append(id: number, words: Uint32Array, offset: number): void {
    // Segments address entries with 24 bits: a bulk load that large is built in pieces.
    if (this.tailCount >= SEGMENT_MAX_ENTRIES) this.flush();
    const i = this.tailCount;
    if (i >>> 11 >= this.pageWords.length) this.addPage();
    const page = this.pageWords[i >>> 11];
    const e = (i & 2047) * HASH_WORDS;
    for (let k = 0; k < HASH_WORDS; k++) page[e + k] = words[offset + k];
    this.pageIds[i >>> 11][i & 2047] = id;
    this.tailCount++;
    this.live++;
  }

  private addPage(): void {
    this.pageWords.push(new Uint32Array(PAGE_ENTRIES * HASH_WORDS));
    this.pageIds.push(new Uint32Array(PAGE_ENTRIES));
  }

  /** Moves tail entry `from` into slot `to` (removal by swapping in the last entry). */
  private moveTail(from: number, to: number): void {
    if (from === to) return;
    const src = this.pageWords[from >>> 11];
    const dst = this.pageWords[to >>> 11];
    const s = (from & 2047) * HASH_WORDS;
    const d = (to & 2047) * HASH_WORDS;
    for (let k = 0; k < HASH_WORDS; k++) dst[d + k] = src[s + k];
    this.pageIds[to >>> 11][to & 2047] = this.pageIds[from >>> 11][from & 2047];
  }

  private dirBitsFor(n: number): number {
    if (this.directoryBits !== undefined) return this.directoryBits;
    // About four entries per bucket: directories stay small for small segments.
    const bits = Math.floor(Math.log2(Math.max(1, n))) - 2;
    return Math.min(MAX_DIRECTORY_BITS, Math.max(MIN_DIRECTORY_BITS, bits));
  }
}

/**
 * The reference answer: every entry of a stride-8 word store within `radius` of `query`, by
 * brute force, sorted like HashIndex.query. Used by tests (exactness) and the benchmark (baseline).
 */
export function linearScan(
  store: Uint32Array,
  ids: Uint32Array,
  count: number,
  query: Uint8Array,
  radius: number,
  out: MatchBuffer = new MatchBuffer(),
): MatchBuffer {
  const q = hashToWords(query);
  out.clear();
  for (let i = 0; i < count; i++) {
    const d = hammingDistanceWords(store, i * HASH_WORDS, q, 0);
    if (d <= radius) out.push(ids[i], d);
  }
  out.sort();
  return out;
}
