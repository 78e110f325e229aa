// Whether a data set's samples are mostly zeros (MNIST: about 81% of its pixels are 0), so that the
// first layer's products may skip the zeros rather than multiply them. Judged once per data set from
// its first rows: a pure function of the data, so every thread of a run decides alike.

import type { Dataset } from './dataset.js';

/** Rows looked at: enough to judge, few enough to be instant (~1 ms for MNIST). */
const SAMPLE_ROWS = 1024;
/** Above this share of zeros, skipping them is faster than the dense product (bench/kernels). */
export const SPARSE_INPUT_ZEROS = 0.5;

const judged = new WeakMap<Uint8Array | Float32Array, boolean>();

/** The share of zero values in the first `rows` samples of `data`. */
export function zeroFraction(data: Dataset, rows = SAMPLE_ROWS): number {
  const len = Math.min(data.n, rows) * data.features;
  if (len === 0) return 0;
  const x = data.x;
  let zeros = 0;
  for (let i = 0; i < len; i++) if (x[i] === 0) zeros++;
  return zeros / len;
}

/**
 * True when more than half of the first 1024 samples' values are zero. Cached per data array.
 *
 * @example
 * isMostlyZeros(loadMnist().train); // true
 */
export function isMostlyZeros(data: Dataset): boolean {
  let sparse = judged.get(data.x);
  if (sparse === undefined) {
    sparse = zeroFraction(data) > SPARSE_INPUT_ZEROS;
    judged.set(data.x, sparse);
  }
  return sparse;
}
