/**
 * The list-signing key, kept in the data folder as signing-key.json (mode 0600). Created on
 * first start; rotated by `veil registry rotate-key`, which keeps the old public keys and the
 * key announcements the old keys signed (served at /v1/keys so pinned clients can follow).
 *
 * Several instances on one PostgreSQL must sign with the same key: give them the same file
 * (`--signing-key FILE` or VEIL_SIGNING_KEY_FILE); lists are then byte-identical everywhere.
 */
import fs from 'node:fs';
import path from 'node:path';
import { bytesToHex, hexToBytes } from '../shared/hex';
import { encodeKeyAnnouncement, generateSigner, signerFromSecretKey } from '../shared/registry/listFormat';
import type { ListSigner } from '../shared/registry/listFormat';

export const SIGNING_KEY_FILE = 'signing-key.json';

export interface SigningKeys {
  current: ListSigner;
  /** Key announcements (list files of type 3), oldest first. */
  announcements: Uint8Array[];
  /** Public keys used before the current one, oldest first. */
  previous: Uint8Array[];
}

interface KeyFileJson {
  version: 1;
  secretKey: string;
  publicKey: string;
  createdAt: string;
  previous: { publicKey: string; retiredAt: string }[];
  announcements: string[];
}

export function signingKeyPath(dataDir: string, file?: string): string {
  return file ?? path.join(dataDir, SIGNING_KEY_FILE);
}

/** Writes a file with mode 0600 so that a crash never leaves half a key behind (temp + rename). */
function writeSecretFile(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  try {
    fs.writeSync(fd, text);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.chmodSync(tmp, 0o600);
  fs.renameSync(tmp, file);
}

async function parseKeyFile(text: string): Promise<SigningKeys> {
  const j = JSON.parse(text) as KeyFileJson;
  if (j.version !== 1) throw new Error('Unknown signing key file version.');
  const current = await signerFromSecretKey(hexToBytes(j.secretKey));
  if (bytesToHex(current.publicKey) !== j.publicKey) throw new Error('The signing key file is inconsistent (public key does not match).');
  return {
    current,
    previous: j.previous.map((p) => hexToBytes(p.publicKey)),
    announcements: j.announcements.map((b) => new Uint8Array(Buffer.from(b, 'base64'))),
  };
}

function serialise(keys: SigningKeys, previous: KeyFileJson['previous']): string {
  const j: KeyFileJson = {
    version: 1,
    secretKey: bytesToHex(keys.current.secretKey),
    publicKey: bytesToHex(keys.current.publicKey),
    createdAt: new Date().toISOString(),
    previous,
    announcements: keys.announcements.map((a) => Buffer.from(a).toString('base64')),
  };
  return JSON.stringify(j, null, 2) + '\n';
}

/** Reads the key, or creates one when the file does not exist; `created` says which. */
export async function loadOrCreateSigningKeys(file: string): Promise<{ keys: SigningKeys; created: boolean }> {
  if (fs.existsSync(file)) return { keys: await parseKeyFile(fs.readFileSync(file, 'utf8')), created: false };
  const keys: SigningKeys = { current: await generateSigner(), announcements: [], previous: [] };
  writeSecretFile(file, serialise(keys, []));
  return { keys, created: true };
}

export async function loadSigningKeys(file: string): Promise<SigningKeys> {
  return parseKeyFile(fs.readFileSync(file, 'utf8'));
}

/** Makes a new key; the old one signs an announcement of it. Running servers need a restart. */
export async function rotateSigningKey(file: string): Promise<{ oldPublicKey: Uint8Array; newPublicKey: Uint8Array }> {
  const j = JSON.parse(fs.readFileSync(file, 'utf8')) as KeyFileJson;
  const old = await parseKeyFile(JSON.stringify(j));
  const next = await generateSigner();
  const announcement = await encodeKeyAnnouncement(next.publicKey, old.current);
  const keys: SigningKeys = { current: next, announcements: [...old.announcements, announcement], previous: [...old.previous, old.current.publicKey] };
  writeSecretFile(file, serialise(keys, [...j.previous, { publicKey: j.publicKey, retiredAt: new Date().toISOString() }]));
  return { oldPublicKey: old.current.publicKey, newPublicKey: next.publicKey };
}
