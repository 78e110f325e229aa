// The hot path of feeding a network: seeded per-epoch sample orders, and gathering a batch of rows
// into preallocated float buffers. Gathering allocates nothing, so it can run every step.

import { checkNumber, GradstreamError } from '../errors.js';
import { gatherRowsFrom } from '../kernels/js/data.js';
import { Rng } from '../random/rng.js';
import type { Dataset } from './dataset.js';

/**
 * The number of batches in one epoch of `n` samples: `ceil(n / batchSize)`, or `floor` when
 * `dropLast` drops a final partial batch.
 *
 * @example
 * batchCount(60000, 128, false); // 469 (the last batch has 96 samples)
 * batchCount(60000, 128, true); // 468
 */
export function batchCount(n: number, batchSize: number, dropLast: boolean): number {
  checkNumber('batchCount', 'n', n, { min: 0, integer: true });
  checkNumber('batchCount', 'batchSize', batchSize, { min: 1, integer: true });
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

/**
 * The order in which epoch `epoch` visits samples `0..n-1`: a permutation drawn from
 * `new Rng(seed).fork(`epoch:${epoch}`)`. It depends on `(n, seed, epoch)` only, so a resumed run
 * recomputes the order of the epoch it stopped in without replaying earlier epochs. Pass `out`
 * (length `n`) to reuse a buffer.
 *
 * @example
 * const order = epochOrder(ds.n, 42, 3); // the same Uint32Array on every run
 */
export function epochOrder(n: number, seed: number, epoch: number, out?: Uint32Array): Uint32Array {
  checkNumber('epochOrder', 'n', n, { min: 0, max: 2 ** 32, integer: true });
  checkNumber('epochOrder', 'seed', seed, { integer: true });
  checkNumber('epochOrder', 'epoch', epoch, { min: 0, integer: true });
  const order = out ?? new Uint32Array(n);
  if (order.length !== n) {
    throw new GradstreamError(
      'ERR_SHAPE_MISMATCH',
      `epochOrder: out has length ${order.length}, expected ${n}`,
    );
  }
  for (let i = 0; i < n; i++) order[i] = i;
  return new Rng(seed).fork(`epoch:${epoch}`).shuffle(order);
}

/** Float buffers for one batch of `batchSize` samples of `ds`, to pass to `gatherBatch` every step. */
export function createBatchBuffers(ds: Dataset, batchSize: number): { x: Float32Array; labels: Int32Array } {
  checkNumber('createBatchBuffers', 'batchSize', batchSize, { min: 1, integer: true });
  return { x: new Float32Array(batchSize * ds.features), labels: new Int32Array(batchSize) };
}

function tooSmall(field: string, length: number, needed: number): never {
  throw new GradstreamError(
    'ERR_SHAPE_MISMATCH',
    `gatherBatch: ${field} has length ${length}, needs at least ${needed}`,
    {
      cause: { field, length, needed },
    },
  );
}

/**
 * Writes the labels of samples `order[start..start+count)` into `labelsOut` (and their indices into
 * `idsOut` when given), checking every index against `ds.n` first: an out-of-range row would
 * otherwise read undefined and write NaN silently. Buffer lengths are the caller's to check.
 * `where` names the caller in errors.
 */
export function gatherLabels(
  where: string,
  ds: Dataset,
  order: Uint32Array,
  start: number,
  count: number,
  labelsOut: Int32Array,
  idsOut?: Int32Array,
): void {
  for (let i = 0; i < count; i++) {
    const row = order[start + i];
    if (row >= ds.n) {
      throw new GradstreamError(
        'ERR_SHAPE_MISMATCH',
        `${where}: order[${start + i}] is ${row}, expected < ${ds.n}`,
      );
    }
    labelsOut[i] = ds.labels[row];
    if (idsOut) idsOut[i] = row;
  }
}

/**
 * Copies the regression targets of samples `order[start..start+count)` (rows of `ds.classes` values)
 * into `targetsOut`; nothing for a classification dataset. Call after `gatherLabels`, which checked
 * the indices. Allocates nothing.
 */
export function gatherTargets(
  ds: Dataset,
  order: Uint32Array | Int32Array,
  start: number,
  count: number,
  targetsOut: Float32Array,
): void {
  const targets = ds.targets;
  if (!targets) return;
  const width = ds.classes;
  for (let i = 0; i < count; i++) {
    const from = order[start + i] * width;
    for (let j = 0; j < width; j++) targetsOut[i * width + j] = targets[from + j];
  }
}

/**
 * Copies samples `order[start..start+count)` into `xOut` (row-major `count × features`, multiplied
 * by `ds.scale` rounded to float32, so MNIST bytes become floats in [0, 1]) and their labels into
 * `labelsOut` (and, for a regression dataset, their targets into `targetsOut`). Buffers may be longer than needed (e.g. the last, partial batch); only the first `count` rows are written.
 * Allocates nothing.
 *
 * @example
 * const { x, labels } = createBatchBuffers(ds, 128);
 * gatherBatch(ds, epochOrder(ds.n, 42, 0), 0, 128, x, labels);
 */
export function gatherBatch(
  ds: Dataset,
  order: Uint32Array,
  start: number,
  count: number,
  xOut: Float32Array,
  labelsOut: Int32Array,
  targetsOut?: Float32Array,
): void {
  const f = ds.features;
  if (!(start >= 0 && count >= 0 && Number.isInteger(start) && Number.isInteger(count))) {
    checkNumber('gatherBatch', 'start', start, { min: 0, integer: true });
    checkNumber('gatherBatch', 'count', count, { min: 0, integer: true });
  }
  if (start + count > order.length) tooSmall('order', order.length, start + count);
  if (xOut.length < count * f) tooSmall('xOut', xOut.length, count * f);
  if (labelsOut.length < count) tooSmall('labelsOut', labelsOut.length, count);
  gatherLabels('gatherBatch', ds, order, start, count, labelsOut);
  if (ds.targets) {
    if (!targetsOut) tooSmall('targetsOut', 0, count * ds.classes);
    else if (targetsOut.length < count * ds.classes)
      tooSmall('targetsOut', targetsOut.length, count * ds.classes);
    gatherTargets(ds, order, start, count, targetsOut);
  }
  // The same loops as the JS kernel set's gatherRows: the same bits as every kernel set gives.
  gatherRowsFrom(ds.x, order, start, xOut, count, f, ds.scale);
}
