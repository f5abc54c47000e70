/**
 * Registry benchmarks (issue 3), printed, never asserted:
 *  - submissions per second, SQLite and PostgreSQL: the real server (`veil registry serve`) in a
 *    child process, load from this process with autocannon (one photo, 2 hashes, per request);
 *  - snapshot size (bytes per entry, raw and compressed) and build time at 1M entries;
 *  - delta size and build time for 1,000 changes;
 *  - /v1/match requests per second at 1M entries (server in a child process, autocannon here);
 *  - snapshot downloads per second, full and answered 304 by ETag.
 * Standalone: `npx tsx bench/registry.ts [entries]`.
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { ListService } from '../registry/lists';
import { loadOrCreateSigningKeys, signingKeyPath } from '../registry/signing';
import { LIST_DB_IDS, RegistryStore } from '../registry/store/store';
import { KIND_IDS } from '../shared/registry/listFormat';
import { spawnRegistry, type RegistryProcess } from '../test/support/registryProcess';

const PG_URL = process.env.VEIL_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  throughput: { average: number };
  non2xx: number;
  errors: number;
  duration: number;
  '2xx': number;
  '3xx'?: number;
}
type AutocannonRequest = { method?: string; path?: string; body?: string; headers?: Record<string, string> };
type Autocannon = (opts: Record<string, unknown>) => Promise<AutocannonResult>;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

function hashHex(): string {
  // Random bits: about half set, so the usability gates pass.
  return randomBytes(32).toString('hex');
}

function photoBody(): string {
  return JSON.stringify({ hashes: [{ kind: 'pdq', hash: hashHex(), quality: 90 }, { kind: 'blockhash', hash: hashHex() }] });
}

function serve(dataDir: string, env: NodeJS.ProcessEnv = {}, args: string[] = []): Promise<RegistryProcess> {
  return spawnRegistry(dataDir, { env, args });
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

function row(name: string, value: string): void {
  console.log(`  ${name.padEnd(44)} ${value}`);
}

async function loadSubmissions(url: string, durationS: number): Promise<AutocannonResult> {
  return autocannon({
    url: `${url}/v1/submissions`,
    connections: 16,
    duration: durationS,
    requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, setupRequest: (req: AutocannonRequest) => ({ ...req, body: photoBody() }) }],
  });
}

function printLoad(name: string, r: AutocannonResult): void {
  row(name, `${(r['2xx'] / r.duration).toFixed(0)} req/s (p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, non-2xx ${r.non2xx}, errors ${r.errors})`);
}

async function pgReachable(): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    return true;
  } catch {
    return false;
  } finally {
    await c.end().catch(() => undefined);
  }
}

/** Fills list `reported` with n random entries straight through SQL (the API path is measured above). */
async function populate(store: RegistryStore, n: number): Promise<void> {
  const CHUNK = 500;
  const now = Date.now();
  await store.db.transaction(async (tx) => {
    for (let i = 0; i < n; i += CHUNK) {
      const m = Math.min(CHUNK, n - i);
      const hashes: unknown[] = [];
      const entries: unknown[] = [];
      for (let j = 0; j < m; j++) {
        const id = i + j + 1;
        const kind = id % 2 ? KIND_IDS.pdq : KIND_IDS.blockhash;
        const hash = randomBytes(32);
        const quality = kind === KIND_IDS.pdq ? 70 + (id % 31) : null;
        hashes.push(id, kind, hash, quality, now);
        entries.push(LIST_DB_IDS.reported, id, kind, hash, quality, id, 1, now);
      }
      await tx.run(`INSERT INTO hashes (id, kind, hash, quality, created_at) VALUES ${Array(m).fill('(?, ?, ?, ?, ?)').join(', ')}`, hashes);
      await tx.run(`INSERT INTO list_entries (list, hash_id, kind, hash, quality, seq, present, changed_at) VALUES ${Array(m).fill('(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`, entries);
    }
    await tx.run("UPDATE counters SET value = ? WHERE name = 'seq'", [n]);
    await tx.run("UPDATE counters SET value = ? WHERE name = 'count:1'", [n]);
  });
}

/** 500 removals and 500 additions, with fresh sequence numbers. */
async function change1000(store: RegistryStore, n: number): Promise<void> {
  const now = Date.now();
  await store.db.transaction(async (tx) => {
    let seq = n;
    for (let i = 0; i < 500; i++) await tx.run('UPDATE list_entries SET present = 0, seq = ?, changed_at = ? WHERE list = 1 AND hash_id = ?', [++seq, now, 1 + i * 97]);
    for (let i = 0; i < 500; i++) {
      const id = n + 1 + i;
      const hash = randomBytes(32);
      await tx.run('INSERT INTO hashes (id, kind, hash, quality, created_at) VALUES (?, ?, ?, ?, ?)', [id, KIND_IDS.pdq, hash, 90, now]);
      await tx.run('INSERT INTO list_entries (list, hash_id, kind, hash, quality, seq, present, changed_at) VALUES (1, ?, ?, ?, 90, ?, 1, ?)', [id, KIND_IDS.pdq, hash, ++seq, now]);
    }
    await tx.run("UPDATE counters SET value = ? WHERE name = 'seq'", [seq]);
  });
}

