/**
 * Veil list files: the signed, compact binary form in which the registry publishes a list
 * (snapshot or delta) and announces a new signing key. Clients verify the Ed25519 signature
 * against a pinned key before reading anything else; docs/list-format.md is the prose spec.
 *
 * Why this shape: fixed-size records need no parser state, can be read in place (zero copy)
 * from the downloaded buffer, and keep a 1M-entry snapshot at 38 bytes per entry plus 152
 * bytes of header and signature. Hashes are uniformly random bits, so general compression
 * wins almost nothing; a later format version may ship a lossy prefilter instead of raw hashes
 * (design.md, privacy of the hashes), which is why the version and record size are explicit.
 *
 * Format version 1. All integers little-endian; uint64 fields must stay below 2^53.
 *
 *   offset  size  field
 *   0       4     magic "VEIL" (56 45 49 4c)
 *   4       1     format version = 1
 *   5       1     file type: 1 snapshot, 2 delta, 3 key announcement
 *   6       1     list id: 1 reported, 2 confirmed (0 in a key announcement)
 *   7       1     kind table version (KIND_TABLE_VERSION; ids in KIND_IDS)
 *   8       8     fromSeq: a delta holds every change with sequence number > fromSeq (0 otherwise)
 *   16      8     toSeq: the list's sequence number once this file is applied
 *   24      8     seqBase: a record's sequence number is seqBase + its 32-bit offset
 *   32      4     record count
 *   36      2     record size in bytes = 38 (a reader refuses a size it does not know)
 *   38      2     reserved, zero
 *   40      8     key id: the first 8 bytes of the signer's Ed25519 public key
 *   48      8     created at, milliseconds since the Unix epoch
 *   56      32    announced public key (key announcement only; zeros otherwise)
 *   88      38*n  records, strictly ascending by (kind id, hash bytes): no duplicates
 *   end-64  64    Ed25519 signature over bytes [0, end-64)
 *
 *   record  size  field
 *   0       1     bits 0-6: hash kind id; bit 7: removal (deltas only)
 *   1       1     quality 0..100 for PDQ; 255 = none
 *   2       32    hash, big-endian bit order as the hex is written
 *   34      4     sequence number offset from seqBase (uint32)
 */
import * as ed from '@noble/ed25519';
import { VeilError } from '../errors';
import type { HashKind } from '../hash/types';
import { HASH_BYTES } from '../hash/types';
import type { ListName } from '../match/types';

export const LIST_MAGIC = 0x4c494556; // "VEIL" read as a little-endian uint32
export const LIST_FORMAT_VERSION = 1;
export const HEADER_BYTES = 88;
export const RECORD_BYTES = 38;
export const SIGNATURE_BYTES = 64;
export const KEY_ID_BYTES = 8;
export const PUBLIC_KEY_BYTES = 32;

// Header field offsets (named so every read and write says which field it touches).
const H_MAGIC = 0;
const H_VERSION = 4;
const H_TYPE = 5;
const H_LIST = 6;
const H_KIND_TABLE = 7;
const H_FROM_SEQ = 8;
const H_TO_SEQ = 16;
const H_SEQ_BASE = 24;
const H_COUNT = 32;
const H_RECORD_SIZE = 36;
const H_RESERVED = 38;
const H_KEY_ID = 40;
const H_CREATED = 48;
const H_ANNOUNCED_KEY = 56;

// Record field offsets.
const R_KIND = 0;
const R_QUALITY = 1;
const R_HASH = 2;
const R_SEQ = 34;

export const REMOVAL_FLAG = 0x80;
const KIND_MASK = 0x7f;
export const NO_QUALITY = 255;

/**
 * The kind table: a hash kind's id on the wire. Ids are never reused. A new kind (region or
 * learned hashes, issue 6) takes the next id and bumps KIND_TABLE_VERSION; a reader with an
 * older table still verifies and applies the file, and skips records whose kind it lacks.
 */
