import { DCT_MATRIX_16x64 } from './pdq-dct';

/**
 * The crop hash's transform (kind 'pdq-crop', cropPdq.ts): the same 16 x 16 low-frequency corner
 * of the 64 x 64 DCT-II and the same gradient quality as PDQ, in float64 and folded by symmetry.
 * PDQ itself must round where the reference's floats do (pdq-dct.ts); the crop hash has no
 * reference to match, and a query takes it of a dozen rectangles, so it uses the form that costs
 * a third: row i of D is even (odd i) or odd (even i) about the middle, D[i][63−k] = ±D[i][k], so
 * each 64-term sum is a 32-term sum over the folded input. Float64 arithmetic is exact IEEE in
 * every engine, and the basis is PDQ's float32 matrix, so Node and browsers agree bit for bit.
 */

/** D[i][k] for k < 32, as float64: row i at [i·32 + k]. */
const D_HALF = (() => {
  const d = new Float64Array(16 * 32);
  for (let i = 0; i < 16; i++) for (let k = 0; k < 32; k++) d[i * 32 + k] = DCT_MATRIX_16x64[i * 64 + k];
  return d;
})();

/** Folded input (sums, differences) and the column pass: image-derived, zeroed after each use. */
const FOLD_SUM = new Float64Array(32 * 64);
const FOLD_DIFF = new Float64Array(32 * 64);
const COLUMN_PASS = new Float64Array(16 * 64);

/**
 * out16x16[(u−1)·16 + (v−1)] = (D · grid · Dᵀ)[u][v], u, v = 1..16, for a row-major 64 x 64 grid.
 * Rows of D with even index i (odd frequency u = i + 1) are odd about the middle and take the
 * differences A[k] − A[63−k]; the others take the sums.
 */
export function cropDct64To16(grid: Float64Array, out16x16: Float32Array): void {
  for (let k = 0; k < 32; k++) {
    const top = k * 64;
    const bottom = (63 - k) * 64;
    for (let j = 0; j < 64; j++) {
      const a = grid[top + j];
      const b = grid[bottom + j];
      FOLD_SUM[top + j] = a + b;
      FOLD_DIFF[top + j] = a - b;
    }
  }
  COLUMN_PASS.fill(0);
  for (let i = 0; i < 16; i++) {
    const folded = (i & 1) === 0 ? FOLD_DIFF : FOLD_SUM;
    const row = i * 64;
    for (let k = 0; k < 32; k++) {
      const d = D_HALF[i * 32 + k];
      const src = k * 64;
      for (let j = 0; j < 64; j++) COLUMN_PASS[row + j] += d * folded[src + j];
    }
  }
  for (let i = 0; i < 16; i++) {
    const row = i * 64;
    for (let v = 0; v < 16; v++) {
      const odd = (v & 1) === 0;
      const dv = v * 32;
      let sum = 0;
      for (let k = 0; k < 32; k++) {
        const a = COLUMN_PASS[row + k];
        const b = COLUMN_PASS[row + 63 - k];
        sum += D_HALF[dv + k] * (odd ? a - b : a + b);
      }
      out16x16[i * 16 + v] = sum;
    }
  }
  FOLD_SUM.fill(0);
  FOLD_DIFF.fill(0);
  COLUMN_PASS.fill(0);
}

/**
 * PDQ's image-domain quality (pdq-dct.ts pdqImageDomainQualityMetric: neighbouring differences
 * in whole percents of full scale, summed, /90, at most 100), in float64.
 */
export function cropGradientQuality(grid: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < 64; i++) {
    const row = i * 64;
    for (let j = 0; j < 64; j++) {
      const u = grid[row + j];
      if (i < 63) sum += Math.abs(Math.trunc(((u - grid[row + 64 + j]) * 100) / 255));
      if (j < 63) sum += Math.abs(Math.trunc(((u - grid[row + j + 1]) * 100) / 255));
    }
  }
  return Math.min(100, Math.floor(sum / 90));
}
