import { VeilError } from '../errors';
import { checkHashUsable } from '../hash/gates';
import { HASH_BYTES, HASH_KINDS, isPdqKind, type HashKind, type ImageHashes } from '../hash/types';
import { hammingDistance, hashToWords } from './hamming';
import { HashIndex, MatchBuffer, type IndexLayout } from './mih';
import { DEFAULT_MATCH_POLICY, LIST_STRENGTH, MAX_THRESHOLD, type MatchPolicy, kindEnabled, thresholdFor, validatePolicy } from './policy';
import { LIST_NAMES, type ListedHash, type ListName, type MatchResult } from './types';

/**
 * Matcher: the one place where an image's hashes meet the lists. The extension, the bot, the
 * registry's /v1/match and the CLI all hold one and call `match(hashes)`.
 *
 * It keeps one HashIndex per hash kind. The index id of an entry is its "slot" here; what the
 * lists say about the entry sits in parallel typed arrays indexed by slot (no object per entry):
 *   entryIds   Uint32Array  the ListedHash id
 *   kinds      Uint8Array   index into HASH_KINDS; FREE_SLOT (255) for a slot not in use
 *   lists      Uint8Array   index into LIST_NAMES
 *   qualities  Uint8Array   PDQ quality 0..100; NO_QUALITY (255) for none
 *   table      Int32Array   open addressing (linear probing, load <= 1/2) of slots keyed by
 *                           (kind, list, entry id); EMPTY (-1) marks a free cell
 *   free       Uint32Array  stack of released slots, reused before new ones
 * The arrays double when full (a few bytes per entry: a copy now and then costs less than pages).
 * An entry is (kind, list, id): the same id may be listed under both kinds and in both lists.
 * A photo's PDQ and blockhash share one id: a blockhash hit only counts when that photo's PDQ is
 * also near the query (policy.blockhash.corroboratingPdqThreshold), so a blockhash with no PDQ
 * beside it never matches.
 *
 * Which match wins (`match`), in order:
 *   1. the stronger list (confirmed over reported): any confirmed match decides the action;
 *   2. the smaller distance relative to its kind's threshold, distance / (threshold + 1);
 *   3. PDQ over blockhash over a crop hash (HASH_KINDS order: the whole photo's PDQ is the surer match);
 *   4. the query as is over its rotated or flipped variants (lower dihedral index);
 *   5. the image as received over its other views (ImageHashes.views, in their order);
 *   6. the smaller entry id.
 * A query with views (the photo inside a frame, a screenshot's picture, a collage's cells, its
 * own slightly smaller crops) is searched once per view; each entry counts once, at its best view.
 * A query's PDQ is searched against the listed PDQs ('pdq'), its crop hash (ImageHashes.cropHash,
 * shared/hash/cropPdq.ts) against the crop hashes listed for registered photos and their crops
 * ('pdq-crop'), each kind under its own threshold and with its own dihedral variants.
 */

const FREE_SLOT = 255;
const NO_QUALITY = 255;
const EMPTY = -1;

function kindCode(kind: HashKind): number {
  const c = HASH_KINDS.indexOf(kind);
  if (c < 0) throw new VeilError('internal', 'Unknown hash kind.');
  return c;
}

function listCode(list: ListName): number {
  const c = LIST_NAMES.indexOf(list);
  if (c < 0) throw new VeilError('internal', 'Unknown list.');
  return c;
}

export interface MatcherOptions {
  /** Entries to reserve room for. */
  initialCapacity?: number;
  /**
   * Record layout of the Matcher's indexes (shared/match/mih.ts): 'fast' (default) for servers,
   * 'compact' for a client holding a large list in a browser (about 100 instead of 120 bytes per
   * entry, for about 0.2 ms more per index query at 1M entries).
   */
  indexLayout?: IndexLayout;
}

/** Why one hash kind did or did not take part in a match, for `veil scan --explain` and logs. */
export interface KindExplanation {
  kind: HashKind;
  threshold: number;
  /** Whether the query's hash of this kind was matched; if not, `reason` says why. */
  used: boolean;
  reason: string | null;
  /** Query variants searched: 8 for PDQ with dihedral matching, else 1. */
  variants: number;
  /** Counted entries (lists in the policy) within the threshold. */
  matches: number;
  best: MatchResult | null;
  /** The closest counted entry beyond the threshold, up to MAX_THRESHOLD bits: how near a miss was. */
  nearestMiss: { entryId: number; list: ListName; distance: number; dihedral?: number } | null;
}

