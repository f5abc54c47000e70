/**
 * The list sync client used by the extension and the bot: keeps a local copy of each
 * subscribed list up to date from signed snapshots and deltas, and tells a matcher what to
 * add and remove. Platform-neutral: the host passes `fetch` and a key-value storage
 * (IndexedDB in the extension, SQLite or files in the bot).
 *
 * Trust: nothing from the network is used before its signature verifies against a pinned key
 * (or a key announced by a pinned one, docs/list-format.md). Entries whose hashes fail the
 * usability gates are held in the copy but never given to the matcher, so a broken or hostile
 * registry cannot make clients hide every flat image.
 */
import { VeilError, isVeilError } from '../errors';
import type { VeilErrorCode } from '../errors';
import { checkHashUsable } from '../hash/gates';
import { bytesToHex } from '../hex';
import type { ListName, ListedHash } from '../match/types';
import { LIST_NAMES } from '../match/types';
import { ListCopy } from './listCopy';
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

export class RegistryClient {
  private readonly opts: RegistryClientOptions & typeof DEFAULT_CLIENT_OPTIONS;
  private readonly copies = new Map<ListName, ListCopy>();
  private readonly listState = new Map<ListName, Pick<ListSyncStatus, 'lastCheck' | 'lastError'>>();
  private keys: Uint8Array[];
  /** The key that signed the last file: the ETag names it. */
  private lastKey: Uint8Array | null = null;
  private failures = 0;
  private nextAttemptAt = 0;
  private running: Promise<ClientStatus> | null = null;
  private loaded = false;
  /** Lists with a verified copy (possibly empty at seq 0): they are updated by delta. */
  private readonly held = new Set<ListName>();
  /** Per list, by slot: 1 if the sink was given the entry (so removals name only fed ids). */
  private readonly fed = new Map<ListName, Uint8Array>();

  constructor(options: RegistryClientOptions) {
    this.opts = { ...DEFAULT_CLIENT_OPTIONS, ...options } as RegistryClient['opts'];
    this.opts.baseUrl = this.opts.baseUrl.replace(/\/+$/, '');
    this.keys = options.publicKeys.map((k) => {
      if (k.length !== PUBLIC_KEY_BYTES) throw new VeilError('list/unknown-key', 'A pinned public key must have 32 bytes.');
      return k.slice();
    });
    if (this.keys.length === 0) throw new VeilError('list/unknown-key', 'At least one public key must be pinned.');
    for (const list of this.opts.lists) {
      this.copies.set(list, new ListCopy(list));
      this.listState.set(list, { lastCheck: null, lastError: null });
    }
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
      let copy: ListCopy;
      try {
        copy = ListCopy.fromBytes(bytes, list);
      } catch (err) {
        // A damaged stored copy is dropped; the next sync fetches a snapshot.
        this.recordError(list, err);
        continue;
      }
      this.copies.set(list, copy);
      this.held.add(list);
      copy.forEachSlot((slot) => this.feedAdd(list, copy, slot));
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
        const c = this.copies.get(list)!;
        const s = this.listState.get(list)!;
        return { list, seq: c.seq, count: c.size, lastUpdate: c.lastUpdate || null, lastCheck: s.lastCheck, lastError: s.lastError };
      }),
      failures: this.failures,
      nextAttemptAt: this.nextAttemptAt,
      keyIds: this.keys.map((k) => bytesToHex(keyIdOf(k))),
    };
  }

  /** The local copy of a list (read-only use: lookups, counts). */
  copy(list: ListName): ListCopy | undefined {
    return this.copies.get(list);
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
    const copy = this.copies.get(list)!;
    if (this.held.has(list)) {
      try {
        const file = await this.fetchList(list, `delta?since=${copy.seq}`, copy.seq);
        if (!file) return; // 304: nothing new
        if (file.header.type === 'delta' && file.header.fromSeq > copy.seq) throw new VeilError('list/gap');
        await this.apply(list, file);
        return;
      } catch (err) {
        if (!isVeilError(err, 'list/gap')) throw err;
      }
    }
    const file = await this.fetchList(list, 'snapshot', this.held.has(list) ? copy.seq : -1);
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
    const copy = this.copies.get(list)!;
    const { type, toSeq, keyId } = file.header;
    if (type === 'snapshot') {
      copy.beginReplace();
      for (let i = 0; i < file.count; i++) this.applyAdd(list, copy, file, i);
      // endReplace reports slots already emptied; their entries were fed if usable.
      const gone: number[] = [];
      copy.endReplace((slot) => gone.push(slot));
      for (const slot of gone) this.unfeed(list, slot);
    } else if (type === 'delta') {
      for (let i = 0; i < file.count; i++) {
        if (file.isRemovalAt(i)) this.applyRemove(list, copy, file, i);
        else this.applyAdd(list, copy, file, i);
      }
    } else {
      throw new VeilError('list/bad-format', 'A key announcement is not a list.');
    }
    this.lastKey = this.keys.find((k) => k.every((b, i) => i >= keyId.length || b === keyId[i])) ?? this.lastKey;
    const changed = copy.seq !== toSeq || file.count > 0 || !this.held.has(list);
    copy.seq = toSeq;
    this.held.add(list);
    if (changed) {
      copy.lastUpdate = this.now();
      await this.opts.storage.set(copyStorageKey(list), copy.toBytes());
    }
  }

  private applyAdd(list: ListName, copy: ListCopy, file: ListFile, i: number): void {
    const { slot, changed, isNew } = copy.upsert(file.kindIdAt(i), file.bytes, file.hashOffset(i), file.qualityAt(i));
    if (!changed) return;
    if (!isNew) this.unfeed(list, slot);
    this.feedAdd(list, copy, slot);
  }

  private applyRemove(list: ListName, copy: ListCopy, file: ListFile, i: number): void {
    const slot = copy.remove(file.kindIdAt(i), file.bytes, file.hashOffset(i));
    if (slot >= 0) this.unfeed(list, slot);
  }

  private unfeed(list: ListName, slot: number): void {
    const fed = this.fed.get(list);
    if (!fed || slot >= fed.length || fed[slot] === 0) return;
    fed[slot] = 0;
    this.opts.sink?.remove(entryIdFor(list, slot));
  }

  private feedAdd(list: ListName, copy: ListCopy, slot: number): void {
    if (!this.opts.sink) return;
    const kind = kindFromId(copy.kindIdAt(slot));
    if (!kind) return; // a kind this build does not know (newer kind table)
    const hash = copy.hashAt(slot);
    const quality = copy.qualityAt(slot);
    if (!checkHashUsable(kind, hash, quality).usable) return;
    let fed = this.fed.get(list) ?? new Uint8Array(1024);
    if (slot >= fed.length) {
      const grown = new Uint8Array(Math.max(slot + 1, fed.length * 2));
      grown.set(fed);
      fed = grown;
    }
    this.fed.set(list, fed);
    fed[slot] = 1;
    this.opts.sink.add({ id: entryIdFor(list, slot), kind, hash, quality, list });
  }
}

function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
