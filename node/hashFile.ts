import { computeHashesFromRgba, createHashScratch, type HashOptions, type HashScratch } from '../shared/hash/compute';
import type { ImageHashes } from '../shared/hash/types';
import type { DecodeLimits, ImageFormat } from '../shared/image/sniff';
import { decodeImage } from './decode';

/**
 * One image file (a path or its bytes) to its hashes in Node: decode with sharp (node/decode.ts),
 * canonical luma and hashes in shared/ (the same code the extension runs). The decoded pixels
 * are zeroed and dropped as soon as the hashes exist; nothing of the image is kept or written.
 */

export interface FileHashes extends ImageHashes {
  format: ImageFormat;
  /** Frames in the file (1 for a still); only the first is hashed. */
  frames: number;
}

export interface HashImageOptions extends HashOptions {
  limits?: Partial<DecodeLimits>;
  /** Reused buffers; by default one scratch per process, created on first use. */
  scratch?: HashScratch;
}

let processScratch: HashScratch | undefined;

/**
 * Hashes one image. Concurrent calls may share a scratch: the hashing step is synchronous (only
 * decoding awaits), so two calls never use the buffers at the same time.
 * Throws the VeilErrors of decodeImage (image/*, io/read-failed).
 */
export async function hashImage(input: Uint8Array | string, opts: HashImageOptions = {}): Promise<FileHashes> {
  const img = await decodeImage(input, opts.limits);
  const scratch = opts.scratch ?? (processScratch ??= createHashScratch());
  try {
    const hashes = computeHashesFromRgba(img, scratch, { registration: opts.registration });
    return { ...hashes, format: img.format, frames: img.frames };
  } finally {
    img.data.fill(0);
  }
}
