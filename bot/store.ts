/**
 * The bot's SQLite database in the data folder: per-server settings, the local allow-list of
 * entries a server dismissed, pending review cards, permission problems already reported, and
 * the list sync client's key-value storage (its local copy of the lists).
 *
 * Shards are separate processes on one file: WAL mode lets them read while one writes, and
 * busy_timeout makes a writer wait for another instead of failing. Never an image, never a URL:
 * reviews keep only the hashes needed to report the photo later.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { HashKind } from '../shared/hash/types';
import type { ListName } from '../shared/match/types';
import type { ListStorage } from '../shared/registry/client';

export type ListAction = 'delete' | 'review' | 'log';
export const LIST_ACTIONS: readonly ListAction[] = ['delete', 'review', 'log'];

export interface GuildSettings {
  guildId: string;
  logChannelId: string | null;
  /** What happens to a message matching each list (design: hard actions on confirmed only). */
  actions: Record<ListName, ListAction>;
  /** Time the author out for this long after a match; 0 = no timeout. */
  timeoutSeconds: number;
  /** Send the author a short private explanation. */
  dmAuthor: boolean;
  exemptRoles: string[];
  exemptChannels: string[];
}

export const DEFAULT_GUILD_SETTINGS: Omit<GuildSettings, 'guildId'> = Object.freeze({
  logChannelId: null,
  actions: Object.freeze({ confirmed: 'delete', reported: 'review' }) as Record<ListName, ListAction>,
  timeoutSeconds: 0,
  dmAuthor: true,
  exemptRoles: [],
  exemptChannels: [],
});

export interface Review {
  id: string;
  /** 'match': a list match held for review; 'manual': a moderator's report waiting for a retry. */
  origin: 'match' | 'manual';
  guildId: string;
  channelId: string;
  authorId: string;
  list: ListName;
  entryKind: HashKind;
  entryHash: Uint8Array;
  distance: number;
  /** The removed image's hashes, for the report on Confirm. */
  pdq: Uint8Array;
  quality: number;
  blockhash: Uint8Array;
  status: 'pending' | 'confirmed' | 'dismissed';
  createdAt: number;
}

/**
 * Schema migrations, applied in order; PRAGMA user_version records how many ran.
 * 1: settings, allow-list, reviews, permission notices, list storage.
 */
const MIGRATIONS: string[] = [
  `CREATE TABLE guild_settings (
     guild_id TEXT PRIMARY KEY,
     log_channel_id TEXT,
     action_confirmed TEXT NOT NULL,
     action_reported TEXT NOT NULL,
     timeout_seconds INTEGER NOT NULL,
     dm_author INTEGER NOT NULL,
     exempt_roles TEXT NOT NULL,
     exempt_channels TEXT NOT NULL,
     updated_at INTEGER NOT NULL
   );
   CREATE TABLE allow_list (
     guild_id TEXT NOT NULL,
     kind TEXT NOT NULL,
     hash BLOB NOT NULL,
     added_by TEXT NOT NULL,
     added_at INTEGER NOT NULL,
     PRIMARY KEY (guild_id, kind, hash)
   );
   CREATE TABLE reviews (
     id TEXT PRIMARY KEY,
     origin TEXT NOT NULL,
     guild_id TEXT NOT NULL,
     channel_id TEXT NOT NULL,
     author_id TEXT NOT NULL,
     list TEXT NOT NULL,
     entry_kind TEXT NOT NULL,
     entry_hash BLOB NOT NULL,
     distance INTEGER NOT NULL,
     pdq BLOB NOT NULL,
     quality INTEGER NOT NULL,
     blockhash BLOB NOT NULL,
     status TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     decided_by TEXT,
     decided_at INTEGER
   );
   CREATE TABLE permission_notices (
     guild_id TEXT NOT NULL,
     permission TEXT NOT NULL,
     channel_id TEXT NOT NULL,
     noticed_at INTEGER NOT NULL,
     PRIMARY KEY (guild_id, permission, channel_id)
   );
   CREATE TABLE kv (key TEXT PRIMARY KEY, value BLOB NOT NULL);`,
];

interface SettingsRow {
  guild_id: string;
  log_channel_id: string | null;
  action_confirmed: ListAction;
  action_reported: ListAction;
  timeout_seconds: number;
  dm_author: number;
  exempt_roles: string;
  exempt_channels: string;
}

const bytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.length).slice();

export class BotStore {
  readonly db: Database.Database;

