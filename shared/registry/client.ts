/**
 * The list sync client used by the extension and the bot: keeps a local copy of each
 * subscribed list up to date from signed snapshots and deltas, and tells a matcher what to
 * add and remove. Platform-neutral: the host passes `fetch` and a key-value storage
 * (IndexedDB in the extension, SQLite or files in the bot).
 *
 * Memory: the copy of a list lives in storage, not beside the matcher that holds its hashes. At
 * start the stored copy is read once to feed the sink; a delta or snapshot is applied to a copy
 * read back from storage, which is stored again and dropped (ListCopy's slots survive the trip,
 * so entry ids stay valid). Only each list's sequence, size and last update stay in memory.
 *
 * Trust: nothing from the network is used before its signature verifies against a pinned key
 * (or a key announced by a pinned one, docs/list-format.md). Entries whose hashes fail the
 * usability gates are held in the copy but never given to the matcher, so a broken or hostile
 * registry cannot make clients hide every flat image.
 */
import { VeilError, isVeilError } from '../errors';
import type { VeilErrorCode } from '../errors';
import { checkHashUsable } from '../hash/gates';
import { HASH_BYTES } from '../hash/types';
import { bytesToHex } from '../hex';
import type { ListName, ListedHash } from '../match/types';
import { LIST_NAMES } from '../match/types';
import { ListCopy, type StoredCopy } from './listCopy';
import { ListFile, PUBLIC_KEY_BYTES, keyIdOf, kindFromId } from './listFormat';
import { LIST_CONTENT_TYPE, listEtag } from './wire';
import type { KeysResponse } from './wire';

/** Where the host keeps the client's state; values are opaque bytes. */
export interface ListStorage {
  get(key: string): Promise<Uint8Array | null>;
  set(key: string, value: Uint8Array): Promise<void>;
}

export class MemoryListStorage implements ListStorage {
  readonly data = new Map<string, Uint8Array>();
  async get(key: string): Promise<Uint8Array | null> {
    return this.data.get(key) ?? null;
  }
  async set(key: string, value: Uint8Array): Promise<void> {
    this.data.set(key, value.slice());
  }
}

/** What the client feeds; the shared Matcher satisfies it. */
export interface ListSink {
  add(entry: ListedHash): void;
  remove(id: number): void;
}

/**
 * The shared Matcher as a sink. Entry ids from this client are unique across lists and kinds
 * (entryIdFor), so removing by id removes exactly the entry that was added.
 */
export function matcherSink(matcher: { add(entry: ListedHash): void; removeEntry(id: number): boolean }): ListSink {
  return { add: (entry) => matcher.add(entry), remove: (id) => void matcher.removeEntry(id) };
}

export interface RegistryClientOptions {
  /** e.g. https://registry.example or http://127.0.0.1:8787 (no trailing /v1). */
  baseUrl: string;
  /** Pinned list-signing public keys (32 bytes each). */
  publicKeys: readonly Uint8Array[];
  lists?: readonly ListName[];
  fetch: typeof fetch;
  storage: ListStorage;
  sink?: ListSink;
  now?: () => number;
  /** Normal time between checks. */
  intervalMs?: number;
  /** Back-off after a failure: initial * 2^(failures-1), capped at max. */
  retryInitialMs?: number;
  retryMaxMs?: number;
  /** Per request; 0 = none. */
  timeoutMs?: number;
}

export const DEFAULT_CLIENT_OPTIONS = {
  lists: LIST_NAMES,
  intervalMs: 5 * 60_000,
  retryInitialMs: 30_000,
  retryMaxMs: 60 * 60_000,
  timeoutMs: 60_000,
} as const;

export interface ListSyncStatus {
  list: ListName;
  seq: number;
  count: number;
  /** When the copy last changed from the registry (ms), null if never. */
  lastUpdate: number | null;
  /** When the registry was last asked successfully (ms), null if never. */
  lastCheck: number | null;
  lastError: { code: VeilErrorCode; message: string; at: number } | null;
}

export interface ClientStatus {
  lists: ListSyncStatus[];
  /** Consecutive failed sync rounds. */
  failures: number;
  nextAttemptAt: number;
  /** Hex key ids of the keys trusted now (pinned and announced). */
  keyIds: string[];
}

const KEYS_STORAGE_KEY = 'veil-keys';
const copyStorageKey = (list: ListName): string => `veil-list-${list}`;

/** Entry ids for the matcher: disjoint per list, stable while the entry is listed. */
export function entryIdFor(list: ListName, slot: number): number {
  return slot * LIST_NAMES.length + LIST_NAMES.indexOf(list);
}

export function listOfEntryId(id: number): ListName {
  return LIST_NAMES[id % LIST_NAMES.length];
}

