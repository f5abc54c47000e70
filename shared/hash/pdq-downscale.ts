/**
 * PDQ's downsampling: a Jarosz tent filter (two passes of box filters along rows then columns)
 * followed by decimation to 64x64 at the target pixel centres. Written from the published
 * algorithm (pdqhash-2017-10-09.pdf; facebook/ThreatExchange pdq/cpp/downscaling). The reference
 * keeps its running box sums in C++ `float`, so a sum's rounding depends on every pixel added and
 * removed before it; to give the reference's hash bit for bit, every step here rounds to float32
 * at the same points (typed-array stores and Math.fround; double rounding of one +, −, ×, ÷ on
 * float32 operands is exact, as float64 has more than 2·24 + 2 bits).
 *
 * Buffers are row-major Float32Array; `numRows x numCols` means offset i·numCols + j.
 */

/**
 * Per-pass box window for reducing oldDimension to newDimension: ceil(old / (2·new)). Two passes
 * of half a block each make a tent spanning one output pixel's block (reference:
 * computeJaroszFilterWindowSize).
 */
export function computeJaroszFilterWindowSize(oldDimension: number, newDimension: number): number {
  return Math.floor((oldDimension + 2 * newDimension - 1) / (2 * newDimension));
}

/**
 * One box filter along a strided vector, centred, shrinking at the edges (reference: box1DFloat).
 * Phases: 1 accumulate the first half window without writing; 2 write while the window grows;
 * 3 slide the full window (add, then subtract, each rounded); 4 write while it shrinks.
 * Requires fullWindowSize <= vectorLength (true for every window computeJaroszFilterWindowSize
 * gives, since ceil(n / 128) <= n).
 */
export function box1DFloat(
  invec: Float32Array,
  inStart: number,
  outvec: Float32Array,
  outStart: number,
  vectorLength: number,
  stride: number,
  fullWindowSize: number,
): void {
  const halfWindowSize = (fullWindowSize + 2) >> 1; // 7 -> 4, 8 -> 5
  const phase1 = halfWindowSize - 1;
  const phase2 = fullWindowSize - halfWindowSize + 1;
  const phase3 = vectorLength - fullWindowSize;
  const phase4 = halfWindowSize - 1;
  let li = inStart;
  let ri = inStart;
  let oi = outStart;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < phase1; i++, ri += stride) {
    sum = Math.fround(sum + invec[ri]);
    count++;
  }
  for (let i = 0; i < phase2; i++, ri += stride, oi += stride) {
    sum = Math.fround(sum + invec[ri]);
    count++;
    outvec[oi] = sum / count;
  }
  for (let i = 0; i < phase3; i++, li += stride, ri += stride, oi += stride) {
    sum = Math.fround(sum + invec[ri]);
    sum = Math.fround(sum - invec[li]);
    outvec[oi] = sum / count;
  }
  for (let i = 0; i < phase4; i++, li += stride, oi += stride) {
    sum = Math.fround(sum - invec[li]);
    count--;
    outvec[oi] = sum / count;
  }
}

/**
 * box1DFloat on four rows of `numCols` at once (rows start at inStart + r·numCols, output likewise),
 * giving the same floats. One row's running sum is a chain of dependent float32 roundings; four
 * independent chains let the CPU overlap them, which makes the row passes about twice as fast.
 * Division by the window count is a multiplication by its float64 reciprocal: for a float32 sum
 * s and an integer c < 2^27, s/c is never within 2^-52 (relative) of a float32 rounding midpoint
 * (its distance is at least 1/(c·2^25)), so rounding s·(1/c) to float32 gives exactly fround(s/c).
 */
