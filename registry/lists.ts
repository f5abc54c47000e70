/**
 * Builds, signs and caches the list files (docs/list-format.md) that /v1/lists serves.
 *
 * A snapshot is rebuilt only when the list moved on and the cached one is older than
 * `snapshotMaxAgeMs` (clients catch up by delta), and concurrent requests share one build.
 * Compressed variants are made once per file. The header's "created at" is the time of the
 * list's last change, so every instance on one database builds byte-identical files, and one
 * strong ETag means one byte sequence wherever it is served from.
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { ListName } from '../shared/match/types';
import { ListFile, ListRecordsWriter, encodeListFile } from '../shared/registry/listFormat';
import type { ListRow } from './store/store';
import { listEtag } from '../shared/registry/wire';
import type { SigningKeys } from './signing';
import type { RegistryStore } from './store/store';

const gzip = promisify(zlib.gzip);
const brotli = promisify(zlib.brotliCompress);

export type Encoding = 'br' | 'gzip' | 'identity';

export class BuiltList {
  private readonly compressed = new Map<Encoding, Promise<Buffer>>();
  constructor(
    readonly list: ListName,
    readonly bytes: Uint8Array,
    readonly seq: number,
    readonly etag: string,
    readonly builtAt: number,
    readonly buildMs: number,
  ) {}

  body(encoding: Encoding): Promise<Buffer> {
    if (encoding === 'identity') return Promise.resolve(Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength));
    let p = this.compressed.get(encoding);
    if (!p) {
      // Hashes are random bits: a fast setting gets nearly all there is to get (sequence offsets, quality).
      p =
        encoding === 'br'
          ? brotli(this.bytes, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: this.bytes.length } })
          : gzip(this.bytes, { level: 6 });
      this.compressed.set(encoding, p);
    }
    return p;
  }
}

export interface ListServiceOptions {
  snapshotMaxAgeMs: number;
  onBuild?: (kind: 'snapshot' | 'delta', list: ListName, ms: number, bytes: number) => void;
}

export class ListService {
  private readonly snapshots = new Map<ListName, BuiltList>();
  private readonly building = new Map<ListName, Promise<BuiltList>>();
  private readonly deltas = new Map<string, BuiltList>();

  constructor(
    private readonly store: RegistryStore,
    private readonly keys: SigningKeys,
    private readonly opts: ListServiceOptions,
  ) {}

  get publicKey(): Uint8Array {
    return this.keys.current.publicKey;
  }

  /** `minSeq`: a snapshot older than this is never served from the cache (a client holds newer). */
  async snapshot(list: ListName, minSeq = 0): Promise<BuiltList> {
    const cached = this.snapshots.get(list);
    if (cached && cached.seq >= minSeq && Date.now() - cached.builtAt < this.opts.snapshotMaxAgeMs) return cached;
    if (cached && (await this.store.listSeq(list)) === cached.seq) return cached;
    let p = this.building.get(list);
    if (!p) {
      p = this.buildSnapshot(list, cached).finally(() => this.building.delete(list));
      this.building.set(list, p);
    }
    return p;
  }

  /**
   * A full read of the list the first time; afterwards the previous snapshot merged with the
   * changes since it (both sorted by kind and hash), which reads only the changes from the
   * database. Both ways give the same bytes.
   */
  private async buildSnapshot(list: ListName, previous: BuiltList | undefined): Promise<BuiltList> {
    const t0 = performance.now();
    const w = new ListRecordsWriter();
    let result: { toSeq: number; changedAt: number };
    if (!previous) {
      result = await this.store.readList(list, null, (rows) => {
        for (const r of rows) w.add(r.kind, r.hash, r.quality ?? undefined, r.seq);
      });
    } else {
      const changes: ListRow[] = [];
      result = await this.store.readList(list, previous.seq, (rows) => {
        for (const r of rows) changes.push(r);
      });
      mergeSnapshot(ListFile.ownFile(previous.bytes), changes, w);
    }
    const { toSeq, changedAt } = result;
    const bytes = await encodeListFile({ type: 'snapshot', list, toSeq, records: w, createdAt: changedAt }, this.keys.current);
    const ms = performance.now() - t0;
    const built = new BuiltList(list, bytes, toSeq, listEtag(list, toSeq, this.publicKey), Date.now(), ms);
    this.snapshots.set(list, built);
    this.opts.onBuild?.('snapshot', list, ms, bytes.length);
    return built;
  }

  /**
   * Changes after `since`. When they outnumber the list itself (a client far behind), the
   * snapshot is smaller and is served instead; clients accept either.
   */
  async delta(list: ListName, since: number): Promise<BuiltList> {
    const seq = await this.store.listSeq(list);
    // Ahead of the registry (a restored database, another registry): only a snapshot is honest.
    if (since > seq) return this.snapshot(list);
    const hit = this.deltas.get(`${list}:${since}:${seq}`);
    if (hit) return hit;
    // Counting changes walks the (list, seq) index from `since`: cheap for the usual small delta.
    if ((await this.store.countChangesSince(list, since)) > (await this.store.listInfo(list)).count) return this.snapshot(list, since);
    const t0 = performance.now();
    const w = new ListRecordsWriter();
    const { toSeq, changedAt } = await this.store.readList(list, since, (rows) => {
      for (const r of rows) w.add(r.kind, r.hash, r.quality ?? undefined, r.seq, !r.present);
    });
    const to = Math.max(toSeq, since);
    const bytes = await encodeListFile({ type: 'delta', list, fromSeq: since, toSeq: to, records: w, createdAt: changedAt }, this.keys.current);
    const ms = performance.now() - t0;
    const built = new BuiltList(list, bytes, to, listEtag(list, to, this.publicKey, since), Date.now(), ms);
    // A small cache: clients poll with the same `since` until the list changes.
    if (this.deltas.size > 256) this.deltas.clear();
    this.deltas.set(`${list}:${since}:${to}`, built);
    this.opts.onBuild?.('delta', list, ms, bytes.length);
    return built;
  }
}