/** What the client remembers of a list it holds a verified copy of (the copy is in storage). */
interface HeldList {
  seq: number;
  /** ms since epoch, 0 = never. */
  lastUpdate: number;
  count: number;
}

export class RegistryClient {
  private readonly opts: RegistryClientOptions & typeof DEFAULT_CLIENT_OPTIONS;
  private readonly listState = new Map<ListName, Pick<ListSyncStatus, 'lastCheck' | 'lastError'>>();
  private keys: Uint8Array[];
  /** The key that signed the last file: the ETag names it. */
  private lastKey: Uint8Array | null = null;
  private failures = 0;
  private nextAttemptAt = 0;
  private running: Promise<ClientStatus> | null = null;
  private loaded = false;
  /** Lists with a verified copy (possibly empty at seq 0): they are updated by delta. */
  private readonly held = new Map<ListName, HeldList>();
  /** Copies whose storage failed: kept in memory until a later store succeeds. */
  private readonly unstored = new Map<ListName, ListCopy>();

  constructor(options: RegistryClientOptions) {
    this.opts = { ...DEFAULT_CLIENT_OPTIONS, ...options } as RegistryClient['opts'];
    this.opts.baseUrl = this.opts.baseUrl.replace(/\/+$/, '');
    this.keys = options.publicKeys.map((k) => {
      if (k.length !== PUBLIC_KEY_BYTES) throw new VeilError('list/unknown-key', 'A pinned public key must have 32 bytes.');
      return k.slice();
    });
    if (this.keys.length === 0) throw new VeilError('list/unknown-key', 'At least one public key must be pinned.');
    for (const list of this.opts.lists) this.listState.set(list, { lastCheck: null, lastError: null });
  }

  private now(): number {
    return this.opts.now ? this.opts.now() : Date.now();
  }

  /** Loads the stored copies and announced keys, and feeds the sink every usable entry. */
  async load(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    const storedKeys = await this.opts.storage.get(KEYS_STORAGE_KEY);
    if (storedKeys && storedKeys.length % PUBLIC_KEY_BYTES === 0) {
      for (let o = 0; o < storedKeys.length; o += PUBLIC_KEY_BYTES) this.trustKey(storedKeys.slice(o, o + PUBLIC_KEY_BYTES));
    }
    for (const list of this.opts.lists) {
      const bytes = await this.opts.storage.get(copyStorageKey(list));
      if (!bytes) continue;
      let stored: StoredCopy;
      try {
        stored = ListCopy.scan(bytes, list);
      } catch (err) {
        // A damaged stored copy is dropped; the next sync fetches a snapshot.
        this.recordError(list, err);
        continue;
      }
      this.held.set(list, { seq: stored.seq, lastUpdate: stored.lastUpdate, count: stored.count });
      stored.forEach((slot, kindId, quality, at) => this.feedAdd(list, slot, kindId, bytes.slice(at, at + HASH_BYTES), quality));
    }
  }

  /** True when the next sync is due (a host timer or alarm asks this). */
  isDue(now = this.now()): boolean {
    return now >= this.nextAttemptAt;
  }

  /** Brings every list up to date; never throws: errors land in the status. */
  sync(): Promise<ClientStatus> {
    if (!this.running) {
      this.running = this.syncAll().finally(() => {
        this.running = null;
      });
    }
    return this.running;
  }

  /** Syncs only when due (respecting back-off). */
  async syncIfDue(): Promise<ClientStatus> {
    return this.isDue() ? this.sync() : this.status();
  }

  status(): ClientStatus {
    return {
      lists: this.opts.lists.map((list) => {
        const h = this.held.get(list);
        const s = this.listState.get(list)!;
        return { list, seq: h?.seq ?? 0, count: h?.count ?? 0, lastUpdate: h?.lastUpdate || null, lastCheck: s.lastCheck, lastError: s.lastError };
      }),
      failures: this.failures,
      nextAttemptAt: this.nextAttemptAt,
      keyIds: this.keys.map((k) => bytesToHex(keyIdOf(k))),
    };
  }

  /** Bytes held in typed arrays between syncs: none, unless a copy could not be stored. */
  memoryBytes(): number {
    let bytes = 0;
    for (const c of this.unstored.values()) bytes += c.memoryBytes();
    return bytes;
  }

  /** The local copy of a list, read from storage (lookups; the client itself keeps none). */
  async readCopy(list: ListName): Promise<ListCopy> {
    const kept = this.unstored.get(list);
    if (kept) return kept;
    const bytes = this.held.has(list) ? await this.opts.storage.get(copyStorageKey(list)) : null;
    if (!bytes) return new ListCopy(list);
    return ListCopy.fromBytes(bytes, list);
  }

