/**
 * `veil registry ...`: run the registry and operate it (keys, stats, export/import, signing
 * key rotation). Operator commands open the same database the server uses (SQLite in the data
 * folder, or --database-url), so they work while the server runs.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { checkHashUsable } from '../../shared/hash/gates';
import type { HashKind } from '../../shared/hash/types';
import { HASH_KINDS, isPdqKind } from '../../shared/hash/types';
import { bytesToHex, hexToBytes } from '../../shared/hex';
import type { ListName } from '../../shared/match/types';
import { LIST_NAMES } from '../../shared/match/types';
import { ListRecordsWriter, encodeListFile, kindFromId } from '../../shared/registry/listFormat';
import type { RegistryConfig } from '../../registry/config';
import { configFromEnv, resolveConfig, sqliteFile } from '../../registry/config';
import { createApiKey } from '../../registry/secrets';
import { closeOnSignals, startRegistry } from '../../registry/server';
import { loadOrCreateSigningKeys, rotateSigningKey, signingKeyPath } from '../../registry/signing';
import type { HashInput } from '../../registry/store/store';
import { RegistryStore } from '../../registry/store/store';
import { describeError } from './errors';
import type { CliIo } from './io';

const COMMON = `  --data DIR            data folder (SQLite database, signing key); default ./data
  --database-url URL    use PostgreSQL instead of SQLite (also VEIL_DATABASE_URL)
  --signing-key FILE    signing key file; default DIR/signing-key.json
  -h, --help            show this help`;

const HELP: Record<string, string> = {
  '': `Usage: veil registry <command> [options]

Commands:
  serve         run the registry (HTTP API and signed lists)
  public-key    print the list-signing public key (clients pin it)
  create-key    create a reporter or reviewer API key (printed once)
  revoke-key    revoke an API key
  keys          list API keys (never their secrets)
  stats         counts of cases, hashes, keys and list entries
  export        write a list as PDQ CSV (hash,quality), JSON lines or a signed list file
  import        read hashes from PDQ CSV (ThreatExchange / HMA) or JSON lines
  rotate-key    make a new signing key, announced by the old one

Run \`veil registry <command> --help\` for its options.`,
  serve: `Usage: veil registry serve [--host H] [--port P] [--data DIR] [--database-url URL] [--rate-limit N]

Runs the registry. On first start it creates an Ed25519 list-signing key in the data folder
(mode 0600). Prints the URL and the public key. Environment variables VEIL_REGISTRY_HOST,
VEIL_REGISTRY_PORT, VEIL_REGISTRY_DATA, VEIL_DATABASE_URL, VEIL_RATE_LIMIT may set the same.

Options:
  --host H              address to listen on; default 127.0.0.1
  --port P              port; default 8787 (0 = any free port)
  --rate-limit N        requests per minute per client; 0 = no limit (load tests); default 120
  --max-hashes N        most hashes per request (a photo sends about 33); default 4000
  --flood-cases N       cases per source per hour before quarantine; 0 = off; default 20
  --flood-hashes N      listed hashes per source per hour before quarantine; 0 = off; default 4000
  --confirm-threshold N independent reporter keys that confirm a hash; default 2
  --trust-proxy         behind a reverse proxy: take client addresses from X-Forwarded-For
                        (rate limits and flood counts are per address)
  --log-level L         fatal, error, warn, info, debug, or silent; default info
${COMMON}`,
  'public-key': `Usage: veil registry public-key [--data DIR]

Prints the list-signing public key (64 hex digits), creating the key if there is none yet.
${COMMON}`,
  'create-key': `Usage: veil registry create-key --role reporter|reviewer --label TEXT [--json]

Creates an API key and prints it once; only a hash of it is stored.
${COMMON}`,
  'revoke-key': `Usage: veil registry revoke-key ID

Revokes the key with this id (the 12 hex digits after vk_). What only it vouched for leaves the lists.
${COMMON}`,
  keys: `Usage: veil registry keys [--json]

Lists API keys: id, role, label, created, revoked.
${COMMON}`,
  stats: `Usage: veil registry stats [--json]

Prints counts of cases by status, hashes, active keys, and each list's entries and sequence number.
${COMMON}`,
  export: `Usage: veil registry export --list reported|confirmed [--format csv|json|veil] [--out FILE]

  csv    PDQ CSV as ThreatExchange and Hasher-Matcher-Actioner use it: "hash,quality" per line
         (PDQ only: crop hashes are not PDQs that other tools could match)
  json   one {"kind","hash","quality","seq"} per line
  veil   the signed snapshot file (docs/list-format.md)
Writes to standard output unless --out is given.
${COMMON}`,
  import: `Usage: veil registry import FILE [--format csv|json] [--list reported|confirmed] [--label TEXT]

Imports hashes as reports of an import key (one per label). csv: "hash,quality" per line
(a header line and further columns are ignored); json: lines as export writes them.
--list confirmed also marks them confirmed, as a reviewer would. Unusable hashes (low quality,
degenerate) are skipped and counted.
${COMMON}`,
  'rotate-key': `Usage: veil registry rotate-key

Creates a new signing key. The old key signs an announcement of the new one, served at /v1/keys,
so clients that pinned the old key follow. Restart running servers afterwards.
${COMMON}`,
};

const OPTIONS = {
  data: { type: 'string' },
  'database-url': { type: 'string' },
  'signing-key': { type: 'string' },
  host: { type: 'string' },
  port: { type: 'string' },
  'rate-limit': { type: 'string' },
  'max-hashes': { type: 'string' },
  'flood-cases': { type: 'string' },
  'flood-hashes': { type: 'string' },
  'confirm-threshold': { type: 'string' },
  'log-level': { type: 'string' },
  'trust-proxy': { type: 'boolean' },
  role: { type: 'string' },
  label: { type: 'string' },
  list: { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} satisfies ParseArgsConfig['options'];

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

class UsageError extends Error {}

function intOption(v: string | undefined, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}.`);
  return n;
}

function configOf(v: Values): RegistryConfig {
  const parts: Partial<RegistryConfig> = {};
  if (v.data) parts.dataDir = v.data;
  if (v['database-url']) parts.databaseUrl = v['database-url'];
  if (v['signing-key']) parts.signingKeyFile = v['signing-key'];
  if (v.host) parts.host = v.host;
  const set = <K extends keyof RegistryConfig>(k: K, val: RegistryConfig[K] | undefined) => {
    if (val !== undefined) parts[k] = val;
  };
  set('port', intOption(v.port, 'port', 0, 65535));
  set('rateLimit', intOption(v['rate-limit'], 'rate-limit', 0, 1e9));
  set('maxHashesPerRequest', intOption(v['max-hashes'], 'max-hashes', 1, 100_000));
  set('floodMaxCases', intOption(v['flood-cases'], 'flood-cases', 0, 1e9));
  set('floodMaxHashes', intOption(v['flood-hashes'], 'flood-hashes', 0, 1e9));
  set('confirmThreshold', intOption(v['confirm-threshold'], 'confirm-threshold', 1, 1000));
  if (v['trust-proxy']) parts.trustProxy = true;
  if (v['log-level']) parts.logger = v['log-level'] === 'silent' ? false : { level: v['log-level'] };
  return resolveConfig(configFromEnv(process.env), parts);
}

function listOption(v: Values): ListName {
  const l = v.list ?? 'reported';
  if (!LIST_NAMES.includes(l as ListName)) throw new UsageError(`--list must be one of ${LIST_NAMES.join(', ')}.`);
  return l as ListName;
}

async function openStore(c: RegistryConfig): Promise<RegistryStore> {
  return RegistryStore.open({ sqliteFile: sqliteFile(c), databaseUrl: c.databaseUrl ?? undefined, schema: c.databaseSchema ?? undefined, confirmThreshold: c.confirmThreshold });
}

async function withStore<T>(c: RegistryConfig, fn: (s: RegistryStore) => Promise<T>): Promise<T> {
  const store = await openStore(c);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

export async function run(args: string[], io: CliIo): Promise<number> {
  const [cmd, ...rest] = args;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    io.out(HELP['']);
    return cmd ? 0 : 2;
  }
  if (!(cmd in HELP)) {
    io.err(`veil registry: unknown command '${cmd}'.\n\n${HELP['']}`);
    return 2;
  }
  let values: Values;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: rest, options: OPTIONS, allowPositionals: true, strict: true }));
  } catch (err) {
    io.err(`veil registry ${cmd}: ${describeError(err)}\n\n${HELP[cmd]}`);
    return 2;
  }
  if (values.help) {
    io.out(HELP[cmd]);
    return 0;
  }
  try {
    return await COMMANDS[cmd](values, positionals, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`veil registry ${cmd}: ${err.message}\n\n${HELP[cmd]}`);
      return 2;
    }
    io.err(`veil registry ${cmd}: ${describeError(err)}`);
    return 1;
  }
}

type Command = (v: Values, positionals: string[], io: CliIo) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  async serve(v, _p, io) {
    const c = configOf(v);
    const registry = await startRegistry(c, {});
    io.out(`Veil registry listening on ${registry.url}`);
    io.out(`Database: ${c.databaseUrl ? 'PostgreSQL' : sqliteFile(c)}`);
    io.out(`List public key: ${registry.publicKey}`);
    return new Promise<number>((resolve) => closeOnSignals(registry, () => resolve(0)));
  },

  async 'public-key'(v, _p, io) {
    const c = configOf(v);
    const { keys } = await loadOrCreateSigningKeys(signingKeyPath(c.dataDir, c.signingKeyFile ?? undefined));
    io.out(bytesToHex(keys.current.publicKey));
    return 0;
  },

  async 'create-key'(v, _p, io) {
    if (v.role !== 'reporter' && v.role !== 'reviewer') throw new UsageError('--role must be reporter or reviewer.');
    if (!v.label) throw new UsageError('--label is required (who holds the key).');
    const role = v.role;
    const label = v.label;
    const k = await withStore(configOf(v), (s) => createApiKey(s, role, label));
    if (v.json) io.out(JSON.stringify({ id: k.id, role, label, key: k.key }));
    else io.out(`Created ${role} key ${k.id} (${label}). It is shown only this once:\n${k.key}`);
    return 0;
  },

  async 'revoke-key'(v, p, io) {
    if (p.length !== 1) throw new UsageError('Give exactly one key id.');
    const id = p[0].replace(/^vk_/, '').slice(0, 12);
    const done = await withStore(configOf(v), (s) => s.revokeApiKey(id, Date.now()));
    io.out(done ? `Revoked key ${id}.` : `No active key with id ${id}.`);
    return done ? 0 : 1;
  },

  async keys(v, _p, io) {
    const keys = await withStore(configOf(v), (s) => s.listApiKeys());
    for (const k of keys) {
      const row = { id: k.id, role: k.role, label: k.label, createdAt: new Date(k.createdAt).toISOString(), revokedAt: k.revokedAt ? new Date(k.revokedAt).toISOString() : null };
      io.out(v.json ? JSON.stringify(row) : `${row.id}  ${row.role.padEnd(8)}  ${row.revokedAt ? 'revoked ' : 'active  '}  ${row.createdAt}  ${row.label}`);
    }
    return 0;
  },

  async stats(v, _p, io) {
    const stats = await withStore(configOf(v), (s) => s.stats());
    if (v.json) io.out(JSON.stringify(stats));
    else for (const [k, n] of Object.entries(stats)) io.out(`${k.padEnd(28)} ${n}`);
    return 0;
  },

  async export(v, _p, io) {
    const c = configOf(v);
    const list = listOption(v);
    const format = v.format ?? 'csv';
    if (!['csv', 'json', 'veil'].includes(format)) throw new UsageError('--format must be csv, json or veil.');
    let output: Buffer;
    if (format === 'veil') {
      const { keys } = await loadOrCreateSigningKeys(signingKeyPath(c.dataDir, c.signingKeyFile ?? undefined));
      const w = new ListRecordsWriter();
      const { toSeq, changedAt } = await withStore(c, (s) => s.readList(list, null, (rows) => rows.forEach((r) => w.add(r.kind, r.hash, r.quality ?? undefined, r.seq))));
      output = Buffer.from(await encodeListFile({ type: 'snapshot', list, toSeq, records: w, createdAt: changedAt }, keys.current));
    } else {
      const lines: string[] = [];
      await withStore(c, (s) =>
        s.readList(list, null, (rows) => {
          for (const r of rows) {
            const kind = kindFromId(r.kind);
            if (format === 'csv') {
              if (kind === 'pdq') lines.push(`${bytesToHex(r.hash)},${r.quality ?? 0}`);
            } else lines.push(JSON.stringify({ kind: kind ?? r.kind, hash: bytesToHex(r.hash), quality: r.quality ?? undefined, seq: r.seq }));
          }
        }),
      );
      output = Buffer.from(lines.length ? lines.join('\n') + '\n' : '');
    }
    if (v.out) {
      fs.writeFileSync(v.out, output);
      io.err(`Wrote ${output.length} bytes to ${v.out}.`);
    } else process.stdout.write(output);
    return 0;
  },

  async import(v, p, io) {
    if (p.length !== 1) throw new UsageError('Give exactly one file.');
    const list = listOption(v);
    const format = v.format ?? (p[0].endsWith('.json') || p[0].endsWith('.jsonl') ? 'json' : 'csv');
    if (!['csv', 'json'].includes(format)) throw new UsageError('--format must be csv or json.');
    const { hashes, skipped } = parseImport(fs.readFileSync(p[0], 'utf8'), format as 'csv' | 'json');
    const label = `import:${v.label ?? 'default'}`;
    const applied = await withStore(configOf(v), async (s) => {
      let key = (await s.listApiKeys()).find((k) => k.label === label && k.revokedAt === null);
      if (!key) {
        await createApiKey(s, 'reporter', label);
        key = (await s.listApiKeys()).find((k) => k.label === label && k.revokedAt === null)!;
      }
      let n = 0;
      for (let i = 0; i < hashes.length; i += 1000) {
        n += (await s.report(key.id, 'report', hashes.slice(i, i + 1000), Date.now(), list === 'confirmed' ? 'confirmed' : undefined)).applied;
      }
      return n;
    });
    io.out(`Imported ${applied} hashes into ${list}${skipped ? `; skipped ${skipped} unusable or malformed lines` : ''}.`);
    return 0;
  },

  async 'rotate-key'(v, _p, io) {
    const c = configOf(v);
    const file = signingKeyPath(c.dataDir, c.signingKeyFile ?? undefined);
    if (!fs.existsSync(file)) throw new Error(`No signing key at ${file}; start the registry once first.`);
    const { oldPublicKey, newPublicKey } = await rotateSigningKey(file);
    io.out(`Old public key: ${bytesToHex(oldPublicKey)}`);
    io.out(`New public key: ${bytesToHex(newPublicKey)}`);
    io.out('The old key signed an announcement of the new one (served at /v1/keys). Restart running registry servers.');
    return 0;
  },
};

/** Parses PDQ CSV (hash,quality[,...]) or JSON lines; lines that fail the hash gates are skipped. */
export function parseImport(text: string, format: 'csv' | 'json'): { hashes: HashInput[]; skipped: number } {
  const hashes: HashInput[] = [];
  let skipped = 0;
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '' && !l.startsWith('#'));
  lines.forEach((line, i) => {
    try {
      let h: HashInput;
      if (format === 'csv') {
        const [hash, quality] = line.split(',').map((x) => x.trim());
        if (i === 0 && !/^[0-9a-fA-F]{64}$/.test(hash)) return; // a header line
        h = { kind: 'pdq', hash: hexToBytes(hash), quality: Number(quality) };
      } else {
        const j = JSON.parse(line) as { kind: HashKind; hash: string; quality?: number };
        if (!HASH_KINDS.includes(j.kind)) throw new Error('unknown kind');
        h = { kind: j.kind, hash: hexToBytes(j.hash), quality: isPdqKind(j.kind) ? j.quality : undefined };
      }
      if (h.quality !== undefined && !(Number.isInteger(h.quality) && h.quality >= 0 && h.quality <= 100)) throw new Error('bad quality');
      if (!checkHashUsable(h.kind, h.hash, h.quality).usable) throw new Error('unusable');
      hashes.push(h);
    } catch {
      skipped++;
    }
  });
  return { hashes, skipped };
}