/** Compares (kind, hash) of a previous snapshot's record with a change row. */
function compareKey(file: ListFile, i: number, row: ListRow): number {
  const d = file.kindIdAt(i) - row.kind;
  if (d !== 0) return d;
  const o = file.hashOffset(i);
  const b = file.bytes;
  for (let k = 0; k < 32; k++) {
    const e = b[o + k] - row.hash[k];
    if (e !== 0) return e;
  }
  return 0;
}

/** Writes old records updated by sorted changes (additions, new qualities, removals) into w. */
function mergeSnapshot(old: ListFile, changes: ListRow[], w: ListRecordsWriter): void {
  let i = 0;
  for (const c of changes) {
    // Unchanged records before this change go over as one run.
    const runStart = i;
    while (i < old.count && compareKey(old, i, c) < 0) i++;
    w.appendRun(old, runStart, i);
    if (i < old.count && compareKey(old, i, c) === 0) i++; // replaced or removed
    if (c.present) w.add(c.kind, c.hash, c.quality ?? undefined, c.seq);
  }
  w.appendRun(old, i, old.count);
}

/** Picks the response encoding from Accept-Encoding (br, then gzip). */
export function pickEncoding(acceptEncoding: string | undefined): Encoding {
  const q = new Map<string, number>();
  for (const part of (acceptEncoding ?? '').toLowerCase().split(',')) {
    const [name, ...params] = part.trim().split(';');
    const qp = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    q.set(name.trim(), qp ? Number(qp.slice(2)) : 1);
  }
  const allowed = (name: string): boolean => (q.get(name) ?? 0) > 0;
  if (allowed('br')) return 'br';
  if (allowed('gzip')) return 'gzip';
  return 'identity';
}
