import { describe, expect, it } from 'vitest';
import { FLIP_NAMES, type ImageHashes } from '../../shared/hash/types';
import { Matcher } from '../../shared/match/matcher';
import { PHOTO_ID_STRIDE, photoEntries, photoOfEntry } from '../../shared/match/register';
import { flipBits, randomHash, sfc32 } from './random';

/** Registration hashes of one photo: random (balanced, usable), with or without the flips. */
function photo(rnd: () => number, flips: boolean): ImageHashes {
  const pdq = randomHash(rnd);
  const hashes: ImageHashes = {
    pdq,
    quality: 87,
    pdqDihedral: [pdq, ...Array.from({ length: 7 }, () => randomHash(rnd))],
    blockhash: randomHash(rnd),
    width: 640,
    height: 480,
  };
  if (flips) {
    hashes.pdqFlips = FLIP_NAMES.map(() => randomHash(rnd));
    hashes.crops = [0, 1].map(() => ({ hash: randomHash(rnd), quality: 70 }));
  }
  return hashes;
}

describe('photoEntries and photoOfEntry', () => {
  it('lists PDQ and blockhash under id 64p, the flips under 64p+1 .. 64p+3 and the crops from 64p+4', () => {
    const rnd = sfc32(50);
    const h = photo(rnd, true);
    expect(PHOTO_ID_STRIDE).toBe(64);
    const entries = photoEntries(7, h, 'confirmed');
    expect(entries.map((e) => [e.id, e.kind])).toEqual([
      [448, 'pdq'],
      [448, 'blockhash'],
      [449, 'pdq'],
      [450, 'pdq'],
      [451, 'pdq'],
      [452, 'pdq-crop'],
      [453, 'pdq-crop'],
    ]);
    expect(entries[0].hash).toBe(h.pdq);
    expect(entries[1].hash).toBe(h.blockhash);
    expect(entries.slice(2, 5).map((e) => e.hash)).toEqual(h.pdqFlips);
    expect(entries.slice(5).map((e) => e.hash)).toEqual(h.crops!.map((c) => c.hash));
    for (const e of entries) {
      expect(e.list).toBe('confirmed');
      expect(photoOfEntry(e.id)).toBe(7);
      expect(e.quality).toBe(e.kind === 'pdq' ? 87 : e.kind === 'pdq-crop' ? 70 : undefined);
    }
  });

  it('lists only PDQ and blockhash when the hashes carry no flips', () => {
    const entries = photoEntries(0, photo(sfc32(51), false), 'reported');
    expect(entries.map((e) => [e.id, e.kind, e.list])).toEqual([
      [0, 'pdq', 'reported'],
      [0, 'blockhash', 'reported'],
    ]);
  });

  it('gives distinct photos disjoint ids, and maps every id back to its photo', () => {
    const rnd = sfc32(52);
    const seen = new Set<string>();
    for (let p = 0; p < 50; p++) {
      for (const e of photoEntries(p, photo(rnd, true), 'reported')) {
        const key = `${e.kind}/${e.id}`;
        expect(seen.has(key)).toBe(false);
        seen.add(key);
        expect(photoOfEntry(e.id)).toBe(p);
      }
    }
    expect(seen.size).toBe(50 * 7);
    expect(photoOfEntry(PHOTO_ID_STRIDE - 1)).toBe(0);
    expect(photoOfEntry(PHOTO_ID_STRIDE)).toBe(1);
  });

  it('loads into a Matcher, whose blockhash hits are corroborated by the photo\'s own PDQ only', () => {
    const rnd = sfc32(53);
    const m = new Matcher();
    const photos = [photo(rnd, true), photo(rnd, true), photo(rnd, true)];
    photos.forEach((h, p) => {
      for (const e of photoEntries(p, h, 'reported')) m.add(e);
    });
    expect(m.size).toBe(3 * 7);
    const target = photos[1];
    // A copy whose PDQ missed (45 bits) but whose blockhash is close: matched through photo 1's PDQ.
    const copy = photo(rnd, false);
    copy.blockhash = flipBits(target.blockhash, 6, rnd);
    copy.pdq = copy.pdqDihedral[0] = flipBits(target.pdq, 45, rnd);
    const hit = m.match(copy);
    expect(hit).toMatchObject({ kind: 'blockhash', distance: 6, entry: { id: PHOTO_ID_STRIDE } });
    expect(photoOfEntry(hit!.entry.id)).toBe(1);
    // A query PDQ near one of photo 1's flips (another id) does not corroborate its blockhash.
    copy.pdq = copy.pdqDihedral[0] = flipBits(target.pdqFlips![1], 45, rnd);
    expect(m.match(copy)).toBeNull();
    // The flips match as PDQ entries of the photo.
    copy.pdq = copy.pdqDihedral[0] = flipBits(target.pdqFlips![2], 3, rnd);
    const flipHit = m.match(copy);
    expect(flipHit).toMatchObject({ kind: 'pdq', distance: 3, entry: { id: PHOTO_ID_STRIDE + 3 } });
    expect(photoOfEntry(flipHit!.entry.id)).toBe(1);
  });
});