export function box4RowsFloat(
  invec: Float32Array,
  inStart: number,
  outvec: Float32Array,
  outStart: number,
  numCols: number,
  fullWindowSize: number,
  reciprocals: Float64Array,
): void {
  const halfWindowSize = (fullWindowSize + 2) >> 1;
  const phase1 = halfWindowSize - 1;
  const phase2 = fullWindowSize - halfWindowSize + 1;
  const phase3 = numCols - fullWindowSize;
  const phase4 = halfWindowSize - 1;
  const n = numCols;
  let ri = inStart;
  let li = inStart;
  let oi: number;
  const shift = outStart - inStart;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let count = 0;
  for (let i = 0; i < phase1; i++, ri++) {
    s0 = Math.fround(s0 + invec[ri]);
    s1 = Math.fround(s1 + invec[ri + n]);
    s2 = Math.fround(s2 + invec[ri + 2 * n]);
    s3 = Math.fround(s3 + invec[ri + 3 * n]);
    count++;
  }
  for (let i = 0; i < phase2; i++, ri++) {
    count++;
    const inv = reciprocals[count];
    oi = ri - phase1 + shift;
    s0 = Math.fround(s0 + invec[ri]);
    s1 = Math.fround(s1 + invec[ri + n]);
    s2 = Math.fround(s2 + invec[ri + 2 * n]);
    s3 = Math.fround(s3 + invec[ri + 3 * n]);
    outvec[oi] = s0 * inv;
    outvec[oi + n] = s1 * inv;
    outvec[oi + 2 * n] = s2 * inv;
    outvec[oi + 3 * n] = s3 * inv;
  }
  const inv = reciprocals[fullWindowSize];
  for (let i = 0; i < phase3; i++, ri++, li++) {
    oi = ri - phase1 + shift;
    s0 = Math.fround(Math.fround(s0 + invec[ri]) - invec[li]);
    s1 = Math.fround(Math.fround(s1 + invec[ri + n]) - invec[li + n]);
    s2 = Math.fround(Math.fround(s2 + invec[ri + 2 * n]) - invec[li + 2 * n]);
    s3 = Math.fround(Math.fround(s3 + invec[ri + 3 * n]) - invec[li + 3 * n]);
    outvec[oi] = s0 * inv;
    outvec[oi + n] = s1 * inv;
    outvec[oi + 2 * n] = s2 * inv;
    outvec[oi + 3 * n] = s3 * inv;
  }
  oi = li + phase2 + shift;
  for (let i = 0; i < phase4; i++, li++, oi++) {
    count--;
    const inv4 = reciprocals[count];
    s0 = Math.fround(s0 - invec[li]);
    s1 = Math.fround(s1 - invec[li + n]);
    s2 = Math.fround(s2 - invec[li + 2 * n]);
    s3 = Math.fround(s3 - invec[li + 3 * n]);
    outvec[oi] = s0 * inv4;
    outvec[oi + n] = s1 * inv4;
    outvec[oi + 2 * n] = s2 * inv4;
    outvec[oi + 3 * n] = s3 * inv4;
  }
}

/**
 * box4RowsFloat, but only the outputs at the 64 columns sampleCols[k] (nondecreasing) are kept,
 * written to out[outStart + r·64 + k] for rows r = 0..3. The running sums still walk every
 * column (a sum's rounding depends on its whole history); only the scaling and stores of the
 * other columns are skipped. Output column o has, as in box1DFloat, added input o + phase1 and
 * subtracted o − phase2 once the window is full.
 */
export function box4RowsSampledFloat(
  invec: Float32Array,
  inStart: number,
  numCols: number,
  fullWindowSize: number,
  reciprocals: Float64Array,
  sampleCols: Int32Array,
  out: Float32Array,
  outStart: number,
): void {
  const halfWindowSize = (fullWindowSize + 2) >> 1;
  const phase1 = halfWindowSize - 1;
  const phase2 = fullWindowSize - halfWindowSize + 1;
  const phase3 = numCols - fullWindowSize;
  const n = numCols;
  const a = inStart + phase1; // input added for output o: a + o
  const d = inStart - phase2; // input subtracted for output o: d + o
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let i = inStart; i < a; i++) {
    s0 = Math.fround(s0 + invec[i]);
    s1 = Math.fround(s1 + invec[i + n]);
    s2 = Math.fround(s2 + invec[i + 2 * n]);
    s3 = Math.fround(s3 + invec[i + 3 * n]);
  }
  let o = 0; // next output column whose update is still to apply
  for (let k = 0; k < 64; k++) {
    const target = sampleCols[k];
    const end = target + 1;
    for (const e = Math.min(end, phase2); o < e; o++) {
      const i = a + o;
      s0 = Math.fround(s0 + invec[i]);
      s1 = Math.fround(s1 + invec[i + n]);
      s2 = Math.fround(s2 + invec[i + 2 * n]);
      s3 = Math.fround(s3 + invec[i + 3 * n]);
    }
    for (const e = Math.min(end, phase2 + phase3); o < e; o++) {
      const i = a + o;
      const l = d + o;
      s0 = Math.fround(Math.fround(s0 + invec[i]) - invec[l]);
      s1 = Math.fround(Math.fround(s1 + invec[i + n]) - invec[l + n]);
      s2 = Math.fround(Math.fround(s2 + invec[i + 2 * n]) - invec[l + 2 * n]);
      s3 = Math.fround(Math.fround(s3 + invec[i + 3 * n]) - invec[l + 3 * n]);
    }
    for (; o < end; o++) {
      const l = d + o;
      s0 = Math.fround(s0 - invec[l]);
      s1 = Math.fround(s1 - invec[l + n]);
      s2 = Math.fround(s2 - invec[l + 2 * n]);
      s3 = Math.fround(s3 - invec[l + 3 * n]);
    }
    const count =
      target < phase2 ? phase1 + target + 1 : target < phase2 + phase3 ? fullWindowSize : fullWindowSize - (target - phase2 - phase3 + 1);
    const inv = reciprocals[count];
    const at = outStart + k;
    out[at] = s0 * inv;
    out[at + 64] = s1 * inv;
    out[at + 128] = s2 * inv;
    out[at + 192] = s3 * inv;
  }
}