  private async syncAll(): Promise<ClientStatus> {
    await this.load();
    let failed = false;
    for (const list of this.opts.lists) {
      try {
        await this.syncList(list);
        const s = this.listState.get(list)!;
        s.lastCheck = this.now();
        s.lastError = null;
      } catch (err) {
        failed = true;
        this.recordError(list, err);
      }
    }
    const now = this.now();
    if (failed) {
      this.failures++;
      const wait = Math.min(this.opts.retryMaxMs, this.opts.retryInitialMs * 2 ** Math.min(this.failures - 1, 30));
      // Jitter spreads a fleet of clients coming back after an outage.
      this.nextAttemptAt = now + Math.round(wait * (0.75 + Math.random() * 0.5));
    } else {
      this.failures = 0;
      this.nextAttemptAt = now + this.opts.intervalMs;
    }
    return this.status();
  }

  private recordError(list: ListName, err: unknown): void {
    const code: VeilErrorCode = isVeilError(err) ? err.code : 'registry/unreachable';
    const message = isVeilError(err) ? err.message : 'The registry could not be reached.';
    this.listState.get(list)!.lastError = { code, message, at: this.now() };
  }

  private async syncList(list: ListName): Promise<void> {
    const held = this.held.get(list);
    if (held) {
      try {
        const file = await this.fetchList(list, `delta?since=${held.seq}`, held.seq);
        if (!file) return; // 304: nothing new
        if (file.header.type === 'delta' && file.header.fromSeq > held.seq) throw new VeilError('list/gap');
        await this.apply(list, file);
        return;
      } catch (err) {
        if (!isVeilError(err, 'list/gap')) throw err;
      }
    }
    const file = await this.fetchList(list, 'snapshot', held ? held.seq : -1);
    if (file) await this.apply(list, file);
  }

