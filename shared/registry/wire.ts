/**
 * The registry's JSON wire shapes, shared by the registry (which validates them with TypeBox
 * schemas built from the same field names), the CLI, the extension and the bot. Hashes are hex
 * here, and only here: everything inside Veil uses Uint8Array(32).
 */
import type { HashKind, ImageHashes } from '../hash/types';
import { checkHashUsable } from '../hash/gates';
import { DIHEDRAL_NAMES } from '../hash/types';
import { bytesToHex } from '../hex';
import type { ListName } from '../match/types';
import { keyIdOf } from './listFormat';

export const LIST_CONTENT_TYPE = 'application/vnd.veil.list';

export interface HashJson {
  kind: HashKind;
  /** 64 hex digits. */
  hash: string;
  /** PDQ quality 0..100 (required for pdq and pdq-crop). */
  quality?: number;
  /** Which photo of the request this hash belongs to (0-based); groups a photo's hashes. */
  photo?: number;
  /** For pdq and pdq-crop: the dihedral variant (DIHEDRAL_NAMES); absent or 'original' for the image as is. */
  dihedral?: (typeof DIHEDRAL_NAMES)[number];
}

export interface SubmissionRequest {
  hashes: HashJson[];
}

export type CaseStatus = 'active' | 'quarantined' | 'withdrawn' | 'rejected';

export interface SubmissionResponse {
  caseId: string;
  /** Shown once: the registry keeps only a slow hash of it. */
  secret: string;
  status: CaseStatus;
  /** Hashes that will be listed (dihedral variants are accepted but not listed). */
  listed: number;
}

/**
 * One photo's hashes as the case sees them. The state follows the case: 'listed' (active, on at
 * least one list), 'quarantined' (the case waits for a reviewer), 'withdrawn', or 'rejected' (a
 * reviewer rejected the case, or every hash of this photo).
 */
export type PhotoState = 'listed' | 'quarantined' | 'withdrawn' | 'rejected';

export interface PhotoStatus {
  /** The photo's index in the submission (`HashJson.photo`, 0 when absent); shown as photo + 1. */
  photo: number;
  /** Distinct listable hashes of the photo (dihedral variants are not kept). */
  hashes: number;
  /** The lists the photo's hashes are on now through this case. */
  lists: ListName[];
  state: PhotoState;
}

export interface CaseStatusResponse {
  caseId: string;
  status: CaseStatus;
  createdAt: string;
  hashes: number;
  /** The lists the case's hashes are on now. */
  lists: ListName[];
  /** Each photo of the case, ascending; empty for cases stored before photos were recorded. */
  photos: PhotoStatus[];
}

export type ReportVerdict = 'report' | 'confirm' | 'dispute';

export interface ReportRequest {
  verdict: ReportVerdict;
  hashes: HashJson[];
}

/**
 * A /v1/match query: per photo, its PDQ, blockhash and crop hash (each with its dihedral
 * variants) as imageHashesToJson sends them, and further 'pdq-crop' hashes without a variant,
 * which the registry tries as other views of the photo (queryHashesToJson: its own crops).
 */
export interface MatchRequest {
  hashes: HashJson[];
  lists?: ListName[];
}

export interface MatchJson {
  list: ListName;
  /** Which of the query's hashes matched. */
  kind: HashKind;
  distance: number;
  /** For PDQ: the dihedral variant of the query that matched (0 = as is). */
  dihedral?: number;
  /** The listed hash, abbreviated (first 8 hex digits): answers never hand out whole hashes. */
  entry: string;
}

export interface MatchResponse {
  /** One item per photo of the request (by `photo`, default 0), in ascending photo order. */
  photos: { photo: number; matches: MatchJson[] }[];
}

export interface ListInfoResponse {
  list: ListName;
  seq: number;
  count: number;
  publicKey: string;
  keyId: string;
}

export interface KeysResponse {
  publicKey: string;
  keyId: string;
  /** Base64 key-announcement list files, oldest first (docs/list-format.md). */
  announcements: string[];
}

/**
 * The strong ETag of a list file: it changes with the list's sequence number and the signing
 * key, and a delta's tag also names where it starts. A client holding seq S can ask for
 * `delta?since=S` with If-None-Match listEtag(list, S, key, S) and get 304 when nothing changed.
 */
