/**
 * Registry settings: one defaults object, overridden by options (tests, the CLI) and, in
 * server.ts only, by environment variables, validated here so a bad value fails at start.
 */
import path from 'node:path';

export interface RegistryConfig {
  host: string;
  port: number;
  /** Data folder: SQLite database and the signing key. */
  dataDir: string;
  /** PostgreSQL URL; when set, PostgreSQL replaces SQLite. */
  databaseUrl: string | null;
  /** PostgreSQL schema (tests use a fresh one per run); null = the URL's default. */
  databaseSchema: string | null;
  /** Signing key file; default <dataDir>/signing-key.json. */
  signingKeyFile: string | null;
  /** Requests per minute per client (address or API key); 0 = no limit (load tests). */
  rateLimit: number;
  /** Largest request body accepted, in bytes. */
  bodyLimit: number;
  /**
   * Most hashes in one submission, report or match request. A registered photo sends about 33
   * (its PDQ, 3 mirrored PDQs, blockhash, about 28 crop hashes), 47 with every dihedral variant.
   */
  maxHashesPerRequest: number;
  /** Flood quarantine: per source address within the window (0 = no limit). */
  floodWindowMs: number;
  floodMaxCases: number;
  floodMaxHashes: number;
  /** Distinct trusted reporter keys whose positive verdicts confirm a hash. */
  confirmThreshold: number;
  /** A snapshot younger than this is served even if the list moved on (clients catch up by delta). */
  snapshotMaxAgeMs: number;
  /** How often the /v1/match index looks for list changes (other instances' writes). */
  matchRefreshMs: number;
  /** Behind a reverse proxy: trust X-Forwarded-For for client addresses. */
  trustProxy: boolean;
  /** pino logger options (level; a stream for tests), or false. */
  logger: boolean | { level: string; stream?: { write(line: string): void } };
}

export const DEFAULT_REGISTRY_CONFIG: RegistryConfig = {
  host: '127.0.0.1',
  port: 8787,
  dataDir: './data',
  databaseUrl: null,
  databaseSchema: null,
  signingKeyFile: null,
  rateLimit: 120,
  // maxHashesPerRequest hashes of about 120 bytes of JSON each, with room to spare.
  bodyLimit: 1024 * 1024,
  // 120 photos as the protect page and `veil submit` send them (85 with every dihedral variant):
  // "a few dozen photos at once" fits in one request.
  maxHashesPerRequest: 4000,
  floodWindowMs: 60 * 60_000,
  // A victim sending a few dozen photos, even in several requests, stays below both (listed
  // hashes: about 33 per photo, so some 120 photos an hour).
  floodMaxCases: 20,
  floodMaxHashes: 4000,
  confirmThreshold: 2,
  snapshotMaxAgeMs: 10_000,
  matchRefreshMs: 2_000,
  trustProxy: false,
  logger: { level: 'info' },
};

function int(name: string, v: string, min: number, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be an integer from ${min} to ${max}; got '${v}'.`);
  return n;
}

/** Environment variables that may set the same things as the command line. */
export function configFromEnv(env: NodeJS.ProcessEnv): Partial<RegistryConfig> {
  const c: Partial<RegistryConfig> = {};
  if (env.VEIL_REGISTRY_HOST) c.host = env.VEIL_REGISTRY_HOST;
  if (env.VEIL_REGISTRY_PORT) c.port = int('VEIL_REGISTRY_PORT', env.VEIL_REGISTRY_PORT, 0, 65535);
  if (env.VEIL_REGISTRY_DATA) c.dataDir = env.VEIL_REGISTRY_DATA;
  if (env.VEIL_DATABASE_URL ?? env.DATABASE_URL) c.databaseUrl = (env.VEIL_DATABASE_URL ?? env.DATABASE_URL)!;
  if (env.VEIL_DATABASE_SCHEMA) c.databaseSchema = env.VEIL_DATABASE_SCHEMA;
  if (env.VEIL_SIGNING_KEY_FILE) c.signingKeyFile = env.VEIL_SIGNING_KEY_FILE;
  if (env.VEIL_RATE_LIMIT) c.rateLimit = int('VEIL_RATE_LIMIT', env.VEIL_RATE_LIMIT, 0, 1e9);
  if (env.VEIL_FLOOD_MAX_CASES) c.floodMaxCases = int('VEIL_FLOOD_MAX_CASES', env.VEIL_FLOOD_MAX_CASES, 0, 1e9);
  if (env.VEIL_FLOOD_MAX_HASHES) c.floodMaxHashes = int('VEIL_FLOOD_MAX_HASHES', env.VEIL_FLOOD_MAX_HASHES, 0, 1e9);
  if (env.VEIL_MAX_HASHES) c.maxHashesPerRequest = int('VEIL_MAX_HASHES', env.VEIL_MAX_HASHES, 1, 100_000);
  if (env.VEIL_TRUST_PROXY) c.trustProxy = env.VEIL_TRUST_PROXY === '1' || env.VEIL_TRUST_PROXY === 'true';
  if (env.VEIL_LOG_LEVEL) c.logger = env.VEIL_LOG_LEVEL === 'silent' ? false : { level: env.VEIL_LOG_LEVEL };
  return c;
}

export function resolveConfig(...parts: Partial<RegistryConfig>[]): RegistryConfig {
  const c: RegistryConfig = Object.assign({}, DEFAULT_REGISTRY_CONFIG, ...parts);
  c.dataDir = path.resolve(c.dataDir);
  if (c.databaseSchema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(c.databaseSchema)) throw new Error('The database schema name must be lower-case letters, digits and _.');
  if (c.maxHashesPerRequest < 1) throw new Error('maxHashesPerRequest must be at least 1.');
  return c;
}

export function sqliteFile(c: RegistryConfig): string {
  return path.join(c.dataDir, 'registry.sqlite');
}
