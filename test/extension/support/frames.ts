import sharp from 'sharp';

/**
 * What a screen frame shows in one rectangle, measured without reference pixels: a sharp photo
 * has strong pixel-to-pixel detail (mean absolute difference between horizontal neighbours, in
 * luma levels), a heavily blurred one almost none, a hidden one (blank page) none at all.
 */
export interface RegionStats {
  /** Mean |luma(x+1) − luma(x)| over the region. */
  detail: number;
  /** Mean luma, 0..255 (255 = white, the empty page). */
  mean: number;
}

export async function regionStats(png: Buffer, rect: { x: number; y: number; width: number; height: number }, scale = 1): Promise<RegionStats> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const x0 = Math.round(rect.x * scale);
  const y0 = Math.round(rect.y * scale);
  const x1 = Math.min(info.width, Math.round((rect.x + rect.width) * scale));
  const y1 = Math.min(info.height, Math.round((rect.y + rect.height) * scale));
  const c = info.channels;
  let detail = 0;
  let sum = 0;
  let n = 0;
  let nd = 0;
  for (let y = y0; y < y1; y++) {
    let prev = -1;
    for (let x = x0; x < x1; x++) {
      const p = (y * info.width + x) * c;
      const luma = 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2];
      sum += luma;
      n++;
      if (prev >= 0) {
        detail += Math.abs(luma - prev);
        nd++;
      }
      prev = luma;
    }
  }
  return { detail: nd ? detail / nd : 0, mean: n ? sum / n : 255 };
}

/**
 * Mean absolute difference (0..255, over RGB) between the same rectangle of two screenshots of
 * one size: near 0 when a frame shows exactly what the reference shows.
 */
export async function regionDifference(a: Buffer, b: Buffer, rect: { x: number; y: number; width: number; height: number }): Promise<number> {
  const ra = await sharp(a).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const rb = await sharp(b).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (ra.info.width !== rb.info.width || ra.info.height !== rb.info.height) throw new Error('screenshots differ in size');
  const w = ra.info.width;
  const c = ra.info.channels;
  let sum = 0;
  let n = 0;
  for (let y = rect.y; y < rect.y + rect.height; y++) {
    for (let x = rect.x; x < rect.x + rect.width; x++) {
      const p = (y * w + x) * c;
      for (let k = 0; k < 3; k++) sum += Math.abs(ra.data[p + k] - rb.data[p + k]);
      n += 3;
    }
  }
  return n ? sum / n : 0;
}
