/**
 * Case secrets, API keys and submitter fingerprints.
 *
 * - A case secret is shown once; only an scrypt hash is stored (the issue asks for a slow hash:
 *   a leaked database must not let anyone withdraw or read victims' cases).
 * - API keys look like `vk_<id>_<secret>`: the id finds the row, the secret is compared by
 *   SHA-256. The secret has 256 bits of entropy, so a fast hash is enough there.
 * - A submitter's address is kept only as an HMAC under a per-registry salt, for flood counts.
 */
import { createHash, createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

// scrypt N=2^14, r=8, p=1: the interactive-login parameters of the scrypt paper (16 MiB, tens of ms).
const SCRYPT = { N: 1 << 14, r: 8, p: 1, keylen: 32, maxmem: 64 * 1024 * 1024 };

function scryptAsync(secret: string, salt: Buffer, p = SCRYPT): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(secret, salt, p.keylen, { N: p.N, r: p.r, p: p.p, maxmem: p.maxmem }, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export function newCaseId(): string {
  return 'case_' + randomBytes(12).toString('base64url');
}

export function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** `scrypt$N$r$p$<salt b64>$<hash b64>` */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scryptAsync(secret, salt);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

// Checked when a case does not exist, so that a wrong case id costs as long as a wrong secret.
let dummyHash: string | null = null;

export async function verifySecret(secret: string, stored: string | null): Promise<boolean> {
  if (stored === null) {
    dummyHash ??= await hashSecret(newSecret());
    await verifySecret(secret, dummyHash);
    return false;
  }
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number);
  const salt = Buffer.from(parts[4], 'base64');
  const want = Buffer.from(parts[5], 'base64');
  const got = await scryptAsync(secret, salt, { ...SCRYPT, N, r, p, keylen: want.length });
  return got.length === want.length && timingSafeEqual(got, want);
}

export interface NewApiKey {
  id: string;
  /** The whole key as the holder uses it: `vk_<id>_<secret>`. */
  key: string;
  secretHash: string;
}

export function newApiKey(): NewApiKey {
  const id = randomBytes(6).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, key: `vk_${id}_${secret}`, secretHash: sha256(secret) };
}

export function parseApiKey(key: string): { id: string; secret: string } | null {
  const m = /^vk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/.exec(key);
  return m ? { id: m[1], secret: m[2] } : null;
}

export function apiKeyMatches(secret: string, storedHash: string): boolean {
  const a = Buffer.from(sha256(secret), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

/** A stable, non-reversible tag for a client address. */
export function sourceTag(address: string, salt: string): string {
  return createHmac('sha256', salt).update(address).digest('base64url').slice(0, 22);
}

export function newSalt(): string {
  return randomBytes(32).toString('base64url');
}

/** Creates a reporter or reviewer key; the returned `key` is shown once and never stored. */
export async function createApiKey(
  store: { createApiKey(row: { id: string; role: 'reporter' | 'reviewer'; secretHash: string; label: string; createdAt: number }): Promise<void> },
  role: 'reporter' | 'reviewer',
  label: string,
): Promise<{ id: string; key: string }> {
  const k = newApiKey();
  await store.createApiKey({ id: k.id, role, secretHash: k.secretHash, label, createdAt: Date.now() });
  return { id: k.id, key: k.key };
}