/**
 * Box filter `numRows` rows of `numCols` (four at a time, the rest one by one), from
 * invec[inStart…] to outvec[outStart…]. Same floats as box1DFloat on each row.
 */
export function boxRowsFast(
  invec: Float32Array,
  inStart: number,
  outvec: Float32Array,
  outStart: number,
  numRows: number,
  numCols: number,
  fullWindowSize: number,
  reciprocals: Float64Array,
): void {
  let r = 0;
  for (; r + 4 <= numRows; r += 4) {
    box4RowsFloat(invec, inStart + r * numCols, outvec, outStart + r * numCols, numCols, fullWindowSize, reciprocals);
  }
  for (; r < numRows; r++) box1DFloat(invec, inStart + r * numCols, outvec, outStart + r * numCols, numCols, 1, fullWindowSize);
}

/** Box filter every row of `input` (numRows x numCols) into `output` (same shape). */
export function boxAlongRowsFloat(input: Float32Array, output: Float32Array, numRows: number, numCols: number, windowSize: number): void {
  for (let i = 0; i < numRows; i++) box1DFloat(input, i * numCols, output, i * numCols, numCols, 1, windowSize);
}

/** Box filter every column of `input` (numRows x numCols) into `output` (same shape). */
export function boxAlongColsFloat(input: Float32Array, output: Float32Array, numRows: number, numCols: number, windowSize: number): void {
  for (let j = 0; j < numCols; j++) box1DFloat(input, j, output, j, numRows, numCols, windowSize);
}

/**
 * The reference's full Jarosz filter, in place in buffer1 (buffer2 is scratch; both numRows x
 * numCols): nreps times, rows buffer1 → buffer2, then columns buffer2 → buffer1. Kept as the
 * readable definition that tests hold jaroszFilterDecimate64 to; hashing uses the latter.
 */
export function jaroszFilterFloat(
  buffer1: Float32Array,
  buffer2: Float32Array,
  numRows: number,
  numCols: number,
  windowSizeAlongRows: number,
  windowSizeAlongCols: number,
  nreps: number,
): void {
  for (let i = 0; i < nreps; i++) {
    boxAlongRowsFloat(buffer1, buffer2, numRows, numCols, windowSizeAlongRows);
    boxAlongColsFloat(buffer2, buffer1, numRows, numCols, windowSizeAlongCols);
  }
}

/** Index of the input row (or column) that decimation samples for output index `outIndex`: the centre. */
export function decimationIndex(outIndex: number, inLength: number, outLength: number): number {
  return Math.floor(((outIndex + 0.5) * inLength) / outLength);
}

/** Point-sample `input` (inRows x inCols) at target pixel centres into `output` (outRows x outCols). */
export function decimateFloat(
  input: Float32Array,
  inNumRows: number,
  inNumCols: number,
  output: Float32Array,
  outNumRows: number,
  outNumCols: number,
): void {
  for (let oi = 0; oi < outNumRows; oi++) {
    const ini = decimationIndex(oi, inNumRows, outNumRows);
    for (let oj = 0; oj < outNumCols; oj++) {
      output[oi * outNumCols + oj] = input[ini * inNumCols + decimationIndex(oj, inNumCols, outNumCols)];
    }
  }
}

/** Reusable buffers for jaroszFilterDecimate64; grown on demand, never shrunk. */
export interface JaroszScratch {
  /** numRows x numCols: the first row pass's output. */
  full: Float32Array;
  /** numCols: running column sums of the first column pass (float32, as the reference's `sum`). */
  colSums: Float32Array;
  /** 4 x numCols: up to four output rows of the first column pass. */
  rowsIn: Float32Array;
  /** 4 x numCols: those rows after the second row pass. */
  rowsOut: Float32Array;
  /** numRows x 64: the second row pass at the 64 sampled columns only. */
  sampled: Float32Array;
  /** 64: running sums of the second column pass at the sampled columns. */
  sampledSums: Float32Array;
  /** 64: one output row of the second column pass. */
  sampledRow: Float32Array;
  /** 64 each: decimation's input row and column per output index. */
  sampleRows: Int32Array;
  sampleCols: Int32Array;
  /** [c] = 1 / c for window counts c = 1..max window (see box4RowsFloat). */
  reciprocals: Float64Array;
}

