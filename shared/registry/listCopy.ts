/**
 * A client's local copy of one list: every listed (kind, hash) with its quality, in typed
 * arrays (no object per entry), with a stable slot number per entry so that a matcher can be
 * told "remove entry 17" when a delta withdraws it. Slots of removed entries are reused.
 *
 * Memory per entry: 32 (hash) + 1 (kind) + 1 (quality) + 8 (two hash-table slots at load
 * factor <= 1/2) = 42 bytes; a 1M-entry list takes about 42 MB. Clients hold one only while a
 * list file is applied (RegistryClient reads it from storage, applies, stores, drops it): the
 * matcher holds the hashes the rest of the time. `scan` reads a stored copy without building one.
 *
 * Lookup is open addressing with linear probing over `table` (Int32Array, power-of-two size):
 * 0 = empty, TOMBSTONE = a removed entry's former place, otherwise slot + 1. Hashes are random
 * bits, so their first four bytes are a good table hash already.
 *
 * Stored form (toBytes/fromBytes), version 2, little-endian:
 *   offset  size  field
 *   0       4     magic "VLCP"
 *   4       1     version = 2
 *   5       1     list id (LIST_IDS)
 *   6       2     reserved, zero
 *   8       8     seq (float64)
 *   16      8     last update, ms since epoch (float64)
 *   24      4     slot count n
 *   28      4     FNV-1a 32 checksum of the records
 *   32      34*n  one record per slot, in slot order: kind id (1), quality (1, 255 = none),
 *                 hash (32); a free slot is 34 zero bytes (kind id 0)
 * Free slots are kept so that a copy read back has the slots it was stored with: a matcher fed
 * from the copy names entries by slot, and a later delta is applied to the copy read back.
 * Version 1 (the same header; n live records, no free slots) is still read: its slots are the
 * record numbers, as they were when it was loaded.
 * The stored copy is the host's own data (IndexedDB, a file), so a checksum (against a torn
 * write or a damaged disk) is enough; list files from the network are what carry signatures.
 */
import { VeilError } from '../errors';
import { HASH_BYTES } from '../hash/types';
import type { ListName } from '../match/types';
import { LIST_IDS, NO_QUALITY } from './listFormat';

const COPY_MAGIC = 0x5043_4c56; // "VLCP" little-endian
const COPY_VERSION = 2;
/** Stored copies of version 1 have no free slots; still read. */
const COPY_VERSION_DENSE = 1;
const COPY_HEADER = 32;
const COPY_RECORD = 34;
const TOMBSTONE = -1;
const EMPTY = 0;

/** A stored copy, checked, read in place (ListCopy.scan). */
export interface StoredCopy {
  seq: number;
  lastUpdate: number;
  /** Slots in the stored form, free ones included. */
  slots: number;
  /** Live entries. */
  count: number;
  /** The stored bytes; entries' hashes are read from here. */
  bytes: Uint8Array;
  forEach(fn: (slot: number, kindId: number, quality: number | undefined, hashOffset: number) => void): void;
}

export class ListCopy {
  readonly list: ListName;
  /** The list's sequence number this copy is at (0 = nothing held yet). */
  seq = 0;
  /** When the copy last changed from the registry, ms since epoch (0 = never). */
  lastUpdate = 0;

  private hashes: Uint8Array; // slot * 32: the hash
  private kinds: Uint8Array; // slot: kind id, 0 = free slot
  private qualities: Uint8Array; // slot: quality, NO_QUALITY = none
  private table: Int32Array; // open addressing, see the header comment
  private capacity: number;
  private used = 0; // slots ever handed out (high-water mark)
  private live = 0;
  private tombstones = 0;
  private free: number[] = []; // removed slots to reuse
  private mark: Uint8Array | null = null; // during replaceAll: slots seen in the new snapshot

  constructor(list: ListName, capacity = 1024) {
    this.list = list;
    this.capacity = Math.max(16, capacity);
    this.hashes = new Uint8Array(this.capacity * HASH_BYTES);
    this.kinds = new Uint8Array(this.capacity);
    this.qualities = new Uint8Array(this.capacity);
    this.table = new Int32Array(tableSizeFor(this.capacity));
  }

  get size(): number {
    return this.live;
  }

  /** Bytes held in typed arrays. */
  memoryBytes(): number {
    return this.hashes.byteLength + this.kinds.byteLength + this.qualities.byteLength + this.table.byteLength + (this.mark?.byteLength ?? 0);
  }

  /** Slot of (kind, hash at src[off..off+32]) or -1. */
  find(kindId: number, src: Uint8Array, off = 0): number {
    const mask = this.table.length - 1;
    let i = bucketOf(kindId, src, off) & mask;
    for (;;) {
      const t = this.table[i];
      if (t === EMPTY) return -1;
      if (t !== TOMBSTONE && this.sameKey(t - 1, kindId, src, off)) return t - 1;
      i = (i + 1) & mask;
    }
  }

