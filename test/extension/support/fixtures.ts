import { decodeImage } from '../../../node/decode';
import { computeHashesFromRgba } from '../../../shared/hash/compute';
import type { ImageHashes } from '../../../shared/hash/types';
import { photoLike, rawSharp, seededRandom } from '../../support/images';

/**
 * Test photos, generated (no binary fixtures): one "leaked" photo that the test lists, its edited
 * copies as they circulate (re-compressed, resized, re-encoded as WebP), and unrelated photos.
 */
export interface Fixtures {
  listed: Buffer;
  listedQ55: Buffer;
  listedSmall: Buffer;
  listedWebp: Buffer;
  others: Buffer[];
  /** A second listed photo with strong pixel-level detail, so a screen frame showing it is unmistakable. */
  textured: Buffer;
  texturedHashes: ImageHashes;
  /** The listed photo's hashes, computed in Node with the shared pipeline (what a victim submits). */
  listedHashes: ImageHashes;
}

export const LISTED_SEED = 4242;

export async function makeFixtures(otherCount = 4): Promise<Fixtures> {
  const leaked = photoLike(800, 600, LISTED_SEED);
  const listed = await rawSharp(leaked).jpeg({ quality: 92 }).toBuffer();
  const listedQ55 = await rawSharp(leaked).jpeg({ quality: 55 }).toBuffer();
  const listedSmall = await rawSharp(leaked).resize(400, 300).jpeg({ quality: 80 }).toBuffer();
  const listedWebp = await rawSharp(leaked).webp({ quality: 75 }).toBuffer();
  const others: Buffer[] = [];
  for (let i = 0; i < otherCount; i++) others.push(await rawSharp(photoLike(640, 480, 9000 + i)).jpeg({ quality: 85 }).toBuffer());
  const listedHashes = computeHashesFromRgba(await decodeImage(new Uint8Array(listed)));
  const grainy = photoLike(400, 300, LISTED_SEED + 1);
  const rand = seededRandom(7);
  for (let i = 0; i < grainy.data.length; i++) grainy.data[i] = Math.max(0, Math.min(255, grainy.data[i] + Math.round((rand() - 0.5) * 120)));
  const textured = await rawSharp(grainy).png().toBuffer();
  const texturedHashes = computeHashesFromRgba(await decodeImage(new Uint8Array(textured)));
  return { listed, listedQ55, listedSmall, listedWebp, others, listedHashes, textured, texturedHashes };
}