export interface MatchExplanation {
  result: MatchResult | null;
  kinds: KindExplanation[];
}

export class Matcher {
  private readonly indexes: HashIndex[];
  private entryIds: Uint32Array;
  private kinds: Uint8Array;
  private lists: Uint8Array;
  private qualities: Uint8Array;
  private table: Int32Array;
  private free: Uint32Array;
  private freeCount = 0;
  /** Slots ever handed out: [0, used). */
  private used = 0;
  private count = 0;
  private validatedPolicy: MatchPolicy | null = null;
  /** $words: a query variant as 8 words. $hits: one index query's answer. */
  private readonly words = new Uint32Array(8);
  private readonly hits = new MatchBuffer();
  /** $corroboration: the stored PDQ of a blockhash hit's photo. */
  private readonly corroboration = new Uint8Array(HASH_BYTES);
  /** $best: the winning candidate of the match in progress (slot -1: none). */
  private bestSlot = -1;
  private bestDistance = 0;
  private bestKind = 0;
  private bestVariant = 0;
  private bestThreshold = 0;
  private bestView = 0;

  constructor(options: MatcherOptions = {}) {
    const capacity = Math.max(16, Math.ceil(options.initialCapacity ?? 1024));
    this.indexes = HASH_KINDS.map(() => new HashIndex({ maxRadius: MAX_THRESHOLD, layout: options.indexLayout }));
    this.entryIds = new Uint32Array(capacity);
    this.kinds = new Uint8Array(capacity).fill(FREE_SLOT);
    this.lists = new Uint8Array(capacity);
    this.qualities = new Uint8Array(capacity);
    this.table = new Int32Array(tableSizeFor(capacity)).fill(EMPTY);
    this.free = new Uint32Array(16);
  }

  /** Listed entries held. */
  get size(): number {
    return this.count;
  }

  sizeOf(kind: HashKind): number {
    return this.indexes[kindCode(kind)].size;
  }

  /**
   * Adds (or replaces) the entry (kind, list, id). Throws VeilError, and holds nothing new, when
   * the hash cannot be used to match: 'hash/bad-length' (not 32 bytes), 'hash/low-quality' or
   * 'hash/degenerate' (shared/hash/gates.ts, message = the gate's reason), 'match/bad-id'.
   */
  add(entry: ListedHash): void {
    const kc = kindCode(entry.kind);
    const lc = listCode(entry.list);
    if (!Number.isInteger(entry.id) || entry.id < 0 || entry.id > 0xffffffff) throw new VeilError('match/bad-id');
    if (!(entry.hash instanceof Uint8Array) || entry.hash.length !== HASH_BYTES) throw new VeilError('hash/bad-length');
    const usable = checkHashUsable(entry.kind, entry.hash, entry.quality);
    if (!usable.usable) throw new VeilError(usable.code, usable.reason);
    const index = this.indexes[kc];
    let slot = this.find(kc, lc, entry.id);
    if (slot >= 0) {
      index.remove(slot);
    } else {
      slot = this.allocate();
      this.entryIds[slot] = entry.id;
      this.kinds[slot] = kc;
      this.lists[slot] = lc;
      this.insert(slot);
      this.count++;
    }
    const q = entry.quality;
    this.qualities[slot] = q === undefined || !Number.isFinite(q) ? NO_QUALITY : Math.max(0, Math.min(100, Math.round(q)));
    index.add(slot, entry.hash);
  }

  /** Removes (kind, id) from one list, or from every list when none is given; true if any was held. */
  remove(kind: HashKind, id: number, list?: ListName): boolean {
    const kc = kindCode(kind);
    if (list !== undefined) return this.removeKey(kc, listCode(list), id);
    let removed = false;
    for (let lc = 0; lc < LIST_NAMES.length; lc++) removed = this.removeKey(kc, lc, id) || removed;
    return removed;
  }

  /** Removes every entry with this id, of every kind and list (a withdrawn registry entry). */
  removeEntry(id: number): boolean {
    let removed = false;
    for (let kc = 0; kc < HASH_KINDS.length; kc++) {
      for (let lc = 0; lc < LIST_NAMES.length; lc++) removed = this.removeKey(kc, lc, id) || removed;
    }
    return removed;
  }

