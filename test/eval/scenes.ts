import type { RgbaImage } from '../../shared/image/types';
import { seededRandom } from './edits';

/**
 * Smooth synthetic scenes: the images whose hashes unrelated pictures share most easily (a sky
 * over a horizon, a vignette, a colour ramp; half with faint noise), as on many web pages'
 * backgrounds and banners. Never registered: `npm run eval` queries them as negatives, and
 * test/eval/lowQuality.ts uses them to measure the quality gate.
 */
export type SceneKind = 'horizon' | 'vignette' | 'gradient';
export const SCENES: [SceneKind, number][] = [['horizon', 240], ['vignette', 120], ['gradient', 120]];

/** A smooth synthetic scene (seeded): two-tone sky over ground, a radial vignette, or a linear ramp; half with faint noise. */
export function scene(kind: SceneKind, seed: number): RgbaImage {
  const r = seededRandom(seed);
  const portrait = r() < 0.25;
  const width = portrait ? 480 : 768;
  const height = portrait ? 768 : 480;
  const colour = () => {
    const base = r() * 200 + 20;
    return [0, 1, 2].map(() => base + (r() - 0.5) * 60);
  };
  const noise = r() < 0.5 ? r() * 5 : 0;
  const out = new Float64Array(3);
  let pixel: (u: number, v: number) => void;
  const mix = (a: number[], b: number[], t: number, c: number) => a[c] + (b[c] - a[c]) * t;
  if (kind === 'horizon') {
    const [horizon, tilt, soft] = [0.2 + r() * 0.6, (r() - 0.5) * 0.1, r() * 0.08];
    const hills = r() < 0.5 ? r() * 0.05 : 0;
    const [freq, phase] = [1 + r() * 4, r() * 6.28];
    const [sky0, sky1, ground0, ground1] = [colour(), colour(), colour(), colour()];
    pixel = (u, v) => {
      const line = horizon + tilt * (u - 0.5) + hills * Math.sin(freq * 6.28 * u + phase);
      const t = soft > 0 ? Math.min(1, Math.max(0, (v - line) / soft + 0.5)) : v > line ? 1 : 0;
      for (let c = 0; c < 3; c++) {
        const sky = mix(sky0, sky1, Math.min(1, v / Math.max(line, 0.01)), c);
        out[c] = sky * (1 - t) + mix(ground0, ground1, Math.max(0, (v - line) / Math.max(1 - line, 0.01)), c) * t;
      }
    };
  } else if (kind === 'vignette') {
    const [cx, cy, radius] = [0.3 + r() * 0.4, 0.3 + r() * 0.4, 0.4 + r() * 0.6];
    const [inner, outer] = [colour(), colour()];
    pixel = (u, v) => {
      const d = Math.min(1, Math.hypot(u - cx, (v - cy) * (height / width)) / radius);
      for (let c = 0; c < 3; c++) out[c] = mix(inner, outer, d * d, c);
    };
  } else {
    const angle = r() * Math.PI * 2;
    const [from, to] = [colour(), colour()];
    pixel = (u, v) => {
      const t = Math.min(1, Math.max(0, ((u - 0.5) * Math.cos(angle) + (v - 0.5) * Math.sin(angle)) / 1.42 + 0.5));
      for (let c = 0; c < 3; c++) out[c] = mix(from, to, t, c);
    };
  }
  const data = new Uint8Array(width * height * 4);
  for (let y = 0, o = 0; y < height; y++) {
    for (let x = 0; x < width; x++, o += 4) {
      pixel(x / width, y / height);
      const n = noise ? Math.sqrt(-2 * Math.log(r() + 1e-12)) * Math.cos(2 * Math.PI * r()) * noise : 0;
      for (let c = 0; c < 3; c++) data[o + c] = Math.max(0, Math.min(255, Math.round(out[c] + n)));
      data[o + 3] = 255;
    }
  }
  return { width, height, data };
}