  constructor(dataDir: string) {
    mkdirSync(dataDir, { recursive: true });
    this.db = new Database(join(dataDir, 'bot.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('busy_timeout = 5000');
    const version = this.db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) {
      this.db.transaction(() => {
        this.db.exec(MIGRATIONS[v]);
        this.db.pragma(`user_version = ${v + 1}`);
      })();
    }
  }

  close(): void {
    this.db.close();
  }

  settings(guildId: string): GuildSettings {
    const row = this.db.prepare('SELECT * FROM guild_settings WHERE guild_id = ?').get(guildId) as SettingsRow | undefined;
    if (!row) {
      const d = DEFAULT_GUILD_SETTINGS;
      return { guildId, ...d, actions: { ...d.actions }, exemptRoles: [], exemptChannels: [] };
    }
    return {
      guildId,
      logChannelId: row.log_channel_id,
      actions: { confirmed: row.action_confirmed, reported: row.action_reported },
      timeoutSeconds: row.timeout_seconds,
      dmAuthor: row.dm_author === 1,
      exemptRoles: JSON.parse(row.exempt_roles) as string[],
      exemptChannels: JSON.parse(row.exempt_channels) as string[],
    };
  }

  saveSettings(s: GuildSettings): void {
    this.db
      .prepare(
        `INSERT INTO guild_settings VALUES (@guild_id, @log, @ac, @ar, @timeout, @dm, @roles, @channels, @now)
         ON CONFLICT (guild_id) DO UPDATE SET log_channel_id = @log, action_confirmed = @ac, action_reported = @ar,
           timeout_seconds = @timeout, dm_author = @dm, exempt_roles = @roles, exempt_channels = @channels, updated_at = @now`,
      )
      .run({
        guild_id: s.guildId,
        log: s.logChannelId,
        ac: s.actions.confirmed,
        ar: s.actions.reported,
        timeout: s.timeoutSeconds,
        dm: s.dmAuthor ? 1 : 0,
        roles: JSON.stringify(s.exemptRoles),
        channels: JSON.stringify(s.exemptChannels),
        now: Date.now(),
      });
  }

  isAllowed(guildId: string, kind: HashKind, hash: Uint8Array): boolean {
    return this.db.prepare('SELECT 1 FROM allow_list WHERE guild_id = ? AND kind = ? AND hash = ?').get(guildId, kind, Buffer.from(hash)) !== undefined;
  }

  allow(guildId: string, kind: HashKind, hash: Uint8Array, by: string): void {
    this.db.prepare('INSERT OR IGNORE INTO allow_list VALUES (?, ?, ?, ?, ?)').run(guildId, kind, Buffer.from(hash), by, Date.now());
  }

  allowListSize(guildId: string): number {
    return (this.db.prepare('SELECT count(*) AS n FROM allow_list WHERE guild_id = ?').get(guildId) as { n: number }).n;
  }

  addReview(r: Omit<Review, 'status' | 'createdAt'>): void {
    this.db
      .prepare('INSERT INTO reviews (id, origin, guild_id, channel_id, author_id, list, entry_kind, entry_hash, distance, pdq, quality, blockhash, status, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
      .run(r.id, r.origin, r.guildId, r.channelId, r.authorId, r.list, r.entryKind, Buffer.from(r.entryHash), r.distance, Buffer.from(r.pdq), r.quality, Buffer.from(r.blockhash), 'pending', Date.now());
  }

  review(id: string): Review | null {
    const row = this.db.prepare('SELECT * FROM reviews WHERE id = ?').get(id) as Record<string, unknown> | undefined;
    if (!row) return null;
    return {
      id: row.id as string,
      origin: row.origin as Review['origin'],
      guildId: row.guild_id as string,
      channelId: row.channel_id as string,
      authorId: row.author_id as string,
      list: row.list as ListName,
      entryKind: row.entry_kind as HashKind,
      entryHash: bytes(row.entry_hash as Buffer),
      distance: row.distance as number,
      pdq: bytes(row.pdq as Buffer),
      quality: row.quality as number,
      blockhash: bytes(row.blockhash as Buffer),
      status: row.status as Review['status'],
      createdAt: row.created_at as number,
    };
  }

  /** Marks a pending review decided; false if someone else decided it first. */
  decideReview(id: string, status: 'confirmed' | 'dismissed', by: string): boolean {
    return this.db.prepare("UPDATE reviews SET status = ?, decided_by = ?, decided_at = ? WHERE id = ? AND status = 'pending'").run(status, by, Date.now(), id).changes === 1;
  }

  /** Puts a review back to pending (the report that Confirm made failed). */
  reopenReview(id: string): void {
    this.db.prepare("UPDATE reviews SET status = 'pending', decided_by = NULL, decided_at = NULL WHERE id = ?").run(id);
  }

  /** True the first time a missing permission is seen (so it is reported once), false after. */
  noteMissingPermission(guildId: string, permission: string, channelId: string): boolean {
    return this.db.prepare('INSERT OR IGNORE INTO permission_notices VALUES (?, ?, ?, ?)').run(guildId, permission, channelId, Date.now()).changes === 1;
  }

  /** The permission is there again: forget the notice, so a later loss is reported again. */
  clearMissingPermission(guildId: string, permission: string, channelId: string): void {
    // Read first: this runs on every action, and a read takes no write lock from other shards.
    const args = [guildId, permission, channelId];
    if (this.db.prepare('SELECT 1 FROM permission_notices WHERE guild_id = ? AND permission = ? AND channel_id = ?').get(...args) === undefined) return;
    this.db.prepare('DELETE FROM permission_notices WHERE guild_id = ? AND permission = ? AND channel_id = ?').run(...args);
  }

  missingPermissions(guildId: string): { permission: string; channelId: string; since: number }[] {
    return (this.db.prepare('SELECT permission, channel_id, noticed_at FROM permission_notices WHERE guild_id = ? ORDER BY noticed_at').all(guildId) as { permission: string; channel_id: string; noticed_at: number }[]).map((r) => ({
      permission: r.permission,
      channelId: r.channel_id,
      since: r.noticed_at,
    }));
  }

  /** The list sync client's storage (its local copy of each list, and announced keys). */
  listStorage(): ListStorage {
    const get = this.db.prepare('SELECT value FROM kv WHERE key = ?');
    const set = this.db.prepare('INSERT INTO kv VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
    return {
      get: async (key) => {
        const row = get.get(key) as { value: Buffer } | undefined;
        return row ? bytes(row.value) : null;
      },
      set: async (key, value) => {
        set.run(key, Buffer.from(value));
      },
    };
  }
}
