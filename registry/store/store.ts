/**
 * The registry's one store, over SQLite or PostgreSQL (db.ts). It owns the rules that decide
 * what the lists say:
 *
 *   supported(h) = h is in an active case, or a live reporter key reported or confirmed it
 *   reported     = supported and not rejected by a reviewer
 *   confirmed    = reported and (confirmed by a reviewer, or positive verdicts from at least
 *                  `confirmThreshold` distinct live reporter keys and no dispute)
 *
 * Every change that can move a hash in or out of a list recomputes the affected hashes inside
 * the same transaction and writes list_entries rows with fresh sequence numbers; a withdrawn
 * case's hashes therefore leave both lists at the next delta (unless trusted reporters
 * independently reported them).
 */
import type { HashKind } from '../../shared/hash/types';
import type { ListName } from '../../shared/match/types';
import { LIST_NAMES } from '../../shared/match/types';
import { KIND_IDS } from '../../shared/registry/listFormat';
import type { CaseStatus, PhotoStatus, ReportVerdict } from '../../shared/registry/wire';
import type { Db, Row } from './db';
import { PostgresDb, SqliteDb } from './db';
import { schemaSql } from './schema';

export interface HashInput {
  kind: HashKind;
  hash: Uint8Array;
  quality?: number;
  /** Which photo of a submission the hash belongs to (0-based; cases only, 0 when absent). */
  photo?: number;
}

export interface FloodPolicy {
  windowMs: number;
  /** Cases per source per window before new ones are quarantined; 0 = no limit. */
  maxCases: number;
  /** Listed hashes per source per window before new cases are quarantined; 0 = no limit. */
  maxHashes: number;
}

export interface CaseRow {
  id: string;
  secretHash: string;
  status: CaseStatus;
  listed: number;
  createdAt: number;
}

export type KeyRole = 'reporter' | 'reviewer';

export interface ApiKeyRow {
  id: string;
  role: KeyRole;
  secretHash: string;
  label: string;
  createdAt: number;
  revokedAt: number | null;
}

export interface ListRow {
  /** The hash's id in the registry (stable across removal and re-listing). */
  id: number;
  kind: number;
  hash: Uint8Array;
  quality: number | null;
  seq: number;
  present: boolean;
}

export const LIST_DB_IDS: Readonly<Record<ListName, number>> = { reported: 1, confirmed: 2 };
const LIST_BY_DB_ID: Record<number, ListName> = { 1: 'reported', 2: 'confirmed' };
const CHUNK = 200;

const num = (v: unknown): number => Number(v);
const bytes = (v: unknown): Uint8Array => (v instanceof Uint8Array ? v : new Uint8Array(0));
const keyOf = (kind: number, hash: Uint8Array): string => `${kind}:${Buffer.from(hash).toString('hex')}`;
const placeholders = (n: number, per = 1): string =>
  Array.from({ length: n }, () => (per === 1 ? '?' : `(${Array(per).fill('?').join(', ')})`)).join(', ');

export class RegistryStore {
  readonly db: Db;
  confirmThreshold: number;

  constructor(db: Db, confirmThreshold = 2) {
    this.db = db;
    this.confirmThreshold = confirmThreshold;
  }

  static async open(opts: { sqliteFile?: string; databaseUrl?: string; schema?: string; confirmThreshold?: number }): Promise<RegistryStore> {
    let db: Db;
    if (opts.databaseUrl) {
      const pgDb = new PostgresDb(opts.databaseUrl, opts.schema);
      try {
        await pgDb.migrate(schemaSql('postgres'));
      } catch (err) {
        await pgDb.close();
        throw err;
      }
      db = pgDb;
    } else {
      if (!opts.sqliteFile) throw new Error('Either a SQLite file or a database URL is needed.');
      const sqlite = new SqliteDb(opts.sqliteFile);
      sqlite.exec(schemaSql('sqlite'));
      db = sqlite;
    }
    return new RegistryStore(db, opts.confirmThreshold);
  }