  /** heldSeq -1: no copy held yet (no conditional request, nothing to be stale against). */
  private async fetchList(list: ListName, path: string, heldSeq: number): Promise<ListFile | null> {
    const headers: Record<string, string> = { accept: LIST_CONTENT_TYPE };
    if (heldSeq >= 0 && this.lastKey) {
      headers['if-none-match'] = path === 'snapshot' ? listEtag(list, heldSeq, this.lastKey) : listEtag(list, heldSeq, this.lastKey, heldSeq);
    }
    const res = await this.request(`/v1/lists/${list}/${path}`, headers);
    if (res.status === 304) return null;
    if (!res.ok) throw new VeilError('registry/bad-response', `HTTP ${res.status} for the ${list} list.`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    return this.verify(bytes, list, Math.max(0, heldSeq));
  }

  private async request(path: string, headers: Record<string, string>): Promise<Response> {
    try {
      const signal = this.opts.timeoutMs > 0 ? AbortSignal.timeout(this.opts.timeoutMs) : undefined;
      return await this.opts.fetch(this.opts.baseUrl + path, { headers, signal });
    } catch (cause) {
      throw new VeilError('registry/unreachable', undefined, { cause });
    }
  }

  private async verify(bytes: Uint8Array, list: ListName, heldSeq: number): Promise<ListFile> {
    const expect = { list, heldSeq };
    try {
      return await ListFile.fromBytes(bytes, this.keys, expect);
    } catch (err) {
      if (!isVeilError(err, 'list/unknown-key')) throw err;
    }
    // Signed by a key we do not know yet: learn announced keys, then try once more.
    await this.fetchAnnouncements();
    return ListFile.fromBytes(bytes, this.keys, expect);
  }

  private async fetchAnnouncements(): Promise<void> {
    const res = await this.request('/v1/keys', { accept: 'application/json' });
    if (!res.ok) throw new VeilError('registry/bad-response', `HTTP ${res.status} for the keys.`);
    let body: KeysResponse;
    try {
      body = (await res.json()) as KeysResponse;
    } catch (cause) {
      throw new VeilError('registry/bad-response', 'The keys answer is not JSON.', { cause });
    }
    const before = this.keys.length;
    for (const b64 of Array.isArray(body.announcements) ? body.announcements : []) {
      if (typeof b64 !== 'string') continue;
      try {
        const file = await ListFile.fromBytes(base64ToBytes(b64), this.keys, { type: 'key-announcement' });
        if (file.header.announcedKey) this.trustKey(file.header.announcedKey);
      } catch {
        // An announcement not signed by a trusted key is ignored: that is the point of pinning.
      }
    }
    if (this.keys.length > before) {
      const all = new Uint8Array(this.keys.length * PUBLIC_KEY_BYTES);
      this.keys.forEach((k, i) => all.set(k, i * PUBLIC_KEY_BYTES));
      await this.opts.storage.set(KEYS_STORAGE_KEY, all);
    }
  }

  private trustKey(key: Uint8Array): void {
    if (!this.keys.some((k) => k.every((b, i) => b === key[i]))) this.keys.push(key.slice());
  }

  private async apply(list: ListName, file: ListFile): Promise<void> {
    const { type, toSeq, keyId } = file.header;
    if (type !== 'snapshot' && type !== 'delta') throw new VeilError('list/bad-format', 'A key announcement is not a list.');
    const copy = await this.copyForUpdate(list, type);
    if (type === 'snapshot') {
      copy.beginReplace();
      for (let i = 0; i < file.count; i++) this.applyAdd(list, copy, file, i);
      copy.endReplace((slot) => this.unfeed(list, copy, slot));
    } else {
      for (let i = 0; i < file.count; i++) {
        if (file.isRemovalAt(i)) this.applyRemove(list, copy, file, i);
        else this.applyAdd(list, copy, file, i);
      }
    }
    this.lastKey = this.keys.find((k) => k.every((b, i) => i >= keyId.length || b === keyId[i])) ?? this.lastKey;
    const changed = copy.seq !== toSeq || file.count > 0 || !this.held.has(list);
    copy.seq = toSeq;
    if (changed) copy.lastUpdate = this.now();
    this.held.set(list, { seq: copy.seq, lastUpdate: copy.lastUpdate, count: copy.size });
    if (!changed) return;
    // Kept in memory until stored: the sink already holds what this copy says.
    this.unstored.set(list, copy);
    await this.opts.storage.set(copyStorageKey(list), copy.toBytes());
    this.unstored.delete(list);
  }

  /**
   * The copy a list file applies to: the stored one. If it is gone or went bad since it was
   * loaded, a delta cannot apply (list/gap: the caller fetches a snapshot) and a snapshot starts
   * from an empty copy; entries fed from the lost copy then stay in the sink until the next start.
   */
  private async copyForUpdate(list: ListName, type: 'snapshot' | 'delta'): Promise<ListCopy> {
    const kept = this.unstored.get(list);
    if (kept) return kept;
    if (!this.held.has(list)) return new ListCopy(list);
    try {
      const bytes = await this.opts.storage.get(copyStorageKey(list));
      if (bytes) return ListCopy.fromBytes(bytes, list);
    } catch {
      // handled below
    }
    if (type === 'delta') throw new VeilError('list/gap');
    return new ListCopy(list);
  }

  private applyAdd(list: ListName, copy: ListCopy, file: ListFile, i: number): void {
    const kindId = file.kindIdAt(i);
    const at = file.hashOffset(i);
    const quality = file.qualityAt(i);
    const before = copy.find(kindId, file.bytes, at);
    // Held already: unchanged, or a new quality, which can change whether it passes the gates.
    if (before >= 0 && copy.qualityAt(before) !== quality) this.unfeed(list, copy, before);
    const { slot, changed } = copy.upsert(kindId, file.bytes, at, quality);
    if (changed) this.feedSlot(list, copy, slot);
  }

  private applyRemove(list: ListName, copy: ListCopy, file: ListFile, i: number): void {
    const slot = copy.find(file.kindIdAt(i), file.bytes, file.hashOffset(i));
    if (slot < 0) return;
    this.unfeed(list, copy, slot);
    copy.remove(file.kindIdAt(i), file.bytes, file.hashOffset(i));
  }

  /** Tells the sink to drop a slot's entry, if it was given it (removals name only fed ids). */
  private unfeed(list: ListName, copy: ListCopy, slot: number): void {
    if (this.opts.sink && this.usable(copy.kindIdAt(slot), copy.hashAt(slot), copy.qualityAt(slot))) this.opts.sink.remove(entryIdFor(list, slot));
  }

  private feedSlot(list: ListName, copy: ListCopy, slot: number): void {
    this.feedAdd(list, slot, copy.kindIdAt(slot), copy.hashAt(slot), copy.qualityAt(slot));
  }

  /** Whether an entry goes to the sink: a kind this build knows, and a hash that passes the gates. */
  private usable(kindId: number, hash: Uint8Array, quality: number | undefined): boolean {
    const kind = kindFromId(kindId);
    return kind !== undefined && checkHashUsable(kind, hash, quality).usable;
  }

  private feedAdd(list: ListName, slot: number, kindId: number, hash: Uint8Array, quality: number | undefined): void {
    if (!this.opts.sink || !this.usable(kindId, hash, quality)) return;
    this.opts.sink.add({ id: entryIdFor(list, slot), kind: kindFromId(kindId)!, hash, quality, list });
  }
}

function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
