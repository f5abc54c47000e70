import { describe, expect, it } from 'vitest';
import { ASPECT_RATIOS, aspectCropViews, MIN_VIEW_PX, queryCropViews, REGISTRATION_CENTRE_SCALES, REGISTRATION_CORNER_SCALES, registrationCropViews } from '../../shared/image/cropViews';

describe('crop views', () => {
  it('anchors each registered crop at the centre or a corner, inside the image', () => {
    const views = registrationCropViews(1000, 750);
    const ladder = views.filter((v) => v.aspect === undefined);
    expect(ladder).toHaveLength(REGISTRATION_CENTRE_SCALES.length + 4 * REGISTRATION_CORNER_SCALES.length);
    for (const v of views) {
      expect(v.rect.x).toBeGreaterThanOrEqual(0);
      expect(v.rect.y).toBeGreaterThanOrEqual(0);
      expect(v.rect.x + v.rect.width).toBeLessThanOrEqual(1000);
      expect(v.rect.y + v.rect.height).toBeLessThanOrEqual(750);
    }
    const tl = views.find((v) => v.anchor === 'top-left' && v.scale === 0.81)!;
    expect(tl.rect).toEqual({ x: 0, y: 0, width: 810, height: 608 });
    const br = views.find((v) => v.anchor === 'bottom-right' && v.scale === 0.81)!;
    expect(br.rect).toEqual({ x: 190, y: 142, width: 810, height: 608 });
    const c = views.find((v) => v.anchor === 'centre' && v.scale === 0.9)!;
    expect(c.rect).toEqual({ x: 50, y: 38, width: 900, height: 675 });
  });

  it('makes the two ladders meet within 1.5% for every centre crop from 100% down to half', () => {
    const registered = [1, ...REGISTRATION_CENTRE_SCALES];
    for (let c = 1; c >= 0.5; c -= 0.005) {
      const gap = Math.min(...[1, 0.97, 0.94].flatMap((q) => registered.map((r) => Math.abs(Math.log((c * q) / r)))));
      expect(gap, `crop to ${c.toFixed(3)}`).toBeLessThan(0.022);
    }
    expect(queryCropViews(800, 600).map((v) => v.scale)).toEqual([0.97, 0.94, 0.97, 0.97, 0.97, 0.97, 0.94, 0.94, 0.94, 0.94, 0.59, 0.59, 0.59, 0.59]);
  });

  it('crops to the common aspect ratios that differ from the photo\'s own, keeping at least half of it', () => {
    const square = aspectCropViews(600, 600);
    expect(square.map((v) => v.aspect)).toEqual(ASPECT_RATIOS.filter((a) => a !== 1 && (a >= 1 ? 1 / a : a) >= 0.5));
    const fourThree = square.find((v) => v.aspect === 4 / 3)!;
    expect(fourThree.rect).toEqual({ x: 0, y: 75, width: 600, height: 450 });
    expect(aspectCropViews(800, 600).some((v) => v.aspect === 4 / 3)).toBe(false);
    for (const v of aspectCropViews(1200, 500)) expect(v.rect.width * v.rect.height).toBeGreaterThanOrEqual(0.5 * 1200 * 500);
  });

  it('leaves out crops smaller than MIN_VIEW_PX', () => {
    for (const v of [...registrationCropViews(60, 50), ...queryCropViews(60, 50)]) {
      expect(v.rect.width).toBeGreaterThanOrEqual(MIN_VIEW_PX);
      expect(v.rect.height).toBeGreaterThanOrEqual(MIN_VIEW_PX);
    }
    expect(registrationCropViews(30, 30)).toEqual([]);
  });
});
