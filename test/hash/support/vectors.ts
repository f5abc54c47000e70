import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import type { RgbaImage } from '../../../shared/image/types';
import { PDQ_DIR } from '../../support/paths';

/** Rows of ../shared/pdq/expected.csv and expected-dihedral.csv (hex as the reference prints it). */
export interface PdqVector {
  file: string;
  path: string;
  hex: string;
  quality: number;
}

export interface PdqDihedralVector {
  file: string;
  path: string;
  quality: number;
  /** Eight hex hashes in DIHEDRAL_NAMES order. */
  hexes: string[];
}

function csvRows(name: string): string[][] {
  return readFileSync(join(PDQ_DIR, name), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(','));
}

export function loadPdqVectors(): PdqVector[] {
  return csvRows('expected.csv').map(([file, hex, quality]) => ({
    file,
    path: join(PDQ_DIR, 'images', file),
    hex,
    quality: Number(quality),
  }));
}

export function loadPdqDihedralVectors(): PdqDihedralVector[] {
  return csvRows('expected-dihedral.csv').map(([file, quality, ...hexes]) => ({
    file,
    path: join(PDQ_DIR, 'images', file),
    quality: Number(quality),
    hexes,
  }));
}

/** Decoded RGBA as Veil's Node edge hands it to shared/ (alpha kept; canonical.ts composites it). */
export async function decodeRgba(path: string): Promise<RgbaImage> {
  const { data, info } = await sharp(path).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data: new Uint8Array(data.buffer, data.byteOffset, data.length) };
}

/** The reference's front end: pdq-photo-hasher resizes anything over 512 px to 512 x 512. */
export const REFERENCE_DOWNSAMPLE_DIMS = 512;

/**
 * What pdq-photo-hasher (pdq/cpp/io/pdqio.cpp) does before hashing: an image with either side over
 * 512 px becomes 512 x 512 by CImg's default resize, nearest neighbour, target pixel x taking
 * source pixel floor(x · width / 512). Veil does not do this (it keeps the aspect ratio and every
 * pixel); tests use it to feed our PDQ exactly the pixels the reference hashed, so that any
 * difference left is ours.
 */
export function referenceFrontEnd(img: RgbaImage): RgbaImage {
  const { width, height, data } = img;
  if (width <= REFERENCE_DOWNSAMPLE_DIMS && height <= REFERENCE_DOWNSAMPLE_DIMS) return img;
  const n = REFERENCE_DOWNSAMPLE_DIMS;
  const out = new Uint8Array(n * n * 4);
  for (let y = 0; y < n; y++) {
    const sy = Math.floor((y * height) / n);
    for (let x = 0; x < n; x++) {
      const sx = Math.floor((x * width) / n);
      out.set(data.subarray((sy * width + sx) * 4, (sy * width + sx) * 4 + 4), (y * n + x) * 4);
    }
  }
  return { width: n, height: n, data: out };
}
