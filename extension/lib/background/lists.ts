import type { ImageHashes } from '../../../shared/hash/types';
import { bytesToHex, hexToBytes } from '../../../shared/hex';
import type { ListName, ListedHash, MatchResult } from '../../../shared/match/types';
import { RegistryClient, type ListSink, type ListStorage } from '../../../shared/registry/client';
import { SYNC_DEFAULTS } from '../config';
import { listKey, type AllowedEntry, type ListStatus, type Subscription } from '../settings';

/**
 * The lists side of the background: one shared RegistryClient (snapshots, signed deltas, pinned
 * key) and one matcher per subscription. On start every client loads its stored copy, which
 * rebuilds the in-memory index before any image is checked; updates run from an alarm with
 * back-off kept in storage (a service worker forgets its memory every few minutes). Matching is
 * local: nothing here sends a page, an image URL or an image's hash anywhere.
 */

/** What the checker needs from the index: the shared Matcher satisfies it. */
export interface MatcherLike extends ListSink {
  match(hashes: ImageHashes): MatchResult | null;
  /** Every entry within threshold (a photo is listed as several entries: PDQ and blockhash). */
  matchAll(hashes: ImageHashes): MatchResult[];
  /** Builds pending index structures now (after a bulk load) rather than at the first match. */
  flush?(): void;
  /** Bytes held in typed arrays (the index and per-entry metadata), for the benchmark. */
  memoryBytes?(): number;
}

/** A match, named the way the rest of the extension refers to entries. */
export interface ListHit {
  subscription: string;
  list: ListName;
  entry: ListedHash;
}

export interface ListServiceDeps {
  fetch: typeof fetch;
  storageFor(subscription: string): ListStorage;
  /** Drops the stored copies of a subscription the user removed. */
  forgetStorage?(subscription: string): Promise<void>;
  createMatcher(): MatcherLike;
  now?: () => number;
}

interface Loaded {
  sub: Subscription;
  client: RegistryClient | null;
  matcher: MatcherLike;
  /** Set when the subscription cannot be used (no pinned key). */
  error: string | null;
}

export class ListService {
  private loaded: Loaded[] = [];
  private statusBySub: Record<string, ListStatus> = {};
  private allowed = new Set<string>();
  private epochValue = 0;
  /** Pending until the first start() has loaded the stored copies: no check may run before. */
  private markFirstReady: () => void = () => undefined;
  private readyPromise: Promise<void> = new Promise<void>((resolve) => (this.markFirstReady = resolve));

  constructor(private readonly deps: ListServiceDeps) {}

  private now(): number {
    return this.deps.now ? this.deps.now() : Date.now();
  }

  /** Bumped whenever what matches may have changed; the verdict cache keys on it. */
  get epoch(): number {
    return this.epochValue;
  }

  /** Resolves once every stored copy is loaded into its matcher. */
  get ready(): Promise<void> {
    return this.readyPromise;
  }

  /** (Re)builds everything from the subscriptions, the persisted status and the allow-list. */
  start(subs: Subscription[], status: Record<string, ListStatus>, allowed: AllowedEntry[]): Promise<void> {
    this.statusBySub = { ...status };
    this.allowed = new Set(allowed.map((a) => allowKey(a.subscription, a.list, a.kind, a.hash)));
    const loading = this.load(subs);
    this.readyPromise = loading;
    void loading.then(this.markFirstReady);
    return loading;
  }

  private async load(subs: Subscription[]): Promise<void> {
    const next: Loaded[] = [];
    for (const sub of subs) {
      const matcher = this.deps.createMatcher();
      const sink = this.allowFilter(sub.id, matcher);
      let client: RegistryClient | null = null;
      let error: string | null = null;
      if (!/^[0-9a-f]{64}$/.test(sub.publicKey)) error = 'no-key';
      else {
        client = new RegistryClient({
          baseUrl: sub.url,
          publicKeys: [hexToBytes(sub.publicKey)],
          lists: sub.lists,
          fetch: this.deps.fetch,
          storage: this.deps.storageFor(sub.id),
          sink,
          now: this.deps.now,
        });
        try {
          await client.load();
        } catch {
          // A copy that cannot be read is refetched by the next sync.
        }
        matcher.flush?.();
      }
      next.push({ sub, client, matcher, error });
    }
    this.loaded = next;
    this.epochValue++;
    this.refreshStatus();
  }

  /** Adds given entries to the matcher unless the user allowed them. */
  private allowFilter(subscription: string, matcher: MatcherLike): ListSink {
    return {
      add: (entry) => {
        if (this.allowed.size > 0 && this.allowed.has(allowKey(subscription, entry.list, entry.kind, bytesToHex(entry.hash)))) return;
        try {
          matcher.add(entry);
        } catch {
          // An entry the matcher refuses (its own gates) is simply not matched; the rest load.
        }
      },
      remove: (id) => matcher.remove(id),
    };
  }

