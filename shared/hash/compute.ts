import type { LumaImage, RgbaImage } from '../image/types';
import { hashInputLuma, PDQ_FRONT_END_DIMS, type Flip } from '../image/canonical';
import { copyRect, findContentRect, type ContentRect } from '../image/trim';
import { queryCropViews, registrationCropViews } from '../image/cropViews';
import { findSmallRotation, unrotate } from '../image/deskew';
import { findQueryRegions } from '../image/regions';
import { createCropPdqScratch, cropPdqOfRect, lumaTable, wipeCropPdqScratch, type CropPdqScratch, type LumaTable } from './cropPdq';
import type { CropHash, ImageHashes, QueryView } from './types';
import { checkHashUsable } from './gates';
import { createPdqScratch, pdqDihedralFromLuma, pdqFromLuma, type PdqScratch } from './pdq';
import { blockhashFromLuma, createBlockhashScratch, type BlockhashScratch } from './blockhash';

/**
 * Every hash Veil takes of one image, from one canonical luma image. The extension, the bot, the
 * registry's tools and the CLI all call these, so one file gets one set of hashes everywhere.
 * Usability (quality, degenerate bits) is judged separately by gates.ts.
 */

/** Buffers reused across a batch: pass one scratch to every call and a batch allocates little. */
export interface HashScratch {
  pdq: PdqScratch;
  blockhash: BlockhashScratch;
  /** Canonical luma of the last RGBA image (computeHashesFromRgba); grown on demand. */
  luma: Float32Array;
  /** A flipped copy of the luma (registration hashes only); grown on demand. */
  flipped: Float32Array;
  /** The PDQ front end's resampled pixels (hashInputLuma), zeroed after each use. */
  frontEnd: Uint8Array;
  /** RGBA of one rectangle of the image (a query view, a registration crop); grown on demand, zeroed after each use. */
  rect: Uint8Array;
  /** The crop hash's integrated luma (cropPdq.ts); grown on demand. */
  crop: CropPdqScratch;
}

export interface HashOptions {
  /**
   * Hash a photo being registered: also the PDQs of its mirrored images (ImageHashes.pdqFlips)
   * and of its crops (ImageHashes.crops), and no query views. Default: a query.
   */
  registration?: boolean;
  /**
   * Also hash the query's other views (ImageHashes.views): the photo inside a frame, its own
   * slightly smaller crops. Default: on for queries, off for registration, which lists the
   * photo as it is submitted.
   */
  views?: boolean;
}

export function createHashScratch(): HashScratch {
  return { pdq: createPdqScratch(), blockhash: createBlockhashScratch(), luma: new Float32Array(0),
    flipped: new Float32Array(0),
    frontEnd: new Uint8Array(PDQ_FRONT_END_DIMS * PDQ_FRONT_END_DIMS * 4),
    rect: new Uint8Array(0),
    crop: createCropPdqScratch(),
  };
}

/**
 * PDQ (with quality and the eight dihedral variants) and blockhash of a canonical luma image.
 * width and height are the luma image's, which are the decoded image's unless lumaFromRgba
 * reduced a very large image; use computeHashesFromRgba to report the decoded size.
 */
export function computeImageHashes(img: LumaImage, scratch: HashScratch = createHashScratch()): ImageHashes {
  const { hashes, quality } = pdqDihedralFromLuma(img, scratch.pdq);
  return {
    pdq: hashes[0],
    quality,
    pdqDihedral: hashes,
    blockhash: blockhashFromLuma(img, scratch.blockhash),
    width: img.width,
    height: img.height,
  };
}

const FLIPS: readonly Flip[] = [
  { x: true, y: false },
  { x: false, y: true },
  { x: true, y: true },
];

/**
 * PDQ of the image mirrored left-right, upside down, and both (FLIP_NAMES order), each through
 * the same front end as a copy that arrived mirrored, so they equal that copy's own PDQ.
 */
