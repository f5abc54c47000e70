import type { ContentRect } from './trim';

/**
 * The crops Veil hashes so that a cropped copy of a registered photo still lands near a listed
 * hash. PDQ is a global hash: a crop of 1% per side moves it by a median 24 bits, 2% by 40 (the
 * threshold is 31; docs/evaluation.md), so a crop is only found when some listed hash was taken
 * from nearly the same rectangle.
 *
 * Two ladders meet in the middle. Registration lists PDQs of crops at coarse steps
 * (REGISTRATION_SCALES, kind 'pdq-crop'); a query also hashes a few slightly smaller crops of
 * itself (QUERY_SCALES). A copy cropped to scale c of the photo, hashed at query scale q, is the
 * photo's crop at c·q, and the products of the two ladders lie within 1.5% of every scale from 1
 * down to about 0.5: at most 0.75% per side, inside PDQ's tolerance. The list pays for the
 * coarse ladder, each query for the fine one.
 *
 * Anchors: a crop keeps the centre (someone trims the edges) or one corner (someone cuts the
 * photo down to one part of it). A copy re-framed to another aspect ratio (a square feed, a 4:3
 * collage cell, a 16:9 banner) keeps the centre at the widest crop of that ratio: ASPECT_RATIOS.
 */

export type CropAnchor = 'centre' | 'top-left' | 'top-right' | 'bottom-left' | 'bottom-right';

export interface CropView {
  anchor: CropAnchor;
  /** Kept share of each side (1 = the whole side); for an aspect crop, of the limiting side. */
  scale: number;
  /** Set for an aspect-ratio crop: the width / height it was cut to. */
  aspect?: number;
  rect: ContentRect;
}

const CORNERS: readonly CropAnchor[] = ['top-left', 'top-right', 'bottom-left', 'bottom-right'];

/**
 * Registered centre crops: 0.9^k for k = 1..7, down to 0.48 of each side (a query's own crops
 * only ever cut more, so the ladder must reach below the deepest crop it should find: half).
 */
export const REGISTRATION_CENTRE_SCALES: readonly number[] = [0.9, 0.81, 0.729, 0.656, 0.59, 0.531, 0.478];
/** Registered corner crops: the corner part down to 0.59 of each side (more would mostly repeat the centre ones). */
export const REGISTRATION_CORNER_SCALES: readonly number[] = [0.9, 0.81, 0.729, 0.656, 0.59];
/** A query's own crops, filling the 10% steps of the registered ladder at 3% steps. */
export const QUERY_CENTRE_SCALES: readonly number[] = [0.97, 0.94];
export const QUERY_CORNER_SCALES: readonly number[] = [0.97, 0.94];
/**
 * A query's corner parts at exactly the registered 0.59: a sticker, a caption or a blurred patch
 * laid over one part of the photo leaves some corner part untouched, which then meets its listed
 * crop (each corner part holds 35% of the photo; the four overlap in the middle).
 */
export const QUERY_PART_SCALE = 0.59;
/** Aspect ratios a photo is commonly re-framed to. */
export const ASPECT_RATIOS: readonly number[] = [1, 4 / 3, 3 / 4, 3 / 2, 2 / 3, 16 / 9, 9 / 16];
/** An aspect crop this close to the photo's own ratio is the photo itself (within PDQ's tolerance). */
const ASPECT_SAME = 0.03;
/** An aspect crop keeping less than this share of the photo's area is too far from it to list. */
const ASPECT_MIN_AREA = 0.5;
/** No view smaller than this many pixels each way: too little left to hash reliably. */
export const MIN_VIEW_PX = 32;

function anchored(anchor: CropAnchor, width: number, height: number, w: number, h: number): ContentRect {
  const left = anchor === 'top-left' || anchor === 'bottom-left' ? 0 : anchor === 'centre' ? Math.round((width - w) / 2) : width - w;
  const top = anchor === 'top-left' || anchor === 'top-right' ? 0 : anchor === 'centre' ? Math.round((height - h) / 2) : height - h;
  return { x: left, y: top, width: w, height: h };
}

function scaled(anchor: CropAnchor, scale: number, width: number, height: number): CropView | null {
  const w = Math.round(width * scale);
  const h = Math.round(height * scale);
  if (w < MIN_VIEW_PX || h < MIN_VIEW_PX || (w === width && h === height)) return null;
  return { anchor, scale, rect: anchored(anchor, width, height, w, h) };
}

function ladder(width: number, height: number, centre: readonly number[], corner: readonly number[]): CropView[] {
  const views: CropView[] = [];
  for (const s of centre) {
    const v = scaled('centre', s, width, height);
    if (v) views.push(v);
  }
  for (const s of corner) {
    for (const anchor of CORNERS) {
      const v = scaled(anchor, s, width, height);
      if (v) views.push(v);
    }
  }
  return views;
}

/** The widest centre crop of each ASPECT_RATIOS ratio that differs enough from the photo's own. */
export function aspectCropViews(width: number, height: number): CropView[] {
  const own = width / height;
  const views: CropView[] = [];
  for (const aspect of ASPECT_RATIOS) {
    if (Math.abs(Math.log(aspect / own)) < ASPECT_SAME) continue;
    const w = aspect < own ? Math.round(height * aspect) : width;
    const h = aspect < own ? height : Math.round(width / aspect);
    if (w < MIN_VIEW_PX || h < MIN_VIEW_PX || (w * h) / (width * height) < ASPECT_MIN_AREA) continue;
    views.push({ anchor: 'centre', scale: aspect < own ? w / width : h / height, aspect, rect: anchored('centre', width, height, w, h) });
  }
  return views;
}

/** The crops a registered photo lists (kind 'pdq-crop'): the coarse ladders and the aspect crops. */
export function registrationCropViews(width: number, height: number): CropView[] {
  return [...ladder(width, height, REGISTRATION_CENTRE_SCALES, REGISTRATION_CORNER_SCALES), ...aspectCropViews(width, height)];
}

/** The crops a query hashes of itself: the fine steps between the registered ones, then the corner parts. */
export function queryCropViews(width: number, height: number): CropView[] {
  return [...ladder(width, height, QUERY_CENTRE_SCALES, QUERY_CORNER_SCALES), ...ladder(width, height, [], [QUERY_PART_SCALE])];
}