  has(kind: HashKind, id: number, list: ListName): boolean {
    return this.find(kindCode(kind), listCode(list), id) >= 0;
  }

  clear(): void {
    for (const index of this.indexes) index.clear();
    this.kinds.fill(FREE_SLOT);
    this.table.fill(EMPTY);
    this.freeCount = 0;
    this.used = 0;
    this.count = 0;
  }

  /** Bytes held in typed arrays: the indexes and the per-entry metadata. */
  memoryBytes(): number {
    let bytes = this.entryIds.byteLength + this.kinds.byteLength + this.lists.byteLength + this.qualities.byteLength;
    bytes += this.table.byteLength + this.free.byteLength;
    for (const index of this.indexes) bytes += index.memoryBytes();
    return bytes;
  }

  /** Builds pending index entries now (after loading a list) instead of at the first match. */
  flush(): void {
    for (const index of this.indexes) index.flush();
  }

  /** The closest listed entry under the policy (rules in the header), or null. */
  match(hashes: ImageHashes, policy: MatchPolicy = DEFAULT_MATCH_POLICY): MatchResult | null {
    this.checkPolicy(policy);
    this.bestSlot = -1;
    this.forEachView(hashes, policy, (slot, distance, kc, v, threshold, view) => this.consider(slot, distance, kc, v, threshold, view));
    return this.bestSlot < 0 ? null : this.result(this.bestSlot, this.bestDistance, this.bestVariant, this.bestView, hashes.views);
  }

  /** Every counted entry within its kind's threshold (each once, at its closest variant), best first. */
  matchAll(hashes: ImageHashes, policy: MatchPolicy = DEFAULT_MATCH_POLICY): MatchResult[] {
    this.checkPolicy(policy);
    const found = new Map<number, { distance: number; variant: number; threshold: number; view: number }>();
    this.forEachView(hashes, policy, (slot, d, _kc, variant, threshold, view) => {
      const prev = found.get(slot);
      // Views come in order (as received first), so a tie keeps the earlier one, as in `match`.
      if (prev === undefined || d < prev.distance) found.set(slot, { distance: d, variant, threshold, view });
    });
    const slots = [...found.keys()];
    slots.sort((a, b) => {
      const x = found.get(a)!;
      const y = found.get(b)!;
      return this.compare(a, x.distance, this.kinds[a], x.variant, x.threshold, x.view, b, y.distance, this.kinds[b], y.variant, y.threshold, y.view);
    });
    return slots.map((s) => {
      const f = found.get(s)!;
      return this.result(s, f.distance, f.variant, f.view, hashes.views);
    });
  }

  /** What `match` did and why, per kind (for the CLI and moderators' logs; no hashes in it). */
  explain(hashes: ImageHashes, policy: MatchPolicy = DEFAULT_MATCH_POLICY): MatchExplanation {
    this.checkPolicy(policy);
    const all = this.matchAll(hashes, policy);
    const kinds = HASH_KINDS.map((kind, kc): KindExplanation => {
      const threshold = thresholdFor(policy, kind);
      const reason = queryRefusal(kind, hashes, policy);
      const mine = all.filter((m) => m.kind === kind);
      const explanation: KindExplanation = {
        kind,
        threshold,
        used: reason === null,
        reason,
        variants: reason === null ? variantCount(kind, hashes, policy) : 0,
        matches: mine.length,
        best: mine[0] ?? null,
        nearestMiss: null,
      };
      if (reason !== null || threshold >= MAX_THRESHOLD) return explanation;
      // Entries matched within the threshold by any variant are not misses for another one.
      const within = new Set<number>();
      for (let v = 0; v < explanation.variants; v++) {
        this.search(kc, variantHash(kind, hashes, v), threshold);
        for (let i = 0; i < this.hits.length; i++) within.add(this.hits.ids[i]);
      }
      for (let v = 0; v < explanation.variants; v++) {
        this.search(kc, variantHash(kind, hashes, v), MAX_THRESHOLD);
        for (let i = 0; i < this.hits.length; i++) {
          const slot = this.hits.ids[i];
          const d = this.hits.distances[i];
          if (within.has(slot) || !policy.lists.includes(LIST_NAMES[this.lists[slot]])) continue;
          const miss = explanation.nearestMiss;
          if (miss === null || d < miss.distance) {
            explanation.nearestMiss = { entryId: this.entryIds[slot], list: LIST_NAMES[this.lists[slot]], distance: d };
            if (isPdqKind(kind)) explanation.nearestMiss.dihedral = v;
          }
          break; // hits are sorted by distance: the first one counted is this variant's nearest
        }
      }
      return explanation;
    });
    return { result: all[0] ?? null, kinds };
  }