  close(): Promise<void> {
    return this.db.close();
  }

  // ---- meta ------------------------------------------------------------------------------

  async metaGet(k: string): Promise<string | null> {
    const rows = await this.db.all('SELECT v FROM meta WHERE k = ?', [k]);
    return rows.length ? String(rows[0].v) : null;
  }

  /** Sets k to v unless it is already set; returns the value that is set now. */
  async metaInit(k: string, v: string): Promise<string> {
    await this.db.run('INSERT INTO meta (k, v) VALUES (?, ?) ON CONFLICT (k) DO NOTHING', [k, v]);
    return (await this.metaGet(k)) ?? v;
  }

  // ---- cases -----------------------------------------------------------------------------

  /** Stores a case and its listable hashes; quarantines it when its source floods. */
  async createCase(input: { caseId: string; secretHash: string; source: string; hashes: HashInput[]; now: number; flood: FloodPolicy }): Promise<CaseStatus> {
    return this.db.transaction(async (tx) => {
      await lockLists(tx);
      const { flood, now } = input;
      let status: CaseStatus = 'active';
      if (flood.maxCases > 0 || flood.maxHashes > 0) {
        const [r] = await tx.all('SELECT count(*) AS n, coalesce(sum(listed), 0) AS listed FROM cases WHERE source = ? AND created_at > ?', [
          input.source,
          now - flood.windowMs,
        ]);
        if ((flood.maxCases > 0 && num(r.n) >= flood.maxCases) || (flood.maxHashes > 0 && num(r.listed) + input.hashes.length > flood.maxHashes)) {
          status = 'quarantined';
        }
      }
      await tx.run('INSERT INTO cases (id, secret_hash, status, source, listed, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
        input.caseId,
        input.secretHash,
        status,
        input.source,
        input.hashes.length,
        now,
        now,
      ]);
      const { ids, byKey } = await upsertHashes(tx, input.hashes, now);
      for (let i = 0; i < ids.length; i += CHUNK) {
        const part = ids.slice(i, i + CHUNK);
        await tx.run(`INSERT INTO case_hashes (case_id, hash_id) VALUES ${placeholders(part.length, 2)} ON CONFLICT DO NOTHING`, part.flatMap((id) => [input.caseId, id]));
      }
      // Per photo: the distinct hashes it holds (a hash shared by two photos counts for both).
      const perPhoto = new Map<number, Set<number>>();
      for (const h of input.hashes) {
        const photo = h.photo ?? 0;
        let set = perPhoto.get(photo);
        if (!set) perPhoto.set(photo, (set = new Set()));
        set.add(byKey.get(keyOf(KIND_IDS[h.kind], h.hash))!);
      }
      const pairs = [...perPhoto].flatMap(([photo, set]) => [...set].map((id) => [input.caseId, photo, id]));
      for (let i = 0; i < pairs.length; i += CHUNK) {
        const part = pairs.slice(i, i + CHUNK);
        await tx.run(`INSERT INTO case_photo_hashes (case_id, photo, hash_id) VALUES ${placeholders(part.length, 3)}`, part.flat());
      }
      const counts = [...perPhoto].map(([photo, set]) => [input.caseId, photo, set.size]);
      for (let i = 0; i < counts.length; i += CHUNK) {
        const part = counts.slice(i, i + CHUNK);
        await tx.run(`INSERT INTO case_photos (case_id, photo, hashes) VALUES ${placeholders(part.length, 3)}`, part.flat());
      }
      if (status === 'active') await this.recompute(tx, ids, now);
      return status;
    });
  }

  async getCase(caseId: string): Promise<CaseRow | null> {
    const rows = await this.db.all('SELECT id, secret_hash, status, listed, created_at FROM cases WHERE id = ?', [caseId]);
    if (!rows.length) return null;
    const r = rows[0];
    return { id: String(r.id), secretHash: String(r.secret_hash), status: r.status as CaseStatus, listed: num(r.listed), createdAt: num(r.created_at) };
  }

  async caseLists(caseId: string): Promise<ListName[]> {
    const rows = await this.db.all(
      'SELECT DISTINCT le.list AS list FROM case_hashes ch JOIN list_entries le ON le.hash_id = ch.hash_id AND le.present = 1 WHERE ch.case_id = ? ORDER BY le.list',
      [caseId],
    );
    return rows.map((r) => LIST_BY_DB_ID[num(r.list)]);
  }

  /**
   * Each photo of a case, ascending: its distinct hashes, the lists they are on now, and a state
   * that follows the case's status. For an active case the list rules leave one reason for a
   * photo to be on no list: a reviewer rejected each of its hashes (supported and not rejected
   * means reported), so that photo is 'rejected'. Withdrawn and rejected cases no longer link
   * to any hash, so their photos are on no list through the case. Cases stored before photos
   * were recorded answer an empty array.
   */
  async casePhotos(caseId: string, status: CaseStatus): Promise<PhotoStatus[]> {
    const photos = await this.db.all('SELECT photo, hashes FROM case_photos WHERE case_id = ? ORDER BY photo', [caseId]);
    const lists = new Map<number, ListName[]>();
    for (const r of await this.db.all(
      `SELECT DISTINCT cph.photo AS photo, le.list AS list FROM case_photo_hashes cph
       JOIN list_entries le ON le.hash_id = cph.hash_id AND le.present = 1 WHERE cph.case_id = ? ORDER BY cph.photo, le.list`,
      [caseId],
    )) {
      const photo = num(r.photo);
      const l = lists.get(photo) ?? [];
      l.push(LIST_BY_DB_ID[num(r.list)]);
      lists.set(photo, l);
    }
    return photos.map((r) => {
      const photo = num(r.photo);
      const on = lists.get(photo) ?? [];
      const state: PhotoStatus['state'] = status === 'active' ? (on.length ? 'listed' : 'rejected') : status;
      return { photo, hashes: num(r.hashes), lists: on, state };
    });
  }

  /** Withdraws a case: its hashes leave the lists unless something else supports them. */
  async setCaseStatus(caseId: string, status: CaseStatus, now: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await lockLists(tx);
      const changed = await tx.run('UPDATE cases SET status = ?, updated_at = ? WHERE id = ? AND status <> ?', [status, now, caseId, status]);
      if (!changed) return false;
      const ids = (await tx.all('SELECT hash_id FROM case_hashes WHERE case_id = ?', [caseId])).map((r) => num(r.hash_id));
      // Withdrawn and rejected cases give up their hashes: nothing of them stays linked.
      if (status === 'withdrawn' || status === 'rejected') {
        await tx.run('DELETE FROM case_hashes WHERE case_id = ?', [caseId]);
        await tx.run('DELETE FROM case_photo_hashes WHERE case_id = ?', [caseId]);
      }
      await this.recompute(tx, ids, now);
      return true;
    });
  }

  // ---- keys ------------------------------------------------------------------------------

  async createApiKey(row: Omit<ApiKeyRow, 'revokedAt'>): Promise<void> {
    await this.db.run('INSERT INTO api_keys (id, role, secret_hash, label, created_at) VALUES (?, ?, ?, ?, ?)', [row.id, row.role, row.secretHash, row.label, row.createdAt]);
  }

  async getApiKey(id: string): Promise<ApiKeyRow | null> {
    const rows = await this.db.all('SELECT id, role, secret_hash, label, created_at, revoked_at FROM api_keys WHERE id = ?', [id]);
    return rows.length ? toKey(rows[0]) : null;
  }

  async listApiKeys(): Promise<ApiKeyRow[]> {
    return (await this.db.all('SELECT id, role, secret_hash, label, created_at, revoked_at FROM api_keys ORDER BY created_at, id')).map(toKey);
  }

  /** Revokes a key; the hashes it vouched for are recomputed without it. */
  async revokeApiKey(id: string, now: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await lockLists(tx);
      const changed = await tx.run('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [now, id]);
      if (!changed) return false;
      const ids = (await tx.all('SELECT hash_id FROM reports WHERE key_id = ?', [id])).map((r) => num(r.hash_id));
      await this.recompute(tx, ids, now);
      return true;
    });
  }

  // ---- reports and review ----------------------------------------------------------------

  /**
   * Records one key's verdict on hashes. 'report' and 'confirm' create unknown hashes;
   * 'dispute' only applies to hashes the registry knows. Returns how many were applied.
   */
  async report(keyId: string, verdict: ReportVerdict, hashes: HashInput[], now: number, review?: 'confirmed'): Promise<{ applied: number; unknown: number }> {
    return this.db.transaction(async (tx) => {
      await lockLists(tx);
      let ids: number[];
      if (verdict === 'dispute') ids = await findHashes(tx, hashes);
      else ids = (await upsertHashes(tx, hashes, now)).ids;
      for (let i = 0; i < ids.length; i += CHUNK) {
        const part = ids.slice(i, i + CHUNK);
        await tx.run(
          `INSERT INTO reports (hash_id, key_id, verdict, at) VALUES ${placeholders(part.length, 4)} ON CONFLICT (hash_id, key_id) DO UPDATE SET verdict = excluded.verdict, at = excluded.at`,
          part.flatMap((id) => [id, keyId, verdict, now]),
        );
        if (review) await tx.run(`UPDATE hashes SET review = ? WHERE id IN (${placeholders(part.length)})`, [review, ...part]);
      }
      await this.recompute(tx, ids, now);
      return { applied: ids.length, unknown: hashes.length - ids.length };
    });
  }

  async reviewHash(hashId: number, decision: 'confirmed' | 'rejected' | 'pending', now: number): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      await lockLists(tx);
      const changed = await tx.run('UPDATE hashes SET review = ? WHERE id = ?', [decision, hashId]);
      if (!changed) return false;
      await this.recompute(tx, [hashId], now);
      return true;
    });
  }

  /** Hashes listed as reported and waiting for a reviewer, oldest first, plus quarantined cases. */
  async reviewQueue(limit: number): Promise<{ hashes: QueueHash[]; cases: { caseId: string; listed: number; createdAt: number }[] }> {
    const rows = await this.db.all(
      `SELECT h.id AS id, h.kind AS kind, h.hash AS hash, h.quality AS quality, h.created_at AS created_at
       FROM hashes h JOIN list_entries le ON le.hash_id = h.id AND le.list = 1 AND le.present = 1
       WHERE h.review = 'pending'
         AND NOT EXISTS (SELECT 1 FROM list_entries c WHERE c.hash_id = h.id AND c.list = 2 AND c.present = 1)
       ORDER BY h.created_at, h.id LIMIT ?`,
      [limit],
    );
    const ids = rows.map((r) => num(r.id));
    const counts = new Map<number, { cases: number; report: number; confirm: number; dispute: number }>();
    for (const id of ids) counts.set(id, { cases: 0, report: 0, confirm: 0, dispute: 0 });
    if (ids.length) {
      for (const r of await this.db.all(`SELECT hash_id, count(*) AS n FROM case_hashes WHERE hash_id IN (${placeholders(ids.length)}) GROUP BY hash_id`, ids)) {
        counts.get(num(r.hash_id))!.cases = num(r.n);
      }
      for (const r of await this.db.all(`SELECT hash_id, verdict, count(*) AS n FROM reports WHERE hash_id IN (${placeholders(ids.length)}) GROUP BY hash_id, verdict`, ids)) {
        counts.get(num(r.hash_id))![r.verdict as ReportVerdict] = num(r.n);
      }
    }
    const cases = await this.db.all("SELECT id, listed, created_at FROM cases WHERE status = 'quarantined' ORDER BY created_at, id LIMIT ?", [limit]);
    return {
      hashes: rows.map((r) => ({
        id: num(r.id),
        kind: num(r.kind),
        hash: bytes(r.hash),
        quality: r.quality === null ? null : num(r.quality),
        createdAt: num(r.created_at),
        ...counts.get(num(r.id))!,
      })),
      cases: cases.map((r) => ({ caseId: String(r.id), listed: num(r.listed), createdAt: num(r.created_at) })),
    };
  }

  // ---- lists -----------------------------------------------------------------------------

  async listInfo(list: ListName): Promise<{ seq: number; count: number }> {
    const l = LIST_DB_IDS[list];
    const [a] = await this.db.all('SELECT coalesce(max(seq), 0) AS seq FROM list_entries WHERE list = ?', [l]);
    const [b] = await this.db.all('SELECT value FROM counters WHERE name = ?', [`count:${l}`]);
    return { seq: num(a.seq), count: b ? num(b.value) : 0 };
  }

  /** The list's sequence number alone (an index lookup). */
  async listSeq(list: ListName): Promise<number> {
    const [a] = await this.db.all('SELECT coalesce(max(seq), 0) AS seq FROM list_entries WHERE list = ?', [LIST_DB_IDS[list]]);
    return num(a.seq);
  }

  /**
   * Reads a list consistently: the whole list (since = null) or the changes after `since`,
   * ascending by (kind, hash), in pages. Returns the list's sequence number and the time of its
   * last change (the file header's "created at", so every instance builds identical bytes).
   */
  async readList(list: ListName, since: number | null, onRows: (rows: ListRow[]) => void, pageSize = 20_000): Promise<{ toSeq: number; changedAt: number; rows: number }> {
    const l = LIST_DB_IDS[list];
    return this.db.readTransaction(async (tx) => {
      const last = await tx.all('SELECT seq, changed_at FROM list_entries WHERE list = ? ORDER BY seq DESC LIMIT 1', [l]);
      const toSeq = last.length ? num(last[0].seq) : 0;
      const changedAt = last.length ? num(last[0].changed_at) : 0;
      let after: [number, Uint8Array] | null = null;
      let total = 0;
      for (;;) {
        const cond = since === null ? 'present = 1' : 'seq > ?';
        const params: unknown[] = since === null ? [l] : [l, since];
        let sql = `SELECT hash_id, kind, hash, quality, seq, present FROM list_entries WHERE list = ? AND ${cond}`;
        if (after) {
          // A row-value comparison: both databases turn it into an index range (an OR would rescan).
          sql += ' AND (kind, hash) > (?, ?)';
          params.push(after[0], after[1]);
        }
        sql += ' ORDER BY kind, hash LIMIT ?';
        params.push(pageSize);
        const rows = await tx.allRaw(sql, params);
        if (!rows.length) break;
        const out = rows.map((r) => ({ id: num(r[0]), kind: num(r[1]), hash: bytes(r[2]), quality: r[3] === null ? null : num(r[3]), seq: num(r[4]), present: num(r[5]) === 1 }));
        onRows(out);
        total += out.length;
        const tail = out[out.length - 1];
        after = [tail.kind, tail.hash];
        if (rows.length < pageSize) break;
        // SQLite answers synchronously: without a real yield a million-row read would hold
        // the event loop (and every request) until it is done.
        await new Promise((resolve) => setImmediate(resolve));
      }
      return { toSeq, changedAt, rows: total };
    });
  }

  async countChangesSince(list: ListName, since: number): Promise<number> {
    const [r] = await this.db.all('SELECT count(*) AS n FROM list_entries WHERE list = ? AND seq > ?', [LIST_DB_IDS[list], since]);
    return num(r.n);
  }

  async stats(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const r of await this.db.all('SELECT status, count(*) AS n FROM cases GROUP BY status')) out[`cases_${String(r.status)}`] = num(r.n);
    for (const r of await this.db.all('SELECT count(*) AS n FROM hashes')) out.hashes = num(r.n);
    for (const r of await this.db.all('SELECT role, count(*) AS n FROM api_keys WHERE revoked_at IS NULL GROUP BY role')) out[`keys_${String(r.role)}`] = num(r.n);
    for (const list of LIST_NAMES) {
      const info = await this.listInfo(list);
      out[`list_${list}_entries`] = info.count;
      out[`list_${list}_seq`] = info.seq;
    }
    return out;
  }

  /** Brings list_entries in line with the rules for these hashes (caller holds the list lock). */
  private async recompute(tx: Db, hashIds: number[], now: number): Promise<void> {
    const unique = [...new Set(hashIds)].sort((a, b) => a - b);
    for (let i = 0; i < unique.length; i += CHUNK) await this.recomputeChunk(tx, unique.slice(i, i + CHUNK), now);
  }

  private async recomputeChunk(tx: Db, ids: number[], now: number): Promise<void> {
    if (!ids.length) return;
    const ph = placeholders(ids.length);
    const info = new Map<number, { kind: number; hash: Uint8Array; quality: number | null; review: string; active: number; positive: number; disputes: number }>();
    for (const r of await tx.all(`SELECT id, kind, hash, quality, review FROM hashes WHERE id IN (${ph})`, ids)) {
      info.set(num(r.id), { kind: num(r.kind), hash: bytes(r.hash), quality: r.quality === null ? null : num(r.quality), review: String(r.review), active: 0, positive: 0, disputes: 0 });
    }
    const active = await tx.all(
      `SELECT ch.hash_id AS id, count(*) AS n FROM case_hashes ch JOIN cases c ON c.id = ch.case_id WHERE ch.hash_id IN (${ph}) AND c.status = 'active' GROUP BY ch.hash_id`,
      ids,
    );
    for (const r of active) info.get(num(r.id))!.active = num(r.n);
    const reports = await tx.all(
      `SELECT r.hash_id AS id, r.verdict AS verdict, count(*) AS n FROM reports r JOIN api_keys k ON k.id = r.key_id
       WHERE r.hash_id IN (${ph}) AND k.revoked_at IS NULL GROUP BY r.hash_id, r.verdict`,
      ids,
    );
    for (const r of reports) {
      const h = info.get(num(r.id))!;
      if (r.verdict === 'dispute') h.disputes += num(r.n);
      else h.positive += num(r.n);
    }
    const current = new Map<string, { present: boolean; quality: number | null }>();
    for (const r of await tx.all(`SELECT hash_id, list, present, quality FROM list_entries WHERE hash_id IN (${ph})`, ids)) {
      current.set(`${num(r.list)}:${num(r.hash_id)}`, { present: num(r.present) === 1, quality: r.quality === null ? null : num(r.quality) });
    }
    const changes: unknown[][] = [];
    const countDelta = new Map<number, number>();
    for (const id of ids) {
      const h = info.get(id);
      if (!h) continue;
      const supported = h.active > 0 || h.positive > 0;
      const reported = supported && h.review !== 'rejected';
      const confirmed = reported && (h.review === 'confirmed' || (h.positive >= this.confirmThreshold && h.disputes === 0));
      for (const [list, want] of [
        [LIST_DB_IDS.reported, reported],
        [LIST_DB_IDS.confirmed, confirmed],
      ] as const) {
        const cur = current.get(`${list}:${id}`);
        const changed = want ? !cur || !cur.present || cur.quality !== h.quality : cur !== undefined && cur.present;
        if (changed) changes.push([list, id, h.kind, h.hash, h.quality, 0, want ? 1 : 0, now]);
        const was = cur !== undefined && cur.present;
        if (was !== want) countDelta.set(list, (countDelta.get(list) ?? 0) + (want ? 1 : -1));
      }
    }
    if (!changes.length) return;
    const [r] = await tx.all("UPDATE counters SET value = value + ? WHERE name = 'seq' RETURNING value", [changes.length]);
    const first = num(r.value) - changes.length + 1;
    changes.forEach((c, i) => (c[5] = first + i));
    await tx.run(
      `INSERT INTO list_entries (list, hash_id, kind, hash, quality, seq, present, changed_at) VALUES ${placeholders(changes.length, 8)}
       ON CONFLICT (list, hash_id) DO UPDATE SET quality = excluded.quality, seq = excluded.seq, present = excluded.present, changed_at = excluded.changed_at`,
      changes.flat(),
    );
    for (const [list, d] of countDelta) if (d !== 0) await tx.run('UPDATE counters SET value = value + ? WHERE name = ?', [d, `count:${list}`]);
  }
}

