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