  /**
   * Whether a blockhash hit is backed by the same photo's PDQ: the PDQ entry with the same id and
   * list lies within policy.blockhash.corroboratingPdqThreshold of some counted query variant.
   * Runs only for blockhash hits, which unrelated photos rarely produce, so it costs nothing on
   * the common path.
   */
  private corroborated(slot: number, hashes: ImageHashes, policy: MatchPolicy): boolean {
    const limit = policy.blockhash.corroboratingPdqThreshold;
    if (limit === null) return true;
    const pdqCode = HASH_KINDS.indexOf('pdq');
    const pdqSlot = this.find(pdqCode, this.lists[slot], this.entryIds[slot]);
    // The query's PDQ must pass the gates (quality, degenerate) and the policy's quality floor,
    // even where PDQ matching itself is off.
    const query = hashes.pdq;
    if (pdqSlot < 0 || !(query instanceof Uint8Array) || query.length !== HASH_BYTES) return false;
    if (!checkHashUsable('pdq', query, hashes.quality).usable || hashes.quality < policy.pdq.minQuality) return false;
    if (!this.indexes[pdqCode].copyHash(pdqSlot, this.corroboration)) return false;
    const variants = variantCount('pdq', hashes, policy);
    for (let v = 0; v < variants; v++) {
      if (hammingDistance(variantHash('pdq', hashes, v), this.corroboration) <= limit) return true;
    }
    return false;
  }

  /** forEachCounted over the query as received (view 0), then over each of its views (view i + 1). */
  private forEachView(
    hashes: ImageHashes,
    policy: MatchPolicy,
    visit: (slot: number, distance: number, kc: number, variant: number, threshold: number, view: number) => void,
  ): void {
    this.forEachCounted(hashes, policy, (slot, d, kc, v, t) => visit(slot, d, kc, v, t, 0));
    const views = hashes.views ?? [];
    for (let i = 0; i < views.length; i++) this.forEachCounted(views[i].hashes, policy, (slot, d, kc, v, t) => visit(slot, d, kc, v, t, i + 1));
  }

  /**
   * Calls `visit` for every entry the policy counts: within its kind's threshold for some query
   * variant, in a counted list, and (blockhash) corroborated. An entry may be visited once per
   * variant that reaches it.
   */
  private forEachCounted(
    hashes: ImageHashes,
    policy: MatchPolicy,
    visit: (slot: number, distance: number, kc: number, variant: number, threshold: number) => void,
  ): void {
    for (let kc = 0; kc < HASH_KINDS.length; kc++) {
      const kind = HASH_KINDS[kc];
      if (queryRefusal(kind, hashes, policy) !== null) continue;
      const threshold = thresholdFor(policy, kind);
      const variants = variantCount(kind, hashes, policy);
      for (let v = 0; v < variants; v++) {
        this.search(kc, variantHash(kind, hashes, v), threshold);
        for (let i = 0; i < this.hits.length; i++) {
          const slot = this.hits.ids[i];
          if (!policy.lists.includes(LIST_NAMES[this.lists[slot]])) continue;
          if (kind === 'blockhash' && !this.corroborated(slot, hashes, policy)) continue;
          visit(slot, this.hits.distances[i], kc, v, threshold);
        }
      }
    }
  }

  private checkPolicy(policy: MatchPolicy): void {
    if (policy === this.validatedPolicy) return;
    validatePolicy(policy);
    this.validatedPolicy = policy;
  }

  private search(kc: number, hash: Uint8Array, radius: number): void {
    hashToWords(hash, this.words, 0);
    this.indexes[kc].queryWords(this.words, 0, radius, this.hits);
  }

  private consider(slot: number, distance: number, kc: number, variant: number, threshold: number, view: number): void {
    if (
      this.bestSlot < 0 ||
      this.compare(slot, distance, kc, variant, threshold, view, this.bestSlot, this.bestDistance, this.bestKind, this.bestVariant, this.bestThreshold, this.bestView) < 0
    ) {
      this.bestSlot = slot;
      this.bestDistance = distance;
      this.bestKind = kc;
      this.bestVariant = variant;
      this.bestThreshold = threshold;
      this.bestView = view;
    }
  }

