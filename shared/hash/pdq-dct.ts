/**
 * PDQ after downsampling: the image-domain quality metric, the 16x16 corner of the 64x64 DCT,
 * the median threshold (Torben's algorithm) and the dihedral variants, computed from the DCT by
 * sign and transpose rules. Written from the published algorithm (pdqhash-2017-10-09.pdf;
 * facebook/ThreatExchange pdq/cpp/hashing) with the reference's float32 rounding points, so the
 * bits match the reference's for identical luma.
 *
 * Buffers (row-major Float32Array):
 *   buffer64x64  64 x 64  downsampled luma, [i·64 + j]
 *   buffer16x64  16 x 64  D·A, the DCT along columns
 *   buffer16x16  16 x 16  D·A·Dᵀ, frequencies (1..16) x (1..16) at [(u−1)·16 + (v−1)]
 */

/** DCT basis rows 1..16 of the 64-point DCT-II (row 0, the mean, carries no pattern and is skipped). */
export const DCT_ROWS = 16;
export const DCT_COLS = 64;

/**
 * D[i][j] = sqrt(2/64) · cos(π/128 · (i+1) · (2j+1)), 16 x 64, row-major, float32 — the
 * reference's dct_matrix_64 (Zauner 2010), with the scale factor held as float and the product
 * taken in double before rounding, as the C++ does. Math.cos may differ from libm by one ulp
 * between engines; a test checks that no entry sits close enough to a float32 rounding boundary
 * for that to change it.
 */
export const DCT_MATRIX_16x64: Float32Array = (() => {
  const scale = Math.fround(Math.sqrt(2 / DCT_COLS));
  const m = new Float32Array(DCT_ROWS * DCT_COLS);
  for (let i = 0; i < DCT_ROWS; i++) {
    for (let j = 0; j < DCT_COLS; j++) {
      m[i * DCT_COLS + j] = scale * Math.cos((Math.PI / 2 / DCT_COLS) * (i + 1) * (2 * j + 1));
    }
  }
  return m;
})();

/**
 * Counts gradients between neighbouring 64x64 pixels, quantised to whole percents of full scale,
 * so that many tiny gradients (noise on a flat image) add nothing; 0..100, 100 for any image with
 * real structure. The constants (100/255 and /90) are the reference's hand-tuned heuristic.
 */
export function pdqImageDomainQualityMetric(buffer64x64: Float32Array): number {
  let gradientSum = 0;
  for (let i = 0; i < 63; i++) {
    for (let j = 0; j < 64; j++) {
      const u = buffer64x64[i * 64 + j];
      const v = buffer64x64[(i + 1) * 64 + j];
      // C++: int d = ((u - v) * 100) / 255; in float, truncated toward zero.
      const d = Math.trunc(Math.fround(Math.fround(Math.fround(u - v) * 100) / 255));
      gradientSum += Math.abs(d);
    }
  }
  for (let i = 0; i < 64; i++) {
    for (let j = 0; j < 63; j++) {
      const u = buffer64x64[i * 64 + j];
      const v = buffer64x64[i * 64 + j + 1];
      const d = Math.trunc(Math.fround(Math.fround(Math.fround(u - v) * 100) / 255));
      gradientSum += Math.abs(d);
    }
  }
  return Math.min(100, Math.floor(gradientSum / 90));
}

/**
 * buffer16x16 = D · buffer64x64 · Dᵀ, via buffer16x64 = D · A. Only the 16x16 low-frequency corner
 * is computed: the reference measured a full Lee fast DCT followed by extraction to be slower
 * than this direct product. Sums run k = 0..63 in float32 as the reference's `float sumk`.
 */
export function dct64To16(buffer64x64: Float32Array, buffer16x64: Float32Array, buffer16x16: Float32Array): void {
  const D = DCT_MATRIX_16x64;
  for (let i = 0; i < 16; i++) {
    const di = i * 64;
    for (let j = 0; j < 64; j++) {
      let sum = 0;
      for (let k = 0; k < 64; k++) sum = Math.fround(sum + Math.fround(D[di + k] * buffer64x64[k * 64 + j]));
      buffer16x64[di + j] = sum;
    }
  }
  for (let i = 0; i < 16; i++) {
    const ti = i * 64;
    for (let j = 0; j < 16; j++) {
      const dj = j * 64;
      let sum = 0;
      for (let k = 0; k < 64; k++) sum = Math.fround(sum + Math.fround(buffer16x64[ti + k] * D[dj + k]));
      buffer16x16[i * 16 + j] = sum;
    }
  }
}

