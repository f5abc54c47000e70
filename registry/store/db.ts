/**
 * The smallest database surface the registry's store needs, implemented over SQLite
 * (better-sqlite3, the embedded default) and PostgreSQL (pg, for several instances). SQL is
 * written once with `?` placeholders; the PostgreSQL side numbers them.
 *
 * Write transactions that touch lists are serialised: on SQLite by an in-process queue plus
 * BEGIN IMMEDIATE (one writer per file anyway), on PostgreSQL by locking the sequence counter
 * row first (see store.ts), so sequence numbers are handed out in commit order and a client
 * that has seen seq N can never later miss a change numbered below N.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';

export type Row = Record<string, unknown>;

export interface Db {
  readonly dialect: 'sqlite' | 'postgres';
  all(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Rows as arrays in column order: no object per row (large reads). */
  allRaw(sql: string, params?: unknown[]): Promise<unknown[][]>;
  run(sql: string, params?: unknown[]): Promise<number>;
  /** Runs fn in a write transaction; commits (durably) before resolving. */
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /** Runs fn over one consistent snapshot of the data. */
  readTransaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** A FIFO lock: one holder at a time, in arrival order. */
class Queue {
  private tail: Promise<void> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
}

export class SqliteDb implements Db {
  readonly dialect = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly queue = new Queue();
  private readonly cache = new Map<string, Database.Statement>();
  private readonly rawCache = new Map<string, Database.Statement>();

  constructor(file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.db = new Database(file);
    // WAL: readers never block the writer. synchronous=FULL: COMMIT returns only after the WAL
    // is fsynced, so an acknowledged submission survives kill -9 and power loss alike.
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
  }

  private stmt(sql: string): Database.Statement {
    let s = this.cache.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.cache.set(sql, s);
    }
    return s;
  }

  async all(sql: string, params: unknown[] = []): Promise<Row[]> {
    return this.stmt(sql).all(...params.map(toSqlite)) as Row[];
  }

  async allRaw(sql: string, params: unknown[] = []): Promise<unknown[][]> {
    // A separate statement object: raw mode is a property of the statement.
    let s = this.rawCache.get(sql);
    if (!s) {
      s = this.db.prepare(sql).raw(true);
      this.rawCache.set(sql, s);
    }
    return s.all(...params.map(toSqlite)) as unknown[][];
  }

  async run(sql: string, params: unknown[] = []): Promise<number> {
    return this.stmt(sql).run(...params.map(toSqlite)).changes;
  }

  exec(sql: string): void {
    this.db.exec(sql);
  }

  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return this.queue.run(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const out = await fn(this);
        this.db.exec('COMMIT');
        return out;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  readTransaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return this.queue.run(async () => {
      this.db.exec('BEGIN');
      try {
        return await fn(this);
      } finally {
        if (this.db.inTransaction) this.db.exec('COMMIT');
      }
    });
  }

  async close(): Promise<void> {
    await this.queue.run(async () => {
      this.db.close();
    });
  }
}

function toSqlite(v: unknown): unknown {
  if (v instanceof Uint8Array && !Buffer.isBuffer(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
}

function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function toPg(v: unknown): unknown {
  if (v instanceof Uint8Array && !Buffer.isBuffer(v)) return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
}

// BIGINT (int8) and NUMERIC come back as strings by default; every value the registry keeps in
// them (sequence numbers, milliseconds, counts) is below 2^53, so numbers are exact.
const pgTypes = {
  getTypeParser(oid: number, format?: string) {
    if (oid === 20 || oid === 1700) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

class PgClientDb implements Db {
  readonly dialect = 'postgres' as const;
  constructor(private readonly client: pg.PoolClient) {}
  async all(sql: string, params: unknown[] = []): Promise<Row[]> {
    return (await this.client.query({ text: numberPlaceholders(sql), values: params.map(toPg), types: pgTypes })).rows as Row[];
  }
  async allRaw(sql: string, params: unknown[] = []): Promise<unknown[][]> {
    return (await this.client.query({ text: numberPlaceholders(sql), values: params.map(toPg), types: pgTypes, rowMode: 'array' })).rows as unknown[][];
  }
  async run(sql: string, params: unknown[] = []): Promise<number> {
    return (await this.client.query({ text: numberPlaceholders(sql), values: params.map(toPg), types: pgTypes })).rowCount ?? 0;
  }
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return fn(this);
  }
  readTransaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return fn(this);
  }
  async close(): Promise<void> {}
}

export class PostgresDb implements Db {
  readonly dialect = 'postgres' as const;
  private readonly pool: pg.Pool;
  private readonly schema: string | undefined;

  /** `schema`: a schema to create and use (tests use a fresh one per run); default public. */
  constructor(url: string, schema?: string) {
    if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error('Invalid PostgreSQL schema name.');
    this.pool = new pg.Pool({ connectionString: url, max: 10 });
    // A pool error on an idle client (server restart) must not crash the process.
    this.pool.on('error', () => undefined);
    this.schema = schema;
    if (schema) {
      // Queued on the new client before anything the pool's caller sends.
      this.pool.on('connect', (client) => {
        client.query(`SET search_path TO ${schema}`).catch(() => undefined);
      });
    }
  }

  async all(sql: string, params: unknown[] = []): Promise<Row[]> {
    return (await this.pool.query({ text: numberPlaceholders(sql), values: params.map(toPg), types: pgTypes })).rows as Row[];
  }

  async allRaw(sql: string, params: unknown[] = []): Promise<unknown[][]> {
    return (await this.pool.query({ text: numberPlaceholders(sql), values: params.map(toPg), types: pgTypes, rowMode: 'array' })).rows as unknown[][];
  }

  async run(sql: string, params: unknown[] = []): Promise<number> {
    return (await this.pool.query({ text: numberPlaceholders(sql), values: params.map(toPg), types: pgTypes })).rowCount ?? 0;
  }

  private async withClient<T>(begin: string, fn: (tx: Db) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query(begin);
      try {
        const out = await fn(new PgClientDb(client));
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    } finally {
      client.release();
    }
  }

  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return this.withClient('BEGIN', fn);
  }

  readTransaction<T>(fn: (tx: Db) => Promise<T>): Promise<T> {
    return this.withClient('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', fn);
  }

  /**
   * Creates the schema and tables. Instances starting together would race on CREATE ... IF NOT
   * EXISTS (it is not atomic in PostgreSQL), so creation holds an advisory lock.
   */
  async migrate(ddl: string): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock(5640001)');
      try {
        if (this.schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${this.schema}`);
        await client.query(ddl);
      } finally {
        await client.query('SELECT pg_advisory_unlock(5640001)');
      }
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
