/**
 * The in-memory index behind POST /v1/match: the shared Matcher (one match policy for every
 * part of Veil), fed from the store's lists. It loads both lists at start, then applies
 * changes (by sequence number, as a client applies a delta) after this instance writes
 * (`touch`) and at most `refreshMs` apart otherwise, so that writes made by other instances on
 * the same PostgreSQL show up too.
 *
 * Entry ids are the registry's hash ids: the Matcher keys entries by (kind, list, id).
 */
import { isVeilError } from '../shared/errors';
import type { ImageHashes } from '../shared/hash/types';
import { Matcher } from '../shared/match/matcher';
import { DEFAULT_MATCH_POLICY, withPolicy } from '../shared/match/policy';
import type { MatchPolicy } from '../shared/match/policy';
import type { ListName, MatchResult } from '../shared/match/types';
import { LIST_NAMES } from '../shared/match/types';
import { kindFromId } from '../shared/registry/listFormat';
import type { ListRow, RegistryStore } from './store/store';

export class MatchIndex {
  private readonly matcher = new Matcher();
  private readonly seqs = new Map<ListName, number>();
  private readonly policies = new Map<ListName, MatchPolicy>();
  private dirty = true;
  private lastRefresh = 0;
  private refreshing: Promise<void> | null = null;
  private closed = false;
  private ready: Promise<void> | null = null;

  constructor(
    private readonly store: RegistryStore,
    private readonly refreshMs: number,
    policy: MatchPolicy = DEFAULT_MATCH_POLICY,
  ) {
    for (const list of LIST_NAMES) this.policies.set(list, withPolicy({ lists: [list] }, policy));
  }

  get size(): number {
    return this.matcher.size;
  }

  /** Starts loading both lists; match() waits for it. A failed load is retried by the next match. */
  start(): Promise<void> {
    this.ready ??= this.load().catch((err: unknown) => {
      this.ready = null;
      throw err;
    });
    // Nobody may be waiting yet: keep a failure from being an unhandled rejection.
    this.ready.catch(() => undefined);
    return this.ready;
  }

  private async load(): Promise<void> {
    for (const list of LIST_NAMES) {
      if (this.closed) return;
      const { toSeq } = await this.store.readList(list, null, (rows) => this.apply(list, rows));
      this.seqs.set(list, toSeq);
    }
    this.matcher.flush();
    this.dirty = false;
    this.lastRefresh = Date.now();
  }

  /** This instance changed the lists: refresh before the next match. */
  touch(): void {
    this.dirty = true;
  }

  /** Stops; resolves once no read of the store is in flight. */
  async close(): Promise<void> {
    this.closed = true;
    await this.ready?.catch(() => undefined);
    await this.refreshing?.catch(() => undefined);
  }

  /** The best match of one image in each list asked for (fresh as of this call). */
  async match(hashes: ImageHashes, lists: readonly ListName[]): Promise<MatchResult[]> {
    await this.start();
    await this.refreshIfStale();
    const out: MatchResult[] = [];
    for (const list of lists) {
      const hit = this.matcher.match(hashes, this.policies.get(list)!);
      if (hit) out.push(hit);
    }
    return out;
  }

  private async refreshIfStale(): Promise<void> {
    if (!this.dirty && Date.now() - this.lastRefresh < this.refreshMs) return;
    this.refreshing ??= this.refresh().finally(() => (this.refreshing = null));
    await this.refreshing;
  }

  private async refresh(): Promise<void> {
    if (this.closed) return;
    this.dirty = false;
    this.lastRefresh = Date.now();
    for (const list of LIST_NAMES) {
      const since = this.seqs.get(list) ?? 0;
      const { toSeq } = await this.store.readList(list, since, (rows) => this.apply(list, rows));
      this.seqs.set(list, Math.max(since, toSeq));
    }
  }

  private apply(list: ListName, rows: ListRow[]): void {
    for (const r of rows) {
      const kind = kindFromId(r.kind);
      if (!kind) continue;
      if (!r.present) {
        this.matcher.remove(kind, r.id, list);
        continue;
      }
      try {
        this.matcher.add({ id: r.id, kind, hash: r.hash, quality: r.quality ?? undefined, list });
      } catch (err) {
        // The registry refuses unusable hashes at the door; an import of old data could still
        // hold one. It stays listed for clients (which gate it themselves) but is not matched.
        if (!isVeilError(err, 'hash/low-quality') && !isVeilError(err, 'hash/degenerate')) throw err;
      }
    }
  }
}