export const KIND_TABLE_VERSION = 2;
/** Table 1: pdq, blockhash. Table 2 adds pdq-crop (the PDQ of a crop of a registered photo). */
export const KIND_IDS: Readonly<Record<HashKind, number>> = { pdq: 1, blockhash: 2, 'pdq-crop': 3 };
const KIND_BY_ID: readonly (HashKind | undefined)[] = (() => {
  const t: (HashKind | undefined)[] = [];
  for (const [k, id] of Object.entries(KIND_IDS)) t[id] = k as HashKind;
  return t;
})();

export function kindFromId(id: number): HashKind | undefined {
  return KIND_BY_ID[id];
}

export const LIST_IDS: Readonly<Record<ListName, number>> = { reported: 1, confirmed: 2 };
const LIST_BY_ID: readonly (ListName | undefined)[] = [undefined, 'reported', 'confirmed'];

export type ListFileType = 'snapshot' | 'delta' | 'key-announcement';
const TYPE_IDS: Readonly<Record<ListFileType, number>> = { snapshot: 1, delta: 2, 'key-announcement': 3 };
const TYPE_BY_ID: readonly (ListFileType | undefined)[] = [undefined, 'snapshot', 'delta', 'key-announcement'];

export interface ListHeader {
  type: ListFileType;
  /** null only in a key announcement. */
  list: ListName | null;
  kindTableVersion: number;
  fromSeq: number;
  toSeq: number;
  count: number;
  keyId: Uint8Array;
  createdAt: number;
  /** The new public key a key announcement introduces; null otherwise. */
  announcedKey: Uint8Array | null;
}

export function keyIdOf(publicKey: Uint8Array): Uint8Array {
  return publicKey.slice(0, KEY_ID_BYTES);
}

function readU64(view: DataView, offset: number, field: string): number {
  const lo = view.getUint32(offset, true);
  const hi = view.getUint32(offset + 4, true);
  if (hi > 0x1fffff) throw new VeilError('list/bad-format', `Field ${field} is out of range.`);
  return hi * 0x1_0000_0000 + lo;
}

function writeU64(view: DataView, offset: number, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new VeilError('internal', 'uint64 field out of range.');
  view.setUint32(offset, value % 0x1_0000_0000, true);
  view.setUint32(offset + 4, Math.floor(value / 0x1_0000_0000), true);
}

/** Compares record a of `x` with record b of `y` by (kind id, hash); removal flag ignored. */
function compareRecords(x: Uint8Array, a: number, y: Uint8Array, b: number): number {
  const d = (x[a + R_KIND] & KIND_MASK) - (y[b + R_KIND] & KIND_MASK);
  if (d !== 0) return d;
  for (let i = 0; i < HASH_BYTES; i++) {
    const e = x[a + R_HASH + i] - y[b + R_HASH + i];
    if (e !== 0) return e;
  }
  return 0;
}

