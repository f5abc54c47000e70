/**
 * Request helpers shared by routes: turning posted hash JSON into bytes behind the usability
 * gates, and the two kinds of credentials (case secrets, API keys). Failed credentials always
 * answer the same 401, whatever part was wrong.
 */
import type { FastifyRequest } from 'fastify';
import { checkHashUsable } from '../shared/hash/gates';
import { isPdqKind } from '../shared/hash/types';
import { hexToBytes } from '../shared/hex';
import { HttpError } from './errors';
import type { HashJsonBody } from './routes/schemas';
import { apiKeyMatches, parseApiKey } from './secrets';
import type { ApiKeyRow, HashInput, KeyRole, RegistryStore } from './store/store';

export interface ParsedHashes {
  /** Hashes of the images as they are (listed). */
  listed: HashInput[];
  /** Index into the request of each listed hash. */
  listedIndex: number[];
  /** Every hash, dihedral variants included, in request order. */
  all: (HashInput & { photo?: number; dihedral?: string })[];
}

export function parseHashes(items: HashJsonBody[], max: number): ParsedHashes {
  if (items.length > max) {
    throw new HttpError(400, 'registry/too-many-hashes', `At most ${max} hashes per request; this one has ${items.length}.`, 'body.hashes');
  }
  const out: ParsedHashes = { listed: [], listedIndex: [], all: [] };
  items.forEach((item, i) => {
    const hash = hexToBytes(item.hash);
    const quality = isPdqKind(item.kind) ? item.quality : undefined;
    const gate = checkHashUsable(item.kind, hash, quality);
    if (!gate.usable) throw new HttpError(400, gate.code, `hashes[${i}] (${item.kind}): ${gate.reason}`, `body.hashes.${i}`);
    const h = { kind: item.kind, hash, quality, photo: item.photo, dihedral: item.dihedral };
    out.all.push(h);
    // Dihedral variants are checked but not listed: matchers hash the query's variants instead.
    if (item.dihedral === undefined || item.dihedral === 'original') {
      out.listed.push({ kind: item.kind, hash, quality });
      out.listedIndex.push(i);
    }
  });
  if (!out.listed.length) throw new HttpError(400, 'registry/invalid', 'At least one hash of an image as it is (not a dihedral variant) is needed.', 'body.hashes');
  return out;
}

export function bearerToken(req: FastifyRequest): string | null {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return null;
  const m = /^Bearer\s+(\S{1,200})\s*$/i.exec(h);
  return m ? m[1] : null;
}

export function unauthorized(): HttpError {
  return new HttpError(401, 'registry/unauthorized');
}

/** The API key behind the request, with the role asked for; 401 or 403 otherwise. */
export async function requireKey(store: RegistryStore, req: FastifyRequest, role: KeyRole): Promise<ApiKeyRow> {
  const token = bearerToken(req);
  const parsed = token ? parseApiKey(token) : null;
  const row = parsed ? await store.getApiKey(parsed.id) : null;
  if (!parsed || !row || row.revokedAt !== null || !apiKeyMatches(parsed.secret, row.secretHash)) throw unauthorized();
  if (row.role !== role) throw new HttpError(403, 'registry/forbidden');
  return row;
}
