/**
 * Reports to the registry with the bot's reporter API key: a moderator's "Report leaked photo"
 * and "Confirm" on a review card. Only hashes are sent, never the image or where it was seen.
 */
import { VeilError } from '../shared/errors';
import { checkHashUsable } from '../shared/hash/gates';
import type { ImageHashes } from '../shared/hash/types';
import { bytesToHex } from '../shared/hex';
import type { HashJson, ReportRequest, ReportVerdict } from '../shared/registry/wire';
import type { RegistryConfig } from './config';

/** The hashes of one photo as the bot keeps them (a review keeps no dihedral variants). */
export type PhotoHashes = Pick<ImageHashes, 'pdq' | 'quality' | 'blockhash'> & Partial<Pick<ImageHashes, 'pdqDihedral'>>;

export interface Reporter {
  report(verdict: ReportVerdict, photos: PhotoHashes[]): Promise<void>;
}

/**
 * The wire form of the photos' hashes. Hashes that fail the usability gates (low PDQ quality,
 * degenerate bits) are left out: the registry would refuse them, and they would never match.
 */
export function photosToJson(photos: PhotoHashes[]): HashJson[] {
  const out: HashJson[] = [];
  photos.forEach((p, photo) => {
    if (checkHashUsable('pdq', p.pdq, p.quality).usable) out.push({ kind: 'pdq', hash: bytesToHex(p.pdq), quality: p.quality, photo });
    if (checkHashUsable('blockhash', p.blockhash).usable) out.push({ kind: 'blockhash', hash: bytesToHex(p.blockhash), photo });
  });
  return out;
}

const STATUS_CODES: Record<number, 'registry/unauthorized' | 'registry/forbidden' | 'registry/rate-limited' | 'registry/too-many-hashes'> = {
  401: 'registry/unauthorized',
  403: 'registry/forbidden',
  413: 'registry/too-many-hashes',
  429: 'registry/rate-limited',
};

/** null when reporting is not configured (no registry, or no reporter key). */
export function registryReporter(cfg: RegistryConfig | null, fetchImpl: typeof fetch = fetch): Reporter | null {
  if (!cfg?.reporterKey) return null;
  const key = cfg.reporterKey;
  return {
    async report(verdict, photos) {
      const body: ReportRequest = { verdict, hashes: photosToJson(photos) };
      if (body.hashes.length === 0) throw new VeilError('hash/low-quality', '(no usable hash to report)');
      let res: Response;
      try {
        res = await fetchImpl(`${cfg.url}/v1/reports`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(15_000),
        });
      } catch (cause) {
        throw new VeilError('registry/unreachable', undefined, { cause });
      }
      await res.body?.cancel().catch(() => undefined);
      if (res.ok) return;
      throw new VeilError(STATUS_CODES[res.status] ?? 'registry/bad-response', `(HTTP ${res.status})`);
    },
  };
}
