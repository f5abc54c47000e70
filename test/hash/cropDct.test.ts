import { describe, expect, it } from 'vitest';
import { cropDct64To16, cropGradientQuality } from '../../shared/hash/cropDct';
import { DCT_MATRIX_16x64, pdqImageDomainQualityMetric } from '../../shared/hash/pdq-dct';
import { seededRandom } from '../support/images';

/** D · A · Dᵀ straight from the definition, in float64 with PDQ's float32 basis. */
function directDct(a: Float64Array): Float64Array {
  const D = DCT_MATRIX_16x64;
  const out = new Float64Array(256);
  for (let u = 0; u < 16; u++) {
    for (let v = 0; v < 16; v++) {
      let s = 0;
      for (let k = 0; k < 64; k++) for (let l = 0; l < 64; l++) s += D[u * 64 + k] * a[k * 64 + l] * D[v * 64 + l];
      out[u * 16 + v] = s;
    }
  }
  return out;
}

function randomGrid(seed: number, smooth: boolean): Float64Array {
  const rand = seededRandom(seed);
  const g = new Float64Array(4096);
  for (let i = 0; i < 64; i++) for (let j = 0; j < 64; j++) g[i * 64 + j] = smooth ? 128 + 100 * Math.sin(i / 9 + seed) * Math.cos(j / 13) : rand() * 255;
  return g;
}

describe('the crop hash transform (folded float64 DCT)', () => {
  it('equals the DCT written from its definition, for noise and for smooth grids', () => {
    for (const [seed, smooth] of [[1, false], [2, true], [3, false]] as const) {
      const grid = randomGrid(seed, smooth);
      const fast = new Float32Array(256);
      cropDct64To16(grid, fast);
      const direct = directDct(grid);
      const scale = Math.max(...direct.map(Math.abs));
      for (let i = 0; i < 256; i++) expect(Math.abs(fast[i] - direct[i])).toBeLessThan(scale * 1e-6);
    }
  });

  it('scores quality as PDQ\'s metric does on whole-level grids', () => {
    for (const seed of [5, 6]) {
      const grid = randomGrid(seed, true).map(Math.round);
      // Low contrast too: the metric counts whole percents of full scale, so it falls.
      const faint = grid.map((v) => Math.round(v / 8));
      for (const g of [grid, faint]) expect(cropGradientQuality(g)).toBe(pdqImageDomainQualityMetric(Float32Array.from(g)));
    }
  });
});