/** Reads the header and checks the file's structure; does NOT check the signature. */
export function parseListHeader(bytes: Uint8Array): ListHeader {
  if (bytes.length < HEADER_BYTES + SIGNATURE_BYTES) {
    throw new VeilError('list/bad-format', `The file has ${bytes.length} bytes, fewer than a header and signature.`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(H_MAGIC, true) !== LIST_MAGIC) throw new VeilError('list/bad-format', 'This is not a Veil list file.');
  const version = bytes[H_VERSION];
  if (version !== LIST_FORMAT_VERSION) {
    throw new VeilError('list/bad-format', `Format version ${version} is not supported (this reader knows ${LIST_FORMAT_VERSION}).`);
  }
  const type = TYPE_BY_ID[bytes[H_TYPE]];
  if (!type) throw new VeilError('list/bad-format', 'Unknown file type.');
  const listId = bytes[H_LIST];
  const list = type === 'key-announcement' ? null : LIST_BY_ID[listId];
  if (list === undefined || (type === 'key-announcement' && listId !== 0)) {
    throw new VeilError('list/bad-format', 'Unknown list id.');
  }
  if (view.getUint16(H_RECORD_SIZE, true) !== RECORD_BYTES || view.getUint16(H_RESERVED, true) !== 0) {
    throw new VeilError('list/bad-format', 'Unknown record size.');
  }
  const count = view.getUint32(H_COUNT, true);
  if (bytes.length !== HEADER_BYTES + count * RECORD_BYTES + SIGNATURE_BYTES) {
    throw new VeilError('list/bad-format', `Length ${bytes.length} does not match ${count} records.`);
  }
  const fromSeq = readU64(view, H_FROM_SEQ, 'fromSeq');
  const toSeq = readU64(view, H_TO_SEQ, 'toSeq');
  if (fromSeq > toSeq || (type !== 'delta' && fromSeq !== 0)) throw new VeilError('list/bad-format', 'Bad sequence range.');
  const announced = bytes.subarray(H_ANNOUNCED_KEY, H_ANNOUNCED_KEY + PUBLIC_KEY_BYTES);
  const hasAnnounced = announced.some((b) => b !== 0);
  if (hasAnnounced !== (type === 'key-announcement') || (type === 'key-announcement' && count !== 0)) {
    throw new VeilError('list/bad-format', 'Only a key announcement carries a new key, and it has no records.');
  }
  return {
    type,
    list,
    kindTableVersion: bytes[H_KIND_TABLE],
    fromSeq,
    toSeq,
    count,
    keyId: bytes.slice(H_KEY_ID, H_KEY_ID + KEY_ID_BYTES),
    createdAt: readU64(view, H_CREATED, 'createdAt'),
    announcedKey: hasAnnounced ? announced.slice() : null,
  };
}

export interface ListExpectation {
  /** The list the caller asked for; anything else is 'list/wrong-list'. */
  list?: ListName;
  /** The file type the caller asked for. */
  type?: ListFileType;
  /** The sequence number of the copy already held: a file ending below it is 'list/stale'. */
  heldSeq?: number;
}

/**
 * A verified list file, read in place. Records are addressed by index; accessors allocate
 * nothing except hashAt, which returns a view (no copy) into the file.
 */
export class ListFile {
  readonly header: ListHeader;
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  private readonly seqBase: number;

  private constructor(bytes: Uint8Array, header: ListHeader) {
    this.bytes = bytes;
    this.header = header;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.seqBase = readU64(this.view, H_SEQ_BASE, 'seqBase');
  }

  /**
   * Checks length, magic, version, structure, the signature against one of `trustedKeys`
   * (chosen by key id), then the expectation; throws VeilError('list/...') or returns the file.
   */
  static async fromBytes(bytes: Uint8Array, trustedKeys: readonly Uint8Array[], expect: ListExpectation = {}): Promise<ListFile> {
    const header = parseListHeader(bytes);
    const key = trustedKeys.find((k) => k.length === PUBLIC_KEY_BYTES && sameBytes(k, header.keyId, KEY_ID_BYTES));
    if (!key) throw new VeilError('list/unknown-key');
    const signed = bytes.subarray(0, bytes.length - SIGNATURE_BYTES);
    const signature = bytes.subarray(bytes.length - SIGNATURE_BYTES);
    let ok: boolean;
    try {
      ok = await ed.verifyAsync(signature, signed, key);
    } catch (cause) {
      throw new VeilError('list/bad-signature', undefined, { cause });
    }
    if (!ok) throw new VeilError('list/bad-signature');
    // Structure below is signed, so a failure here means a broken registry, not an attacker;
    // still refuse rather than apply something half-understood.
    const file = new ListFile(bytes, header);
    file.checkRecords();
    if (expect.type && header.type !== expect.type) throw new VeilError('list/bad-format', `Expected a ${expect.type}, got a ${header.type}.`);
    if (expect.list && header.list !== expect.list) throw new VeilError('list/wrong-list');
    if (expect.heldSeq !== undefined && header.toSeq < expect.heldSeq) {
      throw new VeilError('list/stale', `It ends at ${header.toSeq}; the copy held is at ${expect.heldSeq}.`);
    }
    return file;
  }

  /**
   * Reads a file this process signed itself (the registry merging its last snapshot with new
   * changes) without verifying it again. Never for bytes that came from anywhere else.
   */
  static ownFile(bytes: Uint8Array): ListFile {
    return new ListFile(bytes, parseListHeader(bytes));
  }

  private checkRecords(): void {
    const { count, type, toSeq } = this.header;
    const b = this.bytes;
    for (let i = 0; i < count; i++) {
      const r = HEADER_BYTES + i * RECORD_BYTES;
      const kindByte = b[r + R_KIND];
      if ((kindByte & KIND_MASK) === 0) throw new VeilError('list/bad-format', 'Record with kind id 0.');
      if (kindByte & REMOVAL_FLAG && type !== 'delta') throw new VeilError('list/bad-format', 'Removal outside a delta.');
      const q = b[r + R_QUALITY];
      if (q > 100 && q !== NO_QUALITY) throw new VeilError('list/bad-format', 'Quality out of range.');
      const seq = this.seqAt(i);
      if (seq > toSeq || seq <= this.header.fromSeq) throw new VeilError('list/bad-format', 'Record sequence number outside the file range.');
      if (i > 0 && compareRecords(b, r - RECORD_BYTES, b, r) >= 0) {
        throw new VeilError('list/bad-format', 'Records are not strictly sorted.');
      }
    }
  }

  get count(): number {
    return this.header.count;
  }

  /** Wire kind id (see KIND_IDS); kindFromId maps it to a HashKind when this reader knows it. */
  kindIdAt(i: number): number {
    return this.bytes[HEADER_BYTES + i * RECORD_BYTES + R_KIND] & KIND_MASK;
  }

  isRemovalAt(i: number): boolean {
    return (this.bytes[HEADER_BYTES + i * RECORD_BYTES + R_KIND] & REMOVAL_FLAG) !== 0;
  }

  /** Quality 0..100, or undefined where the record carries none. */
  qualityAt(i: number): number | undefined {
    const q = this.bytes[HEADER_BYTES + i * RECORD_BYTES + R_QUALITY];
    return q === NO_QUALITY ? undefined : q;
  }

  /** A view (no copy) of the record's 32-byte hash. */
  hashAt(i: number): Uint8Array {
    const o = HEADER_BYTES + i * RECORD_BYTES + R_HASH;
    return this.bytes.subarray(o, o + HASH_BYTES);
  }

  /** Byte offset of the record's hash inside `bytes`, for callers copying into typed arrays. */
  hashOffset(i: number): number {
    return HEADER_BYTES + i * RECORD_BYTES + R_HASH;
  }

  seqAt(i: number): number {
    return this.seqBase + this.view.getUint32(HEADER_BYTES + i * RECORD_BYTES + R_SEQ, true);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Collects records for one file in a growable buffer (64 KiB pages). Records may be added in
 * any order; in ascending order (as a database ORDER BY gives them) no sort is needed.
 */
export class ListRecordsWriter {
  private buf = new Uint8Array(1 << 16);
  private seqs = new Float64Array(1 << 16 >> 4);
  private n = 0;
  private sorted = true;

  get count(): number {
    return this.n;
  }

  add(kind: HashKind | number, hash: Uint8Array, quality: number | undefined, seq: number, removal = false): void {
    const kindId = typeof kind === 'number' ? kind : KIND_IDS[kind];
    if (!(kindId >= 1 && kindId <= KIND_MASK)) throw new VeilError('internal', 'Unknown hash kind.');
    if (hash.length !== HASH_BYTES) throw new VeilError('hash/bad-length');
    if (quality !== undefined && !(Number.isInteger(quality) && quality >= 0 && quality <= 100)) {
      throw new VeilError('internal', 'Quality out of range.');
    }
    if (!Number.isSafeInteger(seq) || seq < 1) throw new VeilError('internal', 'Sequence numbers start at 1.');
    this.reserve(this.n + 1);
    const r = this.n * RECORD_BYTES;
    this.buf[r + R_KIND] = kindId | (removal ? REMOVAL_FLAG : 0); // field: kind id | removal flag
    this.buf[r + R_QUALITY] = quality === undefined ? NO_QUALITY : quality; // field: quality
    this.buf.set(hash, r + R_HASH); // field: hash
    this.seqs[this.n] = seq; // offset written at encode, once seqBase is known
    if (this.n > 0 && compareRecords(this.buf, r - RECORD_BYTES, this.buf, r) >= 0) this.sorted = false;
    this.n++;
  }

  private reserve(records: number): void {
    if (records * RECORD_BYTES > this.buf.length) {
      const grown = new Uint8Array(Math.ceil((records * RECORD_BYTES * 1.5) / 65536) * 65536);
      grown.set(this.buf.subarray(0, this.n * RECORD_BYTES));
      this.buf = grown;
    }
    if (records > this.seqs.length) {
      const grown = new Float64Array(Math.ceil(records * 1.5));
      grown.set(this.seqs.subarray(0, this.n));
      this.seqs = grown;
    }
  }

  /**
   * Appends records [start, end) of a verified file, which are sorted already: the registry
   * merging its last snapshot with new changes copies runs of unchanged records this way, with
   * no allocation per record.
   */
  appendRun(file: ListFile, start: number, end: number): void {
    if (end <= start) return;
    this.reserve(this.n + (end - start));
    const src = file.bytes;
    const first = this.n;
    for (let i = start; i < end; i++) {
      const from = HEADER_BYTES + i * RECORD_BYTES;
      const to = this.n * RECORD_BYTES;
      for (let k = 0; k < R_SEQ; k++) this.buf[to + k] = src[from + k]; // fields: kind, quality, hash
      this.buf[to + R_KIND] &= KIND_MASK; // a snapshot record is never a removal
      this.seqs[this.n] = file.seqAt(i);
      this.n++;
    }
    if (first > 0 && compareRecords(this.buf, (first - 1) * RECORD_BYTES, this.buf, first * RECORD_BYTES) >= 0) this.sorted = false;
  }

  /** Record order for the file (ascending by kind id, hash), or null when they were added in order; throws on a duplicate key. */
  order(): Uint32Array | null {
    const b = this.buf;
    if (this.sorted) {
      for (let i = 1; i < this.n; i++) {
        if (compareRecords(b, (i - 1) * RECORD_BYTES, b, i * RECORD_BYTES) === 0) throw new VeilError('internal', 'Two records for the same hash in one list file.');
      }
      return null;
    }
    const idx = new Uint32Array(this.n);
    for (let i = 0; i < this.n; i++) idx[i] = i;
    idx.sort((x, y) => compareRecords(b, x * RECORD_BYTES, b, y * RECORD_BYTES));
    for (let i = 1; i < this.n; i++) {
      if (compareRecords(b, idx[i - 1] * RECORD_BYTES, b, idx[i] * RECORD_BYTES) === 0) {
        throw new VeilError('internal', 'Two records for the same hash in one list file.');
      }
    }
    return idx;
  }

  /** Writes every record into `out` from `offset` in file order, sequence numbers relative to seqBase. */
  writeRecords(out: Uint8Array, offset: number, view: DataView, seqBase: number): void {
    const idx = this.order();
    if (!idx) {
      // Already in order: one copy, then the sequence offsets.
      out.set(this.buf.subarray(0, this.n * RECORD_BYTES), offset);
      for (let i = 0; i < this.n; i++) view.setUint32(offset + i * RECORD_BYTES + R_SEQ, this.seqs[i] - seqBase, true); // field: seq offset
      return;
    }
    for (let i = 0; i < this.n; i++) {
      const r = idx[i] * RECORD_BYTES;
      const o = offset + i * RECORD_BYTES;
      out.set(this.buf.subarray(r, r + R_SEQ), o);
      view.setUint32(o + R_SEQ, this.seqs[idx[i]] - seqBase, true); // field: seq offset
    }
  }

  seqRange(): { min: number; max: number } {
    let min = Infinity;
    let max = 0;
    for (let i = 0; i < this.n; i++) {
      if (this.seqs[i] < min) min = this.seqs[i];
      if (this.seqs[i] > max) max = this.seqs[i];
    }
    return { min: this.n ? min : 0, max };
  }
}

export interface ListSigner {
  secretKey: Uint8Array;
  publicKey: Uint8Array;
}

export interface EncodeListInput {
  type: ListFileType;
  list: ListName | null;
  fromSeq?: number;
  toSeq: number;
  records?: ListRecordsWriter;
  announcedKey?: Uint8Array;
  createdAt?: number;
}

/** Builds and signs a list file. */
export async function encodeListFile(input: EncodeListInput, signer: ListSigner): Promise<Uint8Array> {
  const records = input.records ?? new ListRecordsWriter();
  const n = records.count;
  const { min, max } = records.seqRange();
  const fromSeq = input.fromSeq ?? 0;
  if (max > input.toSeq || (n > 0 && min <= fromSeq)) throw new VeilError('internal', 'Record sequence numbers outside the file range.');
  if (n > 0 && max - min > 0xffffffff) throw new VeilError('internal', 'Sequence numbers in one file span more than 2^32.');
  if ((input.type === 'key-announcement') !== (input.list === null)) throw new VeilError('internal', 'Only a key announcement has no list.');
  const out = new Uint8Array(HEADER_BYTES + n * RECORD_BYTES + SIGNATURE_BYTES);
  const view = new DataView(out.buffer);
  view.setUint32(H_MAGIC, LIST_MAGIC, true); // field: magic
  out[H_VERSION] = LIST_FORMAT_VERSION; // field: format version
  out[H_TYPE] = TYPE_IDS[input.type]; // field: file type
  out[H_LIST] = input.list ? LIST_IDS[input.list] : 0; // field: list id
  out[H_KIND_TABLE] = KIND_TABLE_VERSION; // field: kind table version
  writeU64(view, H_FROM_SEQ, fromSeq); // field: fromSeq
  writeU64(view, H_TO_SEQ, input.toSeq); // field: toSeq
  writeU64(view, H_SEQ_BASE, min); // field: seqBase
  view.setUint32(H_COUNT, n, true); // field: record count
  view.setUint16(H_RECORD_SIZE, RECORD_BYTES, true); // field: record size
  out.set(keyIdOf(signer.publicKey), H_KEY_ID); // field: key id
  writeU64(view, H_CREATED, input.createdAt ?? Date.now()); // field: created at
  if (input.announcedKey) out.set(input.announcedKey, H_ANNOUNCED_KEY); // field: announced key
  records.writeRecords(out, HEADER_BYTES, view, min);
  const signed = out.subarray(0, out.length - SIGNATURE_BYTES);
  out.set(await ed.signAsync(signed, signer.secretKey), out.length - SIGNATURE_BYTES); // field: signature
  return out;
}

/** A key announcement: the current (old) key vouches for `newPublicKey`. */
export function encodeKeyAnnouncement(newPublicKey: Uint8Array, oldSigner: ListSigner, createdAt?: number): Promise<Uint8Array> {
  if (newPublicKey.length !== PUBLIC_KEY_BYTES) throw new VeilError('internal', 'A public key has 32 bytes.');
  return encodeListFile({ type: 'key-announcement', list: null, toSeq: 0, announcedKey: newPublicKey, createdAt }, oldSigner);
}

/** A fresh Ed25519 signing key pair (uses the platform's crypto.getRandomValues). */
export async function generateSigner(): Promise<ListSigner> {
  const { secretKey, publicKey } = await ed.keygenAsync();
  return { secretKey, publicKey };
}

export async function signerFromSecretKey(secretKey: Uint8Array): Promise<ListSigner> {
  return { secretKey, publicKey: await ed.getPublicKeyAsync(secretKey) };
}