export function pdqOfFlips(img: RgbaImage, scratch: HashScratch = createHashScratch()): Uint8Array[] {
  return FLIPS.map((flip) => {
    const luma = hashInputLuma(img, scratch.flipped, scratch.frontEnd, flip);
    if (luma.luma.buffer !== scratch.flipped.buffer) scratch.flipped = luma.luma;
    return pdqFromLuma(luma, scratch.pdq).hash;
  });
}

/**
 * Hashes of decoded RGBA (EXIF orientation already applied): PDQ's reference front end (images
 * over 512 px resampled to 512 x 512, see hashInputLuma), luma with alpha onto white, then
 * computeImageHashes, and the crop hash of the whole image (cropPdq.ts). width and height are the
 * decoded image's. Everything derived from the pixels lives in the scratch and is overwritten by
 * the next call; nothing of the image is kept. Registration adds the mirrored PDQs and the listed
 * crop hashes; a query adds its views.
 */
export function computeHashesFromRgba(img: RgbaImage, scratch: HashScratch = createHashScratch(), opts: HashOptions = {}): ImageHashes {
  const { hashes, table } = hashWhole(img, scratch);
  if (opts.registration) {
    hashes.pdqFlips = pdqOfFlips(img, scratch);
    hashes.crops = registrationCrops(img, table, scratch);
  }
  if (opts.views ?? !opts.registration) {
    const views = queryViews(img, table, scratch);
    if (views.length > 0) hashes.views = views;
  }
  // The table is the image's luma in another form: it goes as soon as the hashes exist.
  wipeCropPdqScratch(scratch.crop);
  return hashes;
}

/**
 * The image's own hashes: PDQ, its dihedral variants and blockhash, and the crop hash of the whole
 * image, from the luma table returned (the views' crop hashes are taken from it too).
 */
function hashWhole(img: RgbaImage, scratch: HashScratch): { hashes: ImageHashes; table: LumaTable } {
  const hashes = hashRgba(img, scratch);
  const table = lumaTable(img, scratch.crop);
  hashes.cropHash = cropPdqOfRect(table, { x: 0, y: 0, width: img.width, height: img.height }, scratch.pdq, true);
  return { hashes, table };
}

/** PDQ, dihedral variants and blockhash of the image as it is. */
function hashRgba(img: RgbaImage, scratch: HashScratch): ImageHashes {
  const luma = hashInputLuma(img, scratch.luma, scratch.frontEnd);
  if (luma.luma.buffer !== scratch.luma.buffer) scratch.luma = luma.luma;
  return { ...computeImageHashes(luma, scratch), width: img.width, height: img.height };
}

/**
 * Every hash of one rectangle of the image, as a copy cut to that rectangle would get them: PDQ
 * and blockhash through the same front end (the rectangle is copied into the scratch and zeroed
 * once hashed), the crop hash from the whole image's table.
 */
function hashRect(img: RgbaImage, rect: ContentRect, table: LumaTable, scratch: HashScratch): ImageHashes {
  const inner = copyRect(img, rect, scratch.rect);
  if (inner.data.buffer !== scratch.rect.buffer) scratch.rect = new Uint8Array(inner.data.buffer);
  try {
    const hashes = hashRgba(inner, scratch);
    hashes.cropHash = cropPdqOfRect(table, rect, scratch.pdq, true);
    return hashes;
  } finally {
    inner.data.fill(0);
  }
}

const NO_HASH = new Uint8Array(0);

/**
 * A view that carries only its crop hash: a query's own crops meet only the listed crops. Without
 * dihedral variants: a query has some fifteen of these, each variant is one more index search
 * (about 0.3 ms at a million entries), and a mirrored crop is still found when it lands near a
 * listed crop through the variants of the image as received.
 */
function cropOnly(rect: ContentRect, table: LumaTable, scratch: HashScratch): ImageHashes {
  return { pdq: NO_HASH, quality: 0, pdqDihedral: [], blockhash: NO_HASH, cropHash: cropPdqOfRect(table, rect, scratch.pdq, false), width: rect.width, height: rect.height };
}