  /**
   * Inserts or updates; returns the slot and whether anything changed (new entry or new
   * quality), so the caller knows whether to tell the matcher.
   */
  upsert(kindId: number, src: Uint8Array, off: number, quality: number | undefined): { slot: number; changed: boolean; isNew: boolean } {
    const q = quality === undefined ? NO_QUALITY : quality;
    const existing = this.find(kindId, src, off);
    if (existing >= 0) {
      if (this.mark) this.mark[existing] = 1;
      const changed = this.qualities[existing] !== q;
      this.qualities[existing] = q; // field: quality
      return { slot: existing, changed, isNew: false };
    }
    if ((this.live + this.tombstones + 1) * 2 > this.table.length) this.rehash(this.live + 1);
    let slot: number;
    if (this.free.length > 0) slot = this.free.pop()!;
    else {
      if (this.used === this.capacity) this.grow();
      slot = this.used++;
    }
    this.hashes.set(src.subarray(off, off + HASH_BYTES), slot * HASH_BYTES); // field: hash
    this.kinds[slot] = kindId; // field: kind id
    this.qualities[slot] = q; // field: quality
    if (this.mark) this.mark[slot] = 1;
    this.insertIntoTable(slot);
    this.live++;
    return { slot, changed: true, isNew: true };
  }

  /** Removes (kind, hash); returns the freed slot or -1 if it was not held. */
  remove(kindId: number, src: Uint8Array, off = 0): number {
    const mask = this.table.length - 1;
    let i = bucketOf(kindId, src, off) & mask;
    for (;;) {
      const t = this.table[i];
      if (t === EMPTY) return -1;
      if (t !== TOMBSTONE && this.sameKey(t - 1, kindId, src, off)) {
        this.table[i] = TOMBSTONE;
        this.tombstones++;
        this.freeSlot(t - 1);
        return t - 1;
      }
      i = (i + 1) & mask;
    }
  }

  /**
   * Snapshot application: call beginReplace, upsert every snapshot record, then endReplace,
   * which removes every entry the snapshot did not contain, reporting each slot just before it
   * is freed (its kind, quality and hash still readable).
   */
  beginReplace(): void {
    this.mark = new Uint8Array(this.capacity);
  }

  endReplace(onRemoving: (slot: number) => void): void {
    const mark = this.mark;
    this.mark = null;
    if (!mark) return;
    for (let s = 0; s < this.used; s++) {
      if (this.kinds[s] !== 0 && mark[s] === 0) {
        onRemoving(s);
        this.remove(this.kinds[s], this.hashes, s * HASH_BYTES);
      }
    }
  }

  kindIdAt(slot: number): number {
    return this.kinds[slot];
  }

  qualityAt(slot: number): number | undefined {
    const q = this.qualities[slot];
    return q === NO_QUALITY ? undefined : q;
  }

  /** A copy of the slot's hash (the caller may keep it). */
  hashAt(slot: number): Uint8Array {
    return this.hashes.slice(slot * HASH_BYTES, slot * HASH_BYTES + HASH_BYTES);
  }

  /** Calls fn for every live slot, in slot order. */
  forEachSlot(fn: (slot: number) => void): void {
    for (let s = 0; s < this.used; s++) if (this.kinds[s] !== 0) fn(s);
  }

  toBytes(): Uint8Array {
    const out = new Uint8Array(COPY_HEADER + this.used * COPY_RECORD);
    const view = new DataView(out.buffer);
    view.setUint32(0, COPY_MAGIC, true); // field: magic
    out[4] = COPY_VERSION; // field: version
    out[5] = LIST_IDS[this.list]; // field: list id
    view.setFloat64(8, this.seq, true); // field: seq
    view.setFloat64(16, this.lastUpdate, true); // field: last update
    view.setUint32(24, this.used, true); // field: slot count
    for (let s = 0; s < this.used; s++) {
      if (this.kinds[s] === 0) continue; // a free slot stays zero
      const r = COPY_HEADER + s * COPY_RECORD;
      out[r] = this.kinds[s]; // record field: kind id
      out[r + 1] = this.qualities[s]; // record field: quality
      out.set(this.hashes.subarray(s * HASH_BYTES, s * HASH_BYTES + HASH_BYTES), r + 2); // record field: hash
    }
    view.setUint32(28, fnv1a(out, COPY_HEADER, out.length), true); // field: checksum
    return out;
  }

