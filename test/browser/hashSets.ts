import { countBitsSet } from '../../shared/hash/gates';
import { DIHEDRAL_NAMES, FLIP_NAMES, type HashKind, type ImageHashes } from '../../shared/hash/types';
import { bytesToHex, hexToBytes } from '../../shared/hex';

/**
 * Every hash computeHashesFromRgba returns for one image, as hex in plain JSON, so the browser
 * side (entry.ts, through page.evaluate) and Node can be compared field by field. Imported by
 * entry.ts too, so both sides are written by the same code. New query views are carried by
 * name without changes here.
 */

/** PDQ (with dihedral variants and quality), blockhash and crop hash of one image or view. */
export interface HashesHex {
  /** '' where the view has no PDQ (a `crop` view carries only its crop hash). */
  pdq: string;
  quality: number;
  dihedral: string[];
  blockhash: string;
  /** The crop hash's eight dihedral variants (DIHEDRAL_NAMES order) and quality. */
  cropHash?: { hashes: string[]; quality: number };
}

export interface HashSetHex extends HashesHex {
  width: number;
  height: number;
  /** Query only: the views, in computeHashesFromRgba's order. */
  views?: { name: string; hashes: HashesHex }[];
  /** Registration only ({ registration: true }). */
  pdqFlips?: string[];
  crops?: { hash: string; quality: number }[];
}

function hashesHex(h: ImageHashes): HashesHex {
  return {
    pdq: bytesToHex(h.pdq),
    quality: h.quality,
    dihedral: h.pdqDihedral.map(bytesToHex),
    blockhash: bytesToHex(h.blockhash),
    ...(h.cropHash ? { cropHash: { hashes: h.cropHash.hashes.map(bytesToHex), quality: h.cropHash.quality } } : {}),
  };
}

export function hashSetHex(h: ImageHashes): HashSetHex {
  return {
    ...hashesHex(h),
    width: h.width,
    height: h.height,
    ...(h.views ? { views: h.views.map((v) => ({ name: v.name, hashes: hashesHex(v.hashes) })) } : {}),
    ...(h.pdqFlips ? { pdqFlips: h.pdqFlips.map(bytesToHex) } : {}),
    ...(h.crops ? { crops: h.crops.map((c) => ({ hash: bytesToHex(c.hash), quality: c.quality })) } : {}),
  };
}

/** One hash present on both sides: how many bits apart, and the lower of the two qualities (PDQ kinds). */
export interface HashPair {
  what: string;
  kind: HashKind;
  bits: number;
  /** The lower quality of the two (for blockhash, of the image's PDQ); decides whether the bit bound applies. */
  quality: number;
  /** |quality a - quality b| (0 for blockhash). */
  qualityDelta: number;
}

export interface HashSetComparison {
  pairs: HashPair[];
  /** Differences in shape: a view, a variant or a listed crop on one side only, or in another order. */
  mismatches: string[];
}

function hammingHex(a: string, b: string): number {
  const x = hexToBytes(a);
  const y = hexToBytes(b);
  for (let i = 0; i < x.length; i++) x[i] ^= y[i];
  return countBitsSet(x);
}

/** Pairs the lists a and b element by element; a length difference is a mismatch. */
function pairLists<T>(what: string, a: readonly T[] | undefined, b: readonly T[] | undefined, out: HashSetComparison, each: (x: T, y: T, i: number) => void): void {
  if ((a === undefined) !== (b === undefined)) out.mismatches.push(`${what}: present on one side only`);
  if (!a || !b) return;
  if (a.length !== b.length) out.mismatches.push(`${what}: ${a.length} vs ${b.length}`);
  for (let i = 0; i < Math.min(a.length, b.length); i++) each(a[i], b[i], i);
}