  /** Negative when candidate a wins over b (the rules in the header, in order). */
  private compare(a: number, da: number, ka: number, va: number, ta: number, wa: number, b: number, db: number, kb: number, vb: number, tb: number, wb: number): number {
    const strength = LIST_STRENGTH[LIST_NAMES[this.lists[b]]] - LIST_STRENGTH[LIST_NAMES[this.lists[a]]];
    if (strength !== 0) return strength;
    const relative = da * (tb + 1) - db * (ta + 1);
    if (relative !== 0) return relative;
    if (ka !== kb) return ka - kb;
    if (va !== vb) return va - vb;
    if (wa !== wb) return wa - wb;
    if (this.entryIds[a] !== this.entryIds[b]) return this.entryIds[a] - this.entryIds[b];
    return a - b;
  }

  private result(slot: number, distance: number, variant: number, view: number, views: ImageHashes['views']): MatchResult {
    const kind = HASH_KINDS[this.kinds[slot]];
    const hash = new Uint8Array(HASH_BYTES);
    if (!this.indexes[this.kinds[slot]].copyHash(slot, hash)) throw new VeilError('internal', 'Matched entry missing from its index.');
    const entry: ListedHash = { id: this.entryIds[slot], kind, hash, list: LIST_NAMES[this.lists[slot]] };
    if (this.qualities[slot] !== NO_QUALITY) entry.quality = this.qualities[slot];
    const result: MatchResult = { entry, kind, distance };
    if (isPdqKind(kind)) result.dihedral = variant;
    if (view > 0 && views) result.view = views[view - 1].name;
    return result;
  }

  // Slot table -----------------------------------------------------------------------------

  private home(kc: number, lc: number, id: number): number {
    let h = Math.imul(id ^ Math.imul(kc * 2 + lc + 1, 0x9e3779b9), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h & (this.table.length - 1);
  }

  /** The slot of (kind, list, id), or -1. */
  private find(kc: number, lc: number, id: number): number {
    const t = this.table;
    const mask = t.length - 1;
    for (let i = this.home(kc, lc, id); ; i = (i + 1) & mask) {
      const s = t[i];
      if (s === EMPTY) return -1;
      if (this.entryIds[s] === id && this.kinds[s] === kc && this.lists[s] === lc) return s;
    }
  }

  private insert(slot: number): void {
    if ((this.count + 1) * 2 > this.table.length) this.rehash(this.table.length * 2);
    const t = this.table;
    const mask = t.length - 1;
    let i = this.home(this.kinds[slot], this.lists[slot], this.entryIds[slot]);
    while (t[i] !== EMPTY) i = (i + 1) & mask;
    t[i] = slot;
  }

  private removeKey(kc: number, lc: number, id: number): boolean {
    const t = this.table;
    const mask = t.length - 1;
    let i = this.home(kc, lc, id);
    for (; ; i = (i + 1) & mask) {
      const s = t[i];
      if (s === EMPTY) return false;
      if (this.entryIds[s] === id && this.kinds[s] === kc && this.lists[s] === lc) break;
    }
    const slot = t[i];
    // Backward-shift deletion (Knuth, Algorithm R): later cells of the probe run move up so no
    // lookup meets a hole before its key.
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const s = t[j];
      if (s === EMPTY) break;
      const k = this.home(this.kinds[s], this.lists[s], this.entryIds[s]);
      const stays = i <= j ? i < k && k <= j : i < k || k <= j;
      if (stays) continue;
      t[i] = s;
      i = j;
    }
    t[i] = EMPTY;
    this.indexes[kc].remove(slot);
    this.kinds[slot] = FREE_SLOT;
    if (this.freeCount === this.free.length) this.free = grow32(this.free, this.free.length * 2);
    this.free[this.freeCount++] = slot;
    this.count--;
    return true;
  }

  private rehash(size: number): void {
    this.table = new Int32Array(size).fill(EMPTY);
    const mask = size - 1;
    for (let s = 0; s < this.used; s++) {
      if (this.kinds[s] === FREE_SLOT) continue;
      let i = this.home(this.kinds[s], this.lists[s], this.entryIds[s]);
      while (this.table[i] !== EMPTY) i = (i + 1) & mask;
      this.table[i] = s;
    }
  }