  /** Loads a stored copy; refuses (list/bad-format, list/wrong-list) anything that does not check out. */
  static fromBytes(bytes: Uint8Array, list: ListName): ListCopy {
    const stored = ListCopy.scan(bytes, list);
    const copy = new ListCopy(list, stored.slots + 16);
    copy.seq = stored.seq;
    copy.lastUpdate = stored.lastUpdate;
    copy.used = stored.slots;
    for (let slot = stored.slots - 1; slot >= 0; slot--) {
      const r = COPY_HEADER + slot * COPY_RECORD;
      const kind = bytes[r];
      if (kind === 0) {
        copy.free.push(slot); // pushed high to low: the lowest free slot is reused first
        continue;
      }
      copy.hashes.set(bytes.subarray(r + 2, r + 2 + HASH_BYTES), slot * HASH_BYTES); // field: hash
      copy.kinds[slot] = kind; // field: kind id
      copy.qualities[slot] = bytes[r + 1]; // field: quality
      copy.insertIntoTable(slot);
      copy.live++;
    }
    return copy;
  }

  /**
   * Checks a stored copy and gives its header and a walk over its entries, without building a
   * copy (no table, no second array of hashes): what a client needs to feed a matcher at start.
   * `forEach` passes each live entry's slot, kind id, quality (undefined = none), and the offset
   * of its 32-byte hash in `bytes`.
   */
  static scan(bytes: Uint8Array, list: ListName): StoredCopy {
    if (bytes.length < COPY_HEADER) throw new VeilError('list/bad-format', 'Stored copy too short.');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const version = bytes[4];
    if (view.getUint32(0, true) !== COPY_MAGIC || (version !== COPY_VERSION && version !== COPY_VERSION_DENSE)) {
      throw new VeilError('list/bad-format', 'Not a stored list copy of a known version.');
    }
    if (bytes[5] !== LIST_IDS[list]) throw new VeilError('list/wrong-list');
    const n = view.getUint32(24, true);
    if (bytes.length !== COPY_HEADER + n * COPY_RECORD) throw new VeilError('list/bad-format', 'Stored copy truncated.');
    if (view.getUint32(28, true) !== fnv1a(bytes, COPY_HEADER, bytes.length)) {
      throw new VeilError('list/bad-format', 'Stored copy checksum mismatch.');
    }
    let count = 0;
    for (let slot = 0; slot < n; slot++) {
      const kind = bytes[COPY_HEADER + slot * COPY_RECORD];
      if (kind !== 0) count++;
      else if (version === COPY_VERSION_DENSE) throw new VeilError('list/bad-format', 'Stored copy has an entry of no kind.');
    }
    return {
      seq: view.getFloat64(8, true),
      lastUpdate: view.getFloat64(16, true),
      slots: n,
      count,
      bytes,
      forEach(fn) {
        for (let slot = 0; slot < n; slot++) {
          const r = COPY_HEADER + slot * COPY_RECORD;
          if (bytes[r] === 0) continue;
          const q = bytes[r + 1];
          fn(slot, bytes[r], q === NO_QUALITY ? undefined : q, r + 2);
        }
      },
    };
  }

  private sameKey(slot: number, kindId: number, src: Uint8Array, off: number): boolean {
    if (this.kinds[slot] !== kindId) return false;
    const base = slot * HASH_BYTES;
    for (let i = 0; i < HASH_BYTES; i++) if (this.hashes[base + i] !== src[off + i]) return false;
    return true;
  }

  private insertIntoTable(slot: number): void {
    const mask = this.table.length - 1;
    let i = bucketOf(this.kinds[slot], this.hashes, slot * HASH_BYTES) & mask;
    while (this.table[i] !== EMPTY && this.table[i] !== TOMBSTONE) i = (i + 1) & mask;
    if (this.table[i] === TOMBSTONE) this.tombstones--;
    this.table[i] = slot + 1;
  }

  private freeSlot(slot: number): void {
    this.kinds[slot] = 0;
    this.live--;
    this.free.push(slot);
  }

  private grow(): void {
    const cap = this.capacity * 2;
    const h = new Uint8Array(cap * HASH_BYTES);
    h.set(this.hashes);
    const k = new Uint8Array(cap);
    k.set(this.kinds);
    const q = new Uint8Array(cap);
    q.set(this.qualities);
    if (this.mark) {
      const m = new Uint8Array(cap);
      m.set(this.mark);
      this.mark = m;
    }
    this.hashes = h;
    this.kinds = k;
    this.qualities = q;
    this.capacity = cap;
  }

  private rehash(minLive: number): void {
    this.table = new Int32Array(tableSizeFor(Math.max(minLive, this.capacity)));
    this.tombstones = 0;
    for (let s = 0; s < this.used; s++) if (this.kinds[s] !== 0) this.insertIntoTable(s);
  }
}

function tableSizeFor(entries: number): number {
  let size = 32;
  while (size < entries * 2 + 2) size *= 2;
  return size;
}

function bucketOf(kindId: number, src: Uint8Array, off: number): number {
  return (src[off] | (src[off + 1] << 8) | (src[off + 2] << 16) | (src[off + 3] << 24)) ^ (kindId * 0x9e3779b1);
}

function fnv1a(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
