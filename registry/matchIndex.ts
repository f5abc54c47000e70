/**
 * The in-memory index behind POST /v1/match: the shared matcher, fed from the store's lists.
 * It loads both lists at start, then applies changes (by sequence number, like a client's
 * delta) after this instance writes (`touch`) and at most `refreshMs` apart otherwise, so
 * writes made by other instances on the same PostgreSQL show up too.
 *
 * One matcher per list, so that a query for `confirmed` is never hidden by a closer entry of
 * `reported`. Entry ids: hash id * 2 + list index (unique across both lists, for logs).
 * `present` (a bitmap by entry id) keeps removals to ids that were added.
 */
import type { ImageHashes } from '../shared/hash/types';
import type { ListName, ListedHash, MatchResult } from '../shared/match/types';
import { LIST_NAMES } from '../shared/match/types';
import { kindFromId } from '../shared/registry/listFormat';
import type { ListRow, RegistryStore } from './store/store';

/** What the index needs of the shared matcher. */
export interface MatcherLike {
  add(entry: ListedHash): void;
  remove(id: number): void;
  match(hashes: ImageHashes): MatchResult | null;
}

export class MatchIndex {
  private readonly seqs = new Map<ListName, number>();
  private present = new Uint8Array(1 << 16);
  private dirty = true;
  private lastRefresh = 0;
  private refreshing: Promise<void> | null = null;
  private closed = false;
  private entries = 0;
  private readonly matchers = new Map<ListName, MatcherLike>();

  constructor(
    private readonly store: RegistryStore,
    private readonly refreshMs: number,
    createMatcher: () => MatcherLike,
  ) {
    for (const list of LIST_NAMES) this.matchers.set(list, createMatcher());
  }

  get size(): number {
    return this.entries;
  }

  async start(): Promise<void> {
    for (const list of LIST_NAMES) {
      const { toSeq } = await this.store.readList(list, null, (rows) => this.apply(list, rows));
      this.seqs.set(list, toSeq);
    }
    this.dirty = false;
    this.lastRefresh = Date.now();
  }

  /** This instance changed the lists: refresh before the next match. */
  touch(): void {
    this.dirty = true;
  }

  close(): void {
    this.closed = true;
  }

  /** Matches one image's hashes against each list asked for (fresh as of this call). */
  async match(hashes: ImageHashes, lists: readonly ListName[]): Promise<MatchResult[]> {
    await this.refreshIfStale();
    const out: MatchResult[] = [];
    for (const list of lists) {
      const hit = this.matchers.get(list)!.match(hashes);
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
    const li = LIST_NAMES.indexOf(list);
    const matcher = this.matchers.get(list)!;
    for (const r of rows) {
      const id = r.id * LIST_NAMES.length + li;
      if (id >= this.present.length) {
        const grown = new Uint8Array(Math.max(id + 1, this.present.length * 2));
        grown.set(this.present);
        this.present = grown;
      }
      if (this.present[id]) {
        matcher.remove(id);
        this.present[id] = 0;
        this.entries--;
      }
      const kind = kindFromId(r.kind);
      if (!r.present || !kind) continue;
      matcher.add({ id, kind, hash: r.hash, quality: r.quality ?? undefined, list });
      this.present[id] = 1;
      this.entries++;
    }
  }
}