/** The listed crop hashes (the whole photo, then cropViews.ts registrationCropViews) that pass the gates, each once. */
function registrationCrops(img: RgbaImage, table: LumaTable, scratch: HashScratch): CropHash[] {
  const crops: CropHash[] = [];
  const seen = new Set<string>();
  const rects = [{ x: 0, y: 0, width: img.width, height: img.height }, ...registrationCropViews(img.width, img.height).map((v) => v.rect)];
  for (const rect of rects) {
    const { hashes, quality } = cropPdqOfRect(table, rect, scratch.pdq, false);
    if (!checkHashUsable('pdq-crop', hashes[0], quality).usable) continue;
    // A small photo's nearby crops can give the same bits: list each hash once.
    const key = hashes[0].join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    crops.push({ hash: hashes[0], quality });
  }
  return crops;
}

/**
 * A query's other views: the photo inside a uniform frame (trim.ts); the pictures inside a made-up
 * surface (regions.ts: under a caption, inside a screenshot, a collage's tiles); then the image's
 * own slightly smaller crops and corner parts (cropViews.ts), of the image as received and of the
 * framed photo (what looks like a frame may be the photo's own plain edge that a crop left
 * there); last, a photo turned by a small angle on a filled canvas, turned back (deskew.ts).
 */
function queryViews(img: RgbaImage, table: LumaTable, scratch: HashScratch): QueryView[] {
  const views: QueryView[] = [];
  const frame = findContentRect(img);
  if (frame !== null) views.push({ name: 'trimmed', hashes: hashRect(img, frame, table, scratch) });
  for (const region of findQueryRegions(img, { trimmed: frame })) views.push({ name: region.reason, hashes: hashRect(img, region.rect, table, scratch) });
  const whole = { x: 0, y: 0, width: img.width, height: img.height };
  for (const area of frame === null ? [whole] : [whole, frame]) {
    for (const view of queryCropViews(area.width, area.height)) {
      const rect = { ...view.rect, x: view.rect.x + area.x, y: view.rect.y + area.y };
      views.push({ name: 'crop', hashes: cropOnly(rect, table, scratch) });
    }
  }
  const rotation = findSmallRotation(img);
  if (rotation !== null) views.push({ name: 'deskewed', hashes: hashUnrotated(img, rotation.degrees, scratch) });
  return views;
}

/**
 * Every hash of the photo turned back (PDQ, blockhash, crop hash of the whole). Its pixels are a
 * new image, zeroed once hashed; its table replaces the query's, so this comes last.
 */
function hashUnrotated(img: RgbaImage, degrees: number, scratch: HashScratch): ImageHashes {
  const photo = unrotate(img, degrees);
  try {
    return hashWhole(photo, scratch).hashes;
  } finally {
    photo.data.fill(0);
  }
}

/**
 * Zeroes the scratch buffers that hold image-derived values (canonical luma, the filtered image,
 * the 64x64 and blockhash grids). Hashing never needs this; call it when a batch ends so that no
 * trace of the last image stays in memory while the scratch waits for the next one.
 */
export function wipeHashScratch(scratch: HashScratch): void {
  scratch.luma.fill(0);
  scratch.flipped.fill(0);
  scratch.rect.fill(0);
  wipeCropPdqScratch(scratch.crop);
  const { jarosz } = scratch.pdq;
  jarosz.full.fill(0);
  jarosz.colSums.fill(0);
  jarosz.rowsIn.fill(0);
  jarosz.rowsOut.fill(0);
  jarosz.sampled.fill(0);
  jarosz.sampledSums.fill(0);
  jarosz.sampledRow.fill(0);
  scratch.pdq.buffer64x64.fill(0);
  scratch.pdq.buffer16x64.fill(0);
  scratch.pdq.buffer16x16.fill(0);
  scratch.pdq.buffer16x16Aux.fill(0);
  scratch.blockhash.grid.fill(0);
  scratch.blockhash.columnSums.fill(0);
  scratch.blockhash.rgba.fill(0);
}