function compareHashes(prefix: string, a: HashesHex, b: HashesHex, out: HashSetComparison): void {
  const pdqQuality = Math.min(a.quality, b.quality);
  const qualityDelta = Math.abs(a.quality - b.quality);
  if ((a.pdq === '') !== (b.pdq === '')) out.mismatches.push(`${prefix}pdq: present on one side only`);
  else if (a.pdq !== '') {
    pairLists(`${prefix}pdq dihedral`, a.dihedral, b.dihedral, out, (x, y, i) =>
      out.pairs.push({ what: `${prefix}pdq ${DIHEDRAL_NAMES[i]}`, kind: 'pdq', bits: hammingHex(x, y), quality: pdqQuality, qualityDelta }),
    );
  }
  if ((a.blockhash === '') !== (b.blockhash === '')) out.mismatches.push(`${prefix}blockhash: present on one side only`);
  else if (a.blockhash !== '') out.pairs.push({ what: `${prefix}blockhash`, kind: 'blockhash', bits: hammingHex(a.blockhash, b.blockhash), quality: pdqQuality, qualityDelta: 0 });
  if ((a.cropHash === undefined) !== (b.cropHash === undefined)) out.mismatches.push(`${prefix}crop hash: present on one side only`);
  if (a.cropHash && b.cropHash) {
    const quality = Math.min(a.cropHash.quality, b.cropHash.quality);
    const delta = Math.abs(a.cropHash.quality - b.cropHash.quality);
    pairLists(`${prefix}crop hash`, a.cropHash.hashes, b.cropHash.hashes, out, (x, y, i) =>
      out.pairs.push({ what: `${prefix}crop hash ${DIHEDRAL_NAMES[i]}`, kind: 'pdq-crop', bits: hammingHex(x, y), quality, qualityDelta: delta }),
    );
  }
}

/**
 * Every hash of a against the same hash of b (labels start with `prefix`); shape differences are
 * listed, not paired by guess. Pass `out` to collect several sets' comparisons in one.
 */
export function compareHashSets(a: HashSetHex, b: HashSetHex, prefix = '', out: HashSetComparison = { pairs: [], mismatches: [] }): HashSetComparison {
  if (a.width !== b.width || a.height !== b.height) out.mismatches.push(`${prefix}size: ${a.width}x${a.height} vs ${b.width}x${b.height}`);
  compareHashes(prefix, a, b, out);
  pairLists(`${prefix}views`, a.views, b.views, out, (x, y, i) => {
    if (x.name !== y.name) out.mismatches.push(`${prefix}view ${i}: ${x.name} vs ${y.name}`);
    else compareHashes(`${prefix}view ${i} (${x.name}) `, x.hashes, y.hashes, out);
  });
  pairLists(`${prefix}pdqFlips`, a.pdqFlips, b.pdqFlips, out, (x, y, i) =>
    out.pairs.push({ what: `${prefix}pdq ${FLIP_NAMES[i]}`, kind: 'pdq', bits: hammingHex(x, y), quality: Math.min(a.quality, b.quality), qualityDelta: Math.abs(a.quality - b.quality) }),
  );
  pairLists(`${prefix}listed crops`, a.crops, b.crops, out, (x, y, i) =>
    out.pairs.push({ what: `${prefix}listed crop ${i}`, kind: 'pdq-crop', bits: hammingHex(x.hash, y.hash), quality: Math.min(x.quality, y.quality), qualityDelta: Math.abs(x.quality - y.quality) }),
  );
  return out;
}

/** Every difference at all: what identical pixels must not show. */
export function anyDifference(c: HashSetComparison): string[] {
  return [...c.mismatches, ...c.pairs.filter((p) => p.bits > 0 || p.qualityDelta > 0).map((p) => `${p.what}: ${p.bits} bits, quality ${p.qualityDelta} apart`)];
}

/** Shape differences, and PDQ-kind hashes of at least minQuality more than maxBits apart. */
export function beyondBound(c: HashSetComparison, maxBits: number, minQuality: number): string[] {
  const far = c.pairs.filter((p) => p.kind !== 'blockhash' && p.quality >= minQuality && p.bits > maxBits);
  return [...c.mismatches, ...far.map((p) => `${p.what}: ${p.bits} bits (quality ${p.quality})`)];
}

/** The largest distance among pairs of one kind whose quality reaches minQuality (-1 for none). */
export function maxBits(c: HashSetComparison, kind: HashKind, minQuality = 0): number {
  return Math.max(-1, ...c.pairs.filter((p) => p.kind === kind && p.quality >= minQuality).map((p) => p.bits));
}