/**
 * Median of the first n values without sorting or moving them (Torben Mogensen's algorithm,
 * public domain as published by N. Devillard): bisect on value, counting values below and above
 * the guess. Float32 arithmetic as the reference; for even n it returns the lower median.
 */
export function torben(m: Float32Array, n: number): number {
  let min = m[0];
  let max = m[0];
  for (let i = 1; i < n; i++) {
    if (m[i] < min) min = m[i];
    if (m[i] > max) max = m[i];
  }
  const half = (n + 1) >> 1;
  let less: number;
  let greater: number;
  let equal: number;
  let guess: number;
  let maxLtGuess: number;
  let minGtGuess: number;
  for (;;) {
    guess = Math.fround(Math.fround(min + max) / 2);
    less = 0;
    greater = 0;
    equal = 0;
    maxLtGuess = min;
    minGtGuess = max;
    for (let i = 0; i < n; i++) {
      const v = m[i];
      if (v < guess) {
        less++;
        if (v > maxLtGuess) maxLtGuess = v;
      } else if (v > guess) {
        greater++;
        if (v < minGtGuess) minGtGuess = v;
      } else {
        equal++;
      }
    }
    if (less <= half && greater <= half) break;
    if (less > greater) max = maxLtGuess;
    else min = minGtGuess;
  }
  if (less >= half) return maxLtGuess;
  if (less + equal >= half) return guess;
  return minGtGuess;
}

/**
 * Bit k = u·16 + v (u, v = 0..15 in buffer16x16) is set when that coefficient is above the median.
 * Layout of the 32 output bytes, as pdq-photo-hasher prints the hex: the reference keeps sixteen
 * 16-bit words w[0..15] with bit k in w[k >> 4] at bit (k & 15), and prints w[15] first, each word
 * big-endian. So bit k lives in byte 31 − (k >> 3) at bit (k & 7): byte 0 holds bits 255..248.
 */
export function pdqBuffer16x16ToBits(buffer16x16: Float32Array, hash: Uint8Array): void {
  const median = torben(buffer16x16, 256);
  hash.fill(0, 0, 32);
  for (let k = 0; k < 256; k++) {
    if (buffer16x16[k] > median) hash[31 - (k >> 3)] |= 1 << (k & 7);
  }
}

/**
 * The eight dihedral transforms of the image, as rules on its DCT, in DIHEDRAL_NAMES order. With
 * u = i + 1 the frequency of row i, mirroring the image along that axis multiplies coefficient
 * (u, v) by (−1)^u, i.e. negates it where i is even; a transpose of the image transposes the DCT.
 * Each entry: [transpose, negate where i is even, negate where j is even], the output taking
 * B[j][i] (transposed) or B[i][j] = ± A[i][j]. These are the reference's dct16OriginalTo* rules:
 *   original  rot90   rot180  rot270  flipx   flipy   flip+1  flip−1
 *   —         T, j    i, j    T, i    i       j       T       T, i, j
 */
export const DIHEDRAL_DCT_RULES: readonly (readonly [transpose: boolean, negEvenRows: boolean, negEvenCols: boolean])[] = [
  [false, false, false], // original
  [true, false, true], // rot90
  [false, true, true], // rot180
  [true, true, false], // rot270
  [false, true, false], // flipx
  [false, false, true], // flipy
  [true, false, false], // flip about the main diagonal (+1)
  [true, true, true], // flip about the anti-diagonal (−1)
];

/** Applies DIHEDRAL_DCT_RULES[variant] to buffer16x16 `a`, writing 16x16 `b` (a and b distinct). */
export function dct16Dihedral(a: Float32Array, variant: number, b: Float32Array): void {
  const [transpose, negEvenRows, negEvenCols] = DIHEDRAL_DCT_RULES[variant];
  for (let i = 0; i < 16; i++) {
    const rowNeg = negEvenRows && (i & 1) === 0;
    for (let j = 0; j < 16; j++) {
      const neg = rowNeg !== (negEvenCols && (j & 1) === 0);
      const v = neg ? -a[i * 16 + j] : a[i * 16 + j];
      b[transpose ? j * 16 + i : i * 16 + j] = v;
    }
  }
}