  /**
   * Stops matching every entry these hashes match, at once, and returns them for the stored
   * allow-list (which applies from the next start). A photo is listed as several entries (PDQ,
   * blockhash), so allowing only the closest one would leave the photo blurred by the others.
   */
  allowMatches(hashes: ImageHashes): AllowedEntry[] {
    const out: AllowedEntry[] = [];
    for (const l of this.loaded) {
      for (const m of l.matcher.matchAll(hashes)) {
        const a: AllowedEntry = { subscription: l.sub.id, list: m.entry.list, kind: m.entry.kind, hash: bytesToHex(m.entry.hash), quality: m.entry.quality };
        this.allowed.add(allowKey(a.subscription, a.list, a.kind, a.hash));
        l.matcher.remove(m.entry.id);
        out.push(a);
      }
    }
    if (out.length > 0) this.epochValue++;
    return out;
  }

  /** The first listed entry these hashes match, in subscription order. */
  match(hashes: ImageHashes): ListHit | null {
    for (const l of this.loaded) {
      const m = l.matcher.match(hashes);
      if (m) return { subscription: l.sub.id, list: m.entry.list, entry: m.entry };
    }
    return null;
  }

  /** Bytes held in typed arrays, by owner: the matchers (index and metadata) and the list clients. */
  memoryBytes(): Record<string, number> {
    let matchers = 0;
    let clients = 0;
    for (const l of this.loaded) {
      matchers += l.matcher.memoryBytes?.() ?? 0;
      clients += l.client?.memoryBytes() ?? 0;
    }
    return { matchers, clients };
  }

  /** Number of entries held, over every subscription (0 means no image needs fetching). */
  get entryCount(): number {
    let n = 0;
    for (const l of this.loaded) for (const s of l.client?.status().lists ?? []) n += s.count;
    return n;
  }

  /**
   * Updates every subscription whose time has come (or all, with force). Returns whether any
   * list changed. Never throws: failures land in the status and push the next attempt back.
   */
  async syncDue(force = false): Promise<boolean> {
    await this.readyPromise;
    const now = this.now();
    let changed = false;
    for (const l of this.loaded) {
      if (!l.client) continue;
      const first = this.statusBySub[listKey(l.sub.id, l.sub.lists[0] ?? 'reported')];
      if (!force && first && now < first.nextAttemptAt) continue;
      const before = l.client.status().lists.map((s) => s.seq).join(',');
      const status = await l.client.sync();
      const failed = status.lists.some((s) => s.lastError !== null);
      const failures = failed ? (first?.failures ?? 0) + 1 : 0;
      const wait = failed
        ? Math.min(SYNC_DEFAULTS.maxBackoffMinutes, SYNC_DEFAULTS.firstBackoffMinutes * 2 ** Math.min(failures - 1, 20))
        : SYNC_DEFAULTS.periodMinutes;
      for (const list of l.sub.lists) {
        const key = listKey(l.sub.id, list);
        this.statusBySub[key] = { ...this.baseStatus(l, list), failures, nextAttemptAt: now + wait * 60_000 };
      }
      if (status.lists.map((s) => s.seq).join(',') !== before) {
        changed = true;
        l.matcher.flush?.();
      }
    }
    if (changed) this.epochValue++;
    this.refreshStatus();
    return changed;
  }

  private baseStatus(l: Loaded, list: ListName): ListStatus {
    const prev = this.statusBySub[listKey(l.sub.id, list)];
    const s = l.client?.status().lists.find((x) => x.list === list);
    return {
      subscription: l.sub.id,
      list,
      sequence: s?.seq ?? 0,
      entries: s?.count ?? 0,
      // When the copy was last confirmed current; the status kept in storage covers the time
      // before this worker started (the client's own memory starts empty on every wake).
      updatedAt: s?.lastCheck ?? prev?.updatedAt ?? s?.lastUpdate ?? 0,
      error: l.error ?? (s?.lastCheck == null && !s?.lastError ? (prev?.error ?? null) : (s?.lastError?.code ?? null)),
      failures: prev?.failures ?? 0,
      nextAttemptAt: prev?.nextAttemptAt ?? 0,
    };
  }

  private refreshStatus(): void {
    const next: Record<string, ListStatus> = {};
    for (const l of this.loaded) for (const list of l.sub.lists) next[listKey(l.sub.id, list)] = this.baseStatus(l, list);
    this.statusBySub = next;
  }

  /** Per list: sequence, size, last update, last error; what the popup shows and storage keeps. */
  get status(): Record<string, ListStatus> {
    return { ...this.statusBySub };
  }
}

function allowKey(subscription: string, list: ListName, kind: string, hashHex: string): string {
  return `${subscription}/${list}/${kind}/${hashHex.toLowerCase()}`;
}
