import { computeHashesFromRgba, wipeHashScratch, type HashScratch } from '../../../shared/hash/compute';
import type { ImageHashes } from '../../../shared/hash/types';
import { decodeInBrowser, type BrowserDecodeEnv } from '../../../shared/image/browserDecode';
import { imageHashesToJson, type HashJson } from '../../../shared/registry/wire';

/**
 * One photo of the protect page, file to registration hashes. Used in the page itself (the
 * extension) and in the registry page's Web Worker, so both hosts hash alike. The decoded pixels
 * live only inside this call; the scratch is wiped before it returns, so no trace of the photo
 * stays in memory while the next one waits. Throws the decoder's VeilError (image/...).
 */
export async function hashPhotoFile(file: Blob, env: BrowserDecodeEnv, scratch: HashScratch): Promise<ImageHashes> {
  try {
    const img = await decodeInBrowser(file, env);
    // Registration: the PDQs of the mirrored photo too, so a re-posted mirror matches exactly, and
    // the crop hashes of the photo's crops, so a cropped copy does.
    return computeHashesFromRgba(img, scratch, { registration: true });
  } finally {
    wipeHashScratch(scratch);
  }
}

/**
 * What is sent for one photo: its PDQ, the PDQs of its three mirrored images (plain 'pdq' hashes
 * of the same photo, which the registry lists), its blockhash, and its crop hashes (kind
 * 'pdq-crop': the whole photo and about 28 crops of it, so that cropped copies are found).
 * Dihedral variants are left out: the registry accepts but never lists them; matchers hash their
 * queries' variants.
 */
export function registrationHashesJson(h: ImageHashes, photo: number): HashJson[] {
  return imageHashesToJson(h, photo, false);
}