  private allocate(): number {
    if (this.freeCount > 0) return this.free[--this.freeCount];
    if (this.used === this.entryIds.length) {
      const size = this.entryIds.length * 2;
      this.entryIds = grow32(this.entryIds, size);
      this.kinds = grow8(this.kinds, size, FREE_SLOT);
      this.lists = grow8(this.lists, size, 0);
      this.qualities = grow8(this.qualities, size, 0);
    }
    return this.used++;
  }
}

/** The query's hash of this kind as is, and its quality (undefined for blockhash); null when it has none. */
function queryHash(kind: HashKind, hashes: ImageHashes): { hash: Uint8Array; quality?: number } | null {
  const h = kind === 'pdq' ? hashes.pdq : kind === 'blockhash' ? hashes.blockhash : hashes.cropHash?.hashes[0];
  if (!(h instanceof Uint8Array) || h.length !== HASH_BYTES) return null;
  if (kind === 'pdq') return { hash: h, quality: hashes.quality };
  return kind === 'pdq-crop' ? { hash: h, quality: hashes.cropHash!.quality } : { hash: h };
}

/** Why the query's hash of this kind is not matched under the policy, or null when it is. */
export function queryRefusal(kind: HashKind, hashes: ImageHashes, policy: MatchPolicy): string | null {
  // Callers with only some kinds (a /v1/match request with a PDQ alone) pass an empty array.
  const query = queryHash(kind, hashes);
  if (query === null) return `The query has no ${kind} hash.`;
  if (!kindEnabled(policy, kind)) return `${kind} matching is off in the match policy.`;
  const usable = checkHashUsable(kind, query.hash, query.quality);
  if (!usable.usable) return usable.reason;
  if (query.quality !== undefined && query.quality < policy.pdq.minQuality) {
    return `${kind} quality ${query.quality} is below the policy's minimum of ${policy.pdq.minQuality}.`;
  }
  return null;
}

function variantCount(kind: HashKind, hashes: ImageHashes, policy: MatchPolicy): number {
  if (!isPdqKind(kind) || !policy.pdq.dihedral) return 1;
  const variants = kind === 'pdq' ? hashes.pdqDihedral : hashes.cropHash?.hashes;
  return variants?.length === 8 ? 8 : 1;
}

/** Variant v of the query's hash of this kind (0: as is; PDQ kinds 1..7: DIHEDRAL_NAMES order). */
function variantHash(kind: HashKind, hashes: ImageHashes, v: number): Uint8Array {
  if (kind === 'blockhash') return hashes.blockhash;
  if (kind === 'pdq-crop') return hashes.cropHash!.hashes[v];
  return v === 0 ? hashes.pdq : hashes.pdqDihedral[v];
}

function tableSizeFor(entries: number): number {
  let size = 16;
  while (size < entries * 2) size *= 2;
  return size;
}

function grow32(a: Uint32Array, size: number): Uint32Array {
  const b = new Uint32Array(size);
  b.set(a);
  return b;
}

function grow8(a: Uint8Array, size: number, fill: number): Uint8Array {
  const b = new Uint8Array(size).fill(fill);
  b.set(a);
  return b;
}

/** Text lines for `veil scan --explain` (entry ids and distances only, never hashes). */
export function formatExplanation(e: MatchExplanation): string[] {
  const lines: string[] = [];
  const r = e.result;
  lines.push(
    r
      ? `match: entry ${r.entry.id} (${r.entry.list}) by ${r.kind} at distance ${r.distance}${r.dihedral ? ` (variant ${r.dihedral})` : ''}${r.view ? ` (${r.view} view)` : ''}`
      : 'no match',
  );
  for (const k of e.kinds) {
    if (!k.used) {
      lines.push(`  ${k.kind}: not used: ${k.reason}`);
      continue;
    }
    const best = k.best ? `best entry ${k.best.entry.id} (${k.best.entry.list}) at ${k.best.distance}` : 'none within it';
    const miss = k.nearestMiss ? `; nearest beyond it: entry ${k.nearestMiss.entryId} at ${k.nearestMiss.distance}` : '';
    lines.push(`  ${k.kind}: threshold ${k.threshold}, ${k.variants} variant(s), ${k.matches} within: ${best}${miss}`);
  }
  return lines;
}