export function listEtag(list: ListName, seq: number, publicKey: Uint8Array, since?: number): string {
  const kid = bytesToHex(keyIdOf(publicKey));
  return since === undefined ? `"${list}-${seq}-${kid}"` : `"${list}-${seq}-${kid}-since-${since}"`;
}

/**
 * The JSON a device sends for one photo's hashes: its PDQ (with the dihedral variants when
 * `withDihedral`), the PDQs of its mirrored images, its blockhash, and its crop hashes (with
 * the dihedral variants of its own crop hash when `withDihedral`). Registries accept the variants
 * but list only the rest; /v1/match searches them.
 */
export function imageHashesToJson(h: ImageHashes, photo?: number, withDihedral = true): HashJson[] {
  const out: HashJson[] = [{ kind: 'pdq', hash: bytesToHex(h.pdq), quality: h.quality, photo }];
  if (withDihedral) {
    for (let d = 1; d < h.pdqDihedral.length && d < DIHEDRAL_NAMES.length; d++) {
      out.push({ kind: 'pdq', hash: bytesToHex(h.pdqDihedral[d]), quality: h.quality, photo, dihedral: DIHEDRAL_NAMES[d] });
    }
  }
  // The PDQs of the mirrored photo (registration hashes, ImageHashes.pdqFlips) are listed like
  // any PDQ: they make flipped and rotated copies match exactly (docs/evaluation.md). A symmetric
  // photo's mirror has its own hash again, which is sent once.
  const seen = new Set([out[0].hash]);
  for (const flip of h.pdqFlips ?? []) {
    const hex = bytesToHex(flip);
    if (seen.has(hex)) continue;
    seen.add(hex);
    out.push({ kind: 'pdq', hash: hex, quality: h.quality, photo });
  }
  out.push({ kind: 'blockhash', hash: bytesToHex(h.blockhash), photo });
  // Crop hashes (kind 'pdq-crop'): a registered photo's listed crops (ImageHashes.crops, the
  // whole photo first), or else the image's own crop hash, so that a reported image is listed
  // with it too. Each hash once (a small photo's nearby crops can share their bits), and only
  // those that pass the gates: they are extra, and one unusable hash would fail the request.
  const crops = h.crops ?? (h.cropHash ? [{ hash: h.cropHash.hashes[0], quality: h.cropHash.quality }] : []);
  const seenCrops = new Set<string>();
  for (const c of crops) {
    const hex = bytesToHex(c.hash);
    if (seenCrops.has(hex) || !checkHashUsable('pdq-crop', c.hash, c.quality).usable) continue;
    seenCrops.add(hex);
    out.push({ kind: 'pdq-crop', hash: hex, quality: c.quality, photo });
  }
  const own = h.cropHash;
  if (withDihedral && own && checkHashUsable('pdq-crop', own.hashes[0], own.quality).usable) {
    for (let d = 1; d < own.hashes.length && d < DIHEDRAL_NAMES.length; d++) {
      if (!checkHashUsable('pdq-crop', own.hashes[d], own.quality).usable) continue;
      out.push({ kind: 'pdq-crop', hash: bytesToHex(own.hashes[d]), quality: own.quality, photo, dihedral: DIHEDRAL_NAMES[d] });
    }
  }
  if (photo === undefined) for (const x of out) delete x.photo;
  return out;
}

/**
 * A /v1/match query for one image: imageHashesToJson of it, then the crop hash of each of its
 * views (ImageHashes.views: its own slightly smaller crops, the photo inside a frame), which the
 * registry matches as the Matcher matches those views. The views' PDQs are not sent.
 */
export function queryHashesToJson(h: ImageHashes, photo?: number): HashJson[] {
  const out = imageHashesToJson(h, photo);
  const seen = new Set(out.filter((x) => x.kind === 'pdq-crop').map((x) => x.hash));
  for (const view of h.views ?? []) {
    const c = view.hashes.cropHash;
    if (!c || !checkHashUsable('pdq-crop', c.hashes[0], c.quality).usable) continue;
    const hex = bytesToHex(c.hashes[0]);
    if (seen.has(hex)) continue;
    seen.add(hex);
    out.push(photo === undefined ? { kind: 'pdq-crop', hash: hex, quality: c.quality } : { kind: 'pdq-crop', hash: hex, quality: c.quality, photo });
  }
  return out;
}
