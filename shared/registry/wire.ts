/**
 * The registry's JSON wire shapes, shared by the registry (which validates them with TypeBox
 * schemas built from the same field names), the CLI, the extension and the bot. Hashes are hex
 * here, and only here: everything inside Veil uses Uint8Array(32).
 */
import type { HashKind, ImageHashes } from '../hash/types';
import { DIHEDRAL_NAMES } from '../hash/types';
import { bytesToHex } from '../hex';
import type { ListName } from '../match/types';
import { keyIdOf } from './listFormat';

export const LIST_CONTENT_TYPE = 'application/vnd.veil.list';

export interface HashJson {
  kind: HashKind;
  /** 64 hex digits. */
  hash: string;
  /** PDQ quality 0..100 (required for pdq). */
  quality?: number;
  /** Which photo of the request this hash belongs to (0-based); groups a photo's hashes. */
  photo?: number;
  /** For PDQ: the dihedral variant (DIHEDRAL_NAMES); absent or 'original' for the image as is. */
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

/** The JSON a victim's device sends for one photo's hashes. */
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
  if (photo === undefined) for (const x of out) delete x.photo;
  return out;
}
