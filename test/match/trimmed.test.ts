import sharp, { type Sharp } from 'sharp';
import { describe, expect, it } from 'vitest';
import { computeHashesFromRgba, createHashScratch } from '../../shared/hash/compute';
import type { ImageHashes } from '../../shared/hash/types';
import type { RgbaImage } from '../../shared/image/types';
import { formatExplanation, Matcher } from '../../shared/match/matcher';
import { photoEntries, photoOfEntry } from '../../shared/match/register';
import { photoLike, rawSharp } from '../support/images';
import { flipBits, randomHash, sfc32 } from './random';

async function rgbaOf(s: Sharp): Promise<RgbaImage> {
  const jpeg = await s.jpeg({ quality: 80 }).toBuffer();
  const { data, info } = await sharp(jpeg).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data) };
}

/** Random query hashes (balanced, usable). */
function image(rnd: () => number, pdq = randomHash(rnd)): ImageHashes {
  return { pdq, quality: 90, pdqDihedral: [pdq, ...Array.from({ length: 7 }, () => randomHash(rnd))], blockhash: randomHash(rnd), width: 640, height: 480 };
}

/** The query `asIs` with `trimmed` as its one other view. */
function trimmedTo(asIs: ImageHashes, trimmed: ImageHashes): ImageHashes {
  return { ...asIs, views: [{ name: 'trimmed', hashes: trimmed }] };
}

describe('Matcher: the trimmed view of a framed photo', () => {
  it('finds a registered photo re-posted in a border through the trimmed view, and not an unrelated framed one', async () => {
    const scratch = createHashScratch();
    const matcher = new Matcher();
    const photos = [71, 72, 73].map((seed) => photoLike(560, 420, seed));
    for (const [i, p] of photos.entries()) {
      for (const e of photoEntries(i, computeHashesFromRgba(await rgbaOf(rawSharp(p)), scratch, { registration: true }), 'reported')) matcher.add(e);
    }
    const border = { top: 63, bottom: 63, left: 84, right: 84 };
    const copy = computeHashesFromRgba(await rgbaOf(rawSharp(photos[1]).extend({ ...border, background: '#000000' })), scratch);
    expect(copy.views?.[0].name).toBe('trimmed');
    expect(matcher.match({ ...copy, views: undefined })).toBeNull();
    const found = matcher.match(copy);
    expect(found).not.toBeNull();
    expect(photoOfEntry(found!.entry.id)).toBe(1);
    expect(found!.view).toBe('trimmed');
    expect(matcher.matchAll(copy).every((m) => photoOfEntry(m.entry.id) === 1 && m.view === 'trimmed')).toBe(true);
    expect(formatExplanation(matcher.explain(copy))[0]).toContain('(trimmed view)');

    const stranger = computeHashesFromRgba(await rgbaOf(rawSharp(photoLike(560, 420, 79)).extend({ ...border, background: '#ffffff' })), scratch);
    expect(stranger.views?.[0].name).toBe('trimmed');
    expect(matcher.match(stranger)).toBeNull();
    expect(matcher.matchAll(stranger)).toEqual([]);
  });

  it('takes the closer view, and the image as received on a tie', () => {
    const rnd = sfc32(80);
    const listed = randomHash(rnd);
    const matcher = new Matcher();
    matcher.add({ id: 5, kind: 'pdq', hash: listed, quality: 90, list: 'reported' });
    const far = image(rnd, flipBits(listed, 20, rnd));
    const near = image(rnd, flipBits(listed, 6, rnd));
    const closerTrimmed = matcher.match(trimmedTo(far, near));
    expect([closerTrimmed?.distance, closerTrimmed?.view]).toEqual([6, 'trimmed']);
    const closerAsIs = matcher.match(trimmedTo(near, far));
    expect([closerAsIs?.distance, closerAsIs?.view]).toEqual([6, undefined]);
    const tie = matcher.matchAll(trimmedTo(near, image(rnd, near.pdq)));
    expect(tie).toHaveLength(1);
    expect(tie[0].view).toBeUndefined();
  });

  it('lets a confirmed match through either view win over a closer reported one', () => {
    const rnd = sfc32(81);
    const a = randomHash(rnd);
    const b = randomHash(rnd);
    const matcher = new Matcher();
    matcher.add({ id: 1, kind: 'pdq', hash: a, quality: 90, list: 'reported' });
    matcher.add({ id: 2, kind: 'pdq', hash: b, quality: 90, list: 'confirmed' });
    const result = matcher.match(trimmedTo(image(rnd, flipBits(a, 2, rnd)), image(rnd, flipBits(b, 25, rnd))));
    expect([result?.entry.id, result?.view]).toEqual([2, 'trimmed']);
  });
});