export interface QueueHash {
  id: number;
  kind: number;
  hash: Uint8Array;
  quality: number | null;
  createdAt: number;
  cases: number;
  report: number;
  confirm: number;
  dispute: number;
}

/** Serialises list-changing transactions (PostgreSQL; SQLite already has one writer). */
async function lockLists(tx: Db): Promise<void> {
  if (tx.dialect === 'postgres') await tx.all("SELECT value FROM counters WHERE name = 'seq' FOR UPDATE");
}

function dedupe(hashes: HashInput[]): HashInput[] {
  const seen = new Map<string, HashInput>();
  for (const h of hashes) {
    const k = keyOf(KIND_IDS[h.kind], h.hash);
    const prev = seen.get(k);
    if (!prev || (h.quality ?? -1) > (prev.quality ?? -1)) seen.set(k, h);
  }
  return [...seen.values()];
}

/** Inserts unknown hashes, raises known ones' quality; returns their ids, also by keyOf. */
async function upsertHashes(tx: Db, hashes: HashInput[], now: number): Promise<{ ids: number[]; byKey: Map<string, number> }> {
  const list = dedupe(hashes);
  const ids: number[] = [];
  const byKey = new Map<string, number>();
  for (let i = 0; i < list.length; i += CHUNK) {
    const part = list.slice(i, i + CHUNK);
    const rows = await tx.all(
      `INSERT INTO hashes (kind, hash, quality, created_at) VALUES ${placeholders(part.length, 4)}
       ON CONFLICT (kind, hash) DO UPDATE SET quality = CASE
         WHEN excluded.quality IS NULL THEN hashes.quality
         WHEN hashes.quality IS NULL OR excluded.quality > hashes.quality THEN excluded.quality
         ELSE hashes.quality END
       RETURNING id, kind, hash`,
      part.flatMap((h) => [KIND_IDS[h.kind], h.hash, h.quality ?? null, now]),
    );
    // Neither database promises RETURNING in VALUES order, so ids are matched by (kind, hash).
    for (const r of rows) {
      ids.push(num(r.id));
      byKey.set(keyOf(num(r.kind), bytes(r.hash)), num(r.id));
    }
  }
  return { ids, byKey };
}

async function findHashes(tx: Db, hashes: HashInput[]): Promise<number[]> {
  const ids: number[] = [];
  for (const h of dedupe(hashes)) {
    const rows = await tx.all('SELECT id FROM hashes WHERE kind = ? AND hash = ?', [KIND_IDS[h.kind], h.hash]);
    if (rows.length) ids.push(num(rows[0].id));
  }
  return ids;
}

function toKey(r: Row): ApiKeyRow {
  return {
    id: String(r.id),
    role: r.role as KeyRole,
    secretHash: String(r.secret_hash),
    label: String(r.label),
    createdAt: num(r.created_at),
    revokedAt: r.revoked_at === null || r.revoked_at === undefined ? null : num(r.revoked_at),
  };
}