export function createJaroszScratch(): JaroszScratch {
  return {
    full: new Float32Array(0),
    colSums: new Float32Array(0),
    rowsIn: new Float32Array(0),
    rowsOut: new Float32Array(0),
    sampled: new Float32Array(0),
    sampledSums: new Float32Array(64),
    sampledRow: new Float32Array(64),
    sampleRows: new Int32Array(64),
    sampleCols: new Int32Array(64),
    reciprocals: new Float64Array(0),
  };
}

function ensureCapacity(s: JaroszScratch, numRows: number, numCols: number, maxWindow: number): void {
  if (s.full.length < numRows * numCols) s.full = new Float32Array(numRows * numCols);
  if (s.colSums.length < numCols) {
    s.colSums = new Float32Array(numCols);
    s.rowsIn = new Float32Array(4 * numCols);
    s.rowsOut = new Float32Array(4 * numCols);
  }
  if (s.sampled.length < numRows * 64) s.sampled = new Float32Array(numRows * 64);
  if (s.reciprocals.length <= maxWindow) {
    s.reciprocals = new Float64Array(maxWindow + 1);
    for (let c = 1; c <= maxWindow; c++) s.reciprocals[c] = 1 / c;
  }
}

/**
 * The two-pass Jarosz filter followed by decimation to 64x64, giving exactly the values that
 * jaroszFilterFloat + decimateFloat give at the 64x64 sampled points (tests hold it to that), in
 * about 3 full-image passes instead of 4 and one full-size buffer instead of two:
 *   1. rows:    luma → full                                  (every pixel)
 *   2. columns: full → rowsIn, streamed four rows at a time   (every pixel)
 *   3. rows:    rowsIn → rowsOut, keeping the 64 sampled columns → sampled (numRows x 64)
 *   4. columns: sampled → out64x64, down to the last sampled row only
 * The column steps run all columns side by side, row after row: each column sees the
 * reference's float operations in the reference's order while memory is read sequentially
 * (four rows per sweep where the window is full). On a 1024x768 image this takes 4.4 ms where
 * jaroszFilterFloat + decimateFloat in the reference's order take 38 ms (same machine, same
 * run; the strided column passes dominate). `luma` (numRows x numCols) is not modified;
 * out64x64 is 64 x 64.
 */
export function jaroszFilterDecimate64(
  luma: Float32Array,
  numRows: number,
  numCols: number,
  windowSizeAlongRows: number,
  windowSizeAlongCols: number,
  out64x64: Float32Array,
  s: JaroszScratch,
): void {
  ensureCapacity(s, numRows, numCols, Math.max(windowSizeAlongRows, windowSizeAlongCols));
  const { full, colSums, rowsIn, rowsOut, sampled, sampledSums, sampledRow, sampleRows, sampleCols, reciprocals } = s;
  for (let k = 0; k < 64; k++) {
    sampleRows[k] = decimationIndex(k, numRows, 64);
    sampleCols[k] = decimationIndex(k, numCols, 64);
  }

  // 1. First row pass over the whole image.
  boxRowsFast(luma, 0, full, 0, numRows, numCols, windowSizeAlongRows, reciprocals);

  const halfWindowSize = (windowSizeAlongCols + 2) >> 1;
  const phase1 = halfWindowSize - 1;
  const phase2 = windowSizeAlongCols - halfWindowSize + 1;
  const phase3 = numRows - windowSizeAlongCols;

  // 2 + 3. First column pass, four output rows at a time, each batch row-filtered again at the
  // sampled columns only (a last batch of fewer rows goes through the full-row filter).
  for (let oi = 0; oi < numRows; ) {
    const batch = Math.min(4, numRows - oi);
    if (batch === 4 && oi >= phase2 && oi + 4 <= phase2 + phase3) {
      slideColumns4FullRows(full, numCols, colSums, rowsIn, (oi + phase1) * numCols, (oi - phase2) * numCols, reciprocals[windowSizeAlongCols]);
    } else {
      for (let b = 0; b < batch; b++) {
        slideColumnsRow(full, numRows, numCols, windowSizeAlongCols, colSums, rowsIn, b * numCols, oi + b, reciprocals);
      }
    }
    if (batch === 4) {
      box4RowsSampledFloat(rowsIn, 0, numCols, windowSizeAlongRows, reciprocals, sampleCols, sampled, oi * 64);
      oi += 4;
      continue;
    }
    boxRowsFast(rowsIn, 0, rowsOut, 0, batch, numCols, windowSizeAlongRows, reciprocals);
    for (let b = 0; b < batch; b++, oi++) {
      const from = b * numCols;
      const to = oi * 64;
      for (let k = 0; k < 64; k++) sampled[to + k] = rowsOut[from + sampleCols[k]];
    }
  }

  // 4. Second column pass over the 64 sampled columns, down to the last sampled row.
  let next = 0;
  for (let oi = 0; next < 64; oi++) {
    slideColumnsRow(sampled, numRows, 64, windowSizeAlongCols, sampledSums, sampledRow, 0, oi, reciprocals);
    // Several outputs share an input row when the image has fewer than 64 rows.
    for (; next < 64 && sampleRows[next] === oi; next++) out64x64.set(sampledRow, next * 64);
  }
}