export async function benchRegistry(entries = 1_000_000, durationS = 10): Promise<void> {
  console.log(`Registry benchmarks (Node ${process.version}, ${os.cpus().length} CPUs; load from this process with autocannon, server in a child process)`);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'veil-bench-registry-'));
  try {
    // 1. Submissions per second.
    {
      const s = await serve(path.join(tmp, 'sqlite'));
      try {
        printLoad('submissions, SQLite (WAL, fsync per commit)', await loadSubmissions(s.url, durationS));
      } finally {
        await stop(s.child);
      }
    }
    if (await pgReachable()) {
      const schema = `veil_bench_${process.pid}`;
      const s = await serve(path.join(tmp, 'pg'), { VEIL_DATABASE_SCHEMA: schema }, ['--database-url', PG_URL]);
      try {
        printLoad('submissions, PostgreSQL', await loadSubmissions(s.url, durationS));
      } finally {
        await stop(s.child);
        const c = new pg.Client({ connectionString: PG_URL });
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await c.end();
      }
    } else row('submissions, PostgreSQL', `skipped: no PostgreSQL at ${PG_URL}`);

    // 2. Snapshot and delta at `entries` entries.
    const big = path.join(tmp, 'big');
    const store = await RegistryStore.open({ sqliteFile: path.join(big, 'registry.sqlite') });
    const { keys } = await loadOrCreateSigningKeys(signingKeyPath(big));
    let t0 = performance.now();
    await populate(store, entries);
    // A live registry's WAL is checkpointed as it goes; one giant fill transaction leaves it all in the WAL.
    await store.db.all('PRAGMA wal_checkpoint(TRUNCATE)');
    row(`fill ${entries} entries by SQL (setup, not a result)`, `${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const lists = new ListService(store, keys, { snapshotMaxAgeMs: 0 });
    const snap = await lists.snapshot('reported');
    row(`snapshot build + sign, ${entries} entries`, `${(snap.buildMs / 1000).toFixed(2)} s`);
    row('snapshot size, raw', `${snap.bytes.length} bytes = ${(snap.bytes.length / entries).toFixed(2)} bytes/entry`);
    for (const enc of ['gzip', 'br'] as const) {
      t0 = performance.now();
      const body = await snap.body(enc);
      row(`snapshot size, ${enc}`, `${body.length} bytes = ${(body.length / entries).toFixed(2)} bytes/entry (${((performance.now() - t0) / 1000).toFixed(2)} s to compress)`);
    }
    const seqBefore = snap.seq;
    await change1000(store, entries);
    const delta = await lists.delta('reported', seqBefore);
    row('delta for 1,000 changes (500 adds, 500 removals)', `${delta.bytes.length} bytes raw, ${(await delta.body('gzip')).length} gzip; build ${delta.buildMs.toFixed(0)} ms`);
    const next = await lists.snapshot('reported');
    row('next snapshot after them (last one + changes)', `${(next.buildMs / 1000).toFixed(2)} s`);
    await store.close();

    // 3. /v1/match and list downloads at `entries` entries, from a second process.
    const s = await serve(big);
    try {
      row(`server start with ${entries} entries (listening)`, `${(s.startMs / 1000).toFixed(1)} s`);
      const t1 = performance.now();
      const probe = await fetch(`${s.url}/v1/match`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: photoBody() });
      row('first /v1/match (waits for the index to load)', `${((performance.now() - t1) / 1000).toFixed(1)} s`);
      if (probe.status === 200) {
        const r = await autocannon({
          url: `${s.url}/v1/match`,
          connections: 16,
          duration: durationS,
          requests: [{ method: 'POST', headers: { 'content-type': 'application/json' }, setupRequest: (req: AutocannonRequest) => ({ ...req, body: photoBody() }) }],
        });
        printLoad(`/v1/match at ${entries} entries`, r);
      } else row(`/v1/match at ${entries} entries`, `not measured: the server answered ${probe.status}`);
      const first = await fetch(`${s.url}/v1/lists/reported/snapshot`);
      const etag = first.headers.get('etag') ?? '';
      await first.arrayBuffer();
      const full = await autocannon({ url: `${s.url}/v1/lists/reported/snapshot`, connections: 4, duration: Math.max(3, durationS / 2) });
      row('snapshot downloads (full, identity)', `${(full['2xx'] / full.duration).toFixed(1)} req/s, ${(full.throughput.average / 1e6).toFixed(0)} MB/s`);
      const cached = await autocannon({ url: `${s.url}/v1/lists/reported/snapshot`, connections: 16, duration: Math.max(3, durationS / 2), headers: { 'if-none-match': etag } });
      row('snapshot requests answered 304 (ETag)', `${(cached.requests.total / cached.duration).toFixed(0)} req/s`);
    } finally {
      await stop(s.child);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchRegistry(Number(process.argv[2] ?? 1_000_000), Number(process.argv[3] ?? 10)).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
