import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashImage } from '../../node/hashFile';
import { createHashScratch } from '../../shared/hash/compute';
import { countBitsSet } from '../../shared/hash/gates';
import { NON_IMAGES, encodeWithOrientation, photoLike, rawSharp } from '../support/images';

/** hashImage: decode (node/decode.ts) and hash (shared/hash) one file, pixels dropped after. */

const picture = photoLike(480, 360, 61);
const other = photoLike(480, 360, 62);

function distance(a: Uint8Array, b: Uint8Array): number {
  const x = new Uint8Array(a.length);
  for (let i = 0; i < a.length; i++) x[i] = a[i] ^ b[i];
  return countBitsSet(x);
}

describe('hashImage', () => {
  it('returns PDQ with quality and dihedral variants, blockhash, size, format and frames', async () => {
    const h = await hashImage(await rawSharp(picture).jpeg({ quality: 90 }).toBuffer());
    expect(h).toMatchObject({ width: 480, height: 360, format: 'jpeg', frames: 1 });
    expect(h.pdq).toHaveLength(32);
    expect(h.blockhash).toHaveLength(32);
    expect(h.pdqDihedral).toHaveLength(8);
    expect(h.pdqDihedral[0]).toEqual(h.pdq);
    expect(h.quality).toBeGreaterThanOrEqual(80);
  });

  it('gives the same hashes for a path and for its bytes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'veil-hash-'));
    try {
      const bytes = await rawSharp(picture).png().toBuffer();
      await writeFile(join(dir, 'p.png'), bytes);
      const a = await hashImage(join(dir, 'p.png'));
      const b = await hashImage(bytes);
      expect(a.pdq).toEqual(b.pdq);
      expect(a.blockhash).toEqual(b.blockhash);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  const COPIES: [string, () => Promise<Buffer>][] = [
    ['JPEG q70', () => rawSharp(picture).jpeg({ quality: 70 }).toBuffer()],
    ['JPEG q40', () => rawSharp(picture).jpeg({ quality: 40 }).toBuffer()],
    ['WebP q75', () => rawSharp(picture).webp({ quality: 75 }).toBuffer()],
    ['AVIF q50', () => rawSharp(picture).avif({ quality: 50 }).toBuffer()],
    ['GIF', () => rawSharp(picture).gif().toBuffer()],
    ['half size JPEG', () => rawSharp(picture).resize(240, 180).jpeg({ quality: 85 }).toBuffer()],
    ['JPEG with EXIF orientation 6', () => encodeWithOrientation(picture, 6, 'jpeg')],
  ];

  it.each(COPIES)('keeps a re-encoded copy (%s) close to the PNG original and far from another picture', async (_name, encode) => {
    const original = await hashImage(await rawSharp(picture).png().toBuffer());
    const unrelated = await hashImage(await rawSharp(other).png().toBuffer());
    const copy = await hashImage(await encode());
    // 31 bits is PDQ's usual match threshold; copies sit inside it (measured on this picture:
    // 0-4 bits for re-encodings and EXIF rotation, 12-16 for the half-size copy).
    expect(distance(copy.pdq, original.pdq)).toBeLessThanOrEqual(24);
    expect(distance(unrelated.pdq, original.pdq)).toBeGreaterThan(64);
  });

  it('gives the same hashes with a reused scratch, in any order, sequential or concurrent', async () => {
    const a = await rawSharp(picture).jpeg().toBuffer();
    const b = await rawSharp(other).jpeg().toBuffer();
    const fresh = await hashImage(a, { scratch: createHashScratch() });
    const scratch = createHashScratch();
    await hashImage(b, { scratch });
    const reused = await hashImage(a, { scratch });
    const [c1, c2] = await Promise.all([hashImage(a), hashImage(b)]);
    expect(reused.pdq).toEqual(fresh.pdq);
    expect(reused.blockhash).toEqual(fresh.blockhash);
    expect(c1.pdq).toEqual(fresh.pdq);
    expect(c2.pdq).not.toEqual(fresh.pdq);
  });

  it('hashes the first frame of an animated GIF and reports the frame count', async () => {
    const { encodeAnimated } = await import('../support/images');
    const h = await hashImage(await encodeAnimated(160, 120, 71, 4, 'gif'));
    expect(h).toMatchObject({ format: 'gif', frames: 4, width: 160, height: 120 });
  });

  it('passes decoding errors through with their codes', async () => {
    await expect(hashImage(NON_IMAGES.html)).rejects.toMatchObject({ code: 'image/unsupported-format' });
    await expect(hashImage(new Uint8Array(0))).rejects.toMatchObject({ code: 'image/empty' });
  });
});
