/**
 * Photo-like test images made at test time with sharp (no fixtures, no ../shared corpus), and
 * the edits a leaked photo goes through when it is re-posted: re-compression and resizing.
 */
import sharp from 'sharp';
import { photoLike, rawSharp } from '../../support/images';

/** A photo-like JPEG (seeded: the same seed gives the same pixels). */
export async function photoJpeg(seed: number, width = 640, height = 480, quality = 90): Promise<Uint8Array> {
  return new Uint8Array(await rawSharp(photoLike(width, height, seed)).jpeg({ quality }).toBuffer());
}

export async function photoPng(seed: number, width = 320, height = 240): Promise<Uint8Array> {
  return new Uint8Array(await rawSharp(photoLike(width, height, seed)).png().toBuffer());
}

/** The photo as a re-post would carry it: scaled, then re-encoded as JPEG at `quality`. */
export async function edited(bytes: Uint8Array, opts: { scale?: number; quality?: number; format?: 'jpeg' | 'webp' | 'png' }): Promise<Uint8Array> {
  const img = sharp(bytes);
  const meta = await img.metadata();
  const scale = opts.scale ?? 1;
  let pipe = scale === 1 ? img : img.resize(Math.round(meta.width * scale), Math.round(meta.height * scale));
  const q = opts.quality ?? 80;
  pipe = opts.format === 'webp' ? pipe.webp({ quality: q }) : opts.format === 'png' ? pipe.png() : pipe.jpeg({ quality: q });
  return new Uint8Array(await pipe.toBuffer());
}

/** Bytes that claim to be a JPEG but break off after the header: undecodable. */
export function corruptJpeg(valid: Uint8Array): Uint8Array {
  return valid.slice(0, Math.min(valid.length, 600));
}
