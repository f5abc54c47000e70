import type { HashKind, ViewName } from '../hash/types';

/** The two strengths of list (see ../shared/design.md): soft actions on `reported`, hard ones on `confirmed`. */
export type ListName = 'reported' | 'confirmed';
export const LIST_NAMES: readonly ListName[] = ['reported', 'confirmed'];

/** One listed hash as the matcher holds it. */
export interface ListedHash {
  /** Stable id of the entry within its source (registry entry id or local id), uint32. */
  id: number;
  kind: HashKind;
  hash: Uint8Array;
  /** PDQ quality when kind is pdq; undefined otherwise. */
  quality?: number;
  list: ListName;
}

/** A verdict for one image. */
export interface MatchResult {
  /** The listed entry that matched (closest one under the policy). */
  entry: ListedHash;
  /** Which of the query's hashes matched it. */
  kind: HashKind;
  distance: number;
  /** For PDQ: which dihedral variant of the query matched (0 = as is). */
  dihedral?: number;
  /** Set when one of the query's other views matched (ImageHashes.views), not the image as received. */
  view?: ViewName;
}