/**
 * Four consecutive output rows of slideColumnsRow where the window is full in all four (input
 * rows added from `addRow`, subtracted from `subRow`, both offsets in `input`): one sweep keeps
 * each column's running sum in a register for four steps instead of reloading it.
 */
function slideColumns4FullRows(
  input: Float32Array,
  numCols: number,
  sums: Float32Array,
  rows: Float32Array,
  addRow: number,
  subRow: number,
  inv: number,
): void {
  const n = numCols;
  for (let j = 0; j < n; j++) {
    const r = addRow + j;
    const l = subRow + j;
    let sum = Math.fround(Math.fround(sums[j] + input[r]) - input[l]);
    rows[j] = sum * inv;
    sum = Math.fround(Math.fround(sum + input[r + n]) - input[l + n]);
    rows[j + n] = sum * inv;
    sum = Math.fround(Math.fround(sum + input[r + 2 * n]) - input[l + 2 * n]);
    rows[j + 2 * n] = sum * inv;
    sum = Math.fround(Math.fround(sum + input[r + 3 * n]) - input[l + 3 * n]);
    rows[j + 3 * n] = sum * inv;
    sums[j] = sum;
  }
}

/**
 * Output row `oi` of box1DFloat run down every column of `input` (numRows x numCols) at once,
 * written to row[rowStart…]. `sums` holds each column's running float32 sum between calls; call
 * with oi = 0, 1, 2, … in order (oi = 0 resets it). Each column sees the reference's operations
 * in the reference's order (phases as in box1DFloat; reciprocals as in box4RowsFloat).
 */
function slideColumnsRow(
  input: Float32Array,
  numRows: number,
  numCols: number,
  fullWindowSize: number,
  sums: Float32Array,
  row: Float32Array,
  rowStart: number,
  oi: number,
  reciprocals: Float64Array,
): void {
  const halfWindowSize = (fullWindowSize + 2) >> 1;
  const phase1 = halfWindowSize - 1;
  const phase2 = fullWindowSize - halfWindowSize + 1;
  const phase3 = numRows - fullWindowSize;
  if (oi === 0) {
    sums.fill(0, 0, numCols);
    for (let ri = 0; ri < phase1; ri++) {
      const r = ri * numCols;
      for (let j = 0; j < numCols; j++) sums[j] += input[r + j];
    }
  }
  if (oi < phase2) {
    // Window still growing at the top edge: add only.
    const r = (phase1 + oi) * numCols;
    const inv = reciprocals[phase1 + oi + 1];
    for (let j = 0; j < numCols; j++) {
      const sum = Math.fround(sums[j] + input[r + j]);
      sums[j] = sum;
      row[rowStart + j] = sum * inv;
    }
  } else if (oi < phase2 + phase3) {
    // Full window: add the new row, then subtract the old one (two roundings, as the reference).
    const r = (phase1 + oi) * numCols;
    const l = (oi - phase2) * numCols;
    const inv = reciprocals[fullWindowSize];
    for (let j = 0; j < numCols; j++) {
      const sum = Math.fround(Math.fround(sums[j] + input[r + j]) - input[l + j]);
      sums[j] = sum;
      row[rowStart + j] = sum * inv;
    }
  } else {
    // Window shrinking at the bottom edge: subtract only.
    const l = (oi - phase2) * numCols;
    const inv = reciprocals[fullWindowSize - (oi - phase2 - phase3 + 1)];
    for (let j = 0; j < numCols; j++) {
      const sum = Math.fround(sums[j] - input[l + j]);
      sums[j] = sum;
      row[rowStart + j] = sum * inv;
    }
  }
}
