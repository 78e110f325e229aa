// The in-memory Dataset and the ways to make one: from arrays, from an async stream of samples,
// or from another dataset by range (zero-copy), by index (copy), or by a seeded validation split.

import { checkLength, checkNumber, invalidOption } from '../errors.js';
import { Rng } from '../random/rng.js';
import type { Preprocessing } from './preprocessing.js';

/** A labelled classification dataset held in memory (shareable as raw bytes). */
export interface Dataset {
  /** Human-readable name, e.g. `mnist/train`. */
  readonly name: string;
  /** Number of samples. */
  readonly n: number;
  /** Features per sample (784 for MNIST). */
  readonly features: number;
  /** Number of classes (10 for MNIST). */
  readonly classes: number;
  /** Row-major samples × features: raw bytes (scaled on the fly by `scale`) or floats. */
  readonly x: Uint8Array | Float32Array;
  /** Multiplier applied to `x` when a batch is gathered (1/255 for MNIST bytes, 1 for floats). */
  readonly scale: number;
  /** Class index of each sample (all zeros for a regression dataset: see `targets`). */
  readonly labels: Uint8Array;
  /**
   * Regression targets, samples × `classes` row-major (then `classes` counts target columns, the
   * network's outputs), or undefined for a classification dataset.
   */
  readonly targets?: Float32Array;
  /** How raw samples became `x` and what the outputs mean, when known (CSV tables, IDX files). */
  readonly preprocessing?: Preprocessing;
}

/** Options of `fromArrays` and `fromAsyncIterable`. */
export interface FromArraysOptions {
  /** Dataset name; default `'arrays'`. */
  readonly name?: string;
  /** Number of classes; default: the largest label + 1. Labels must be integers in [0, classes). */
  readonly classes?: number;
  /** Features per sample; default: inferred from the data. When given, the data is checked against it. */
  readonly features?: number;
}

/** Largest class count `labels: Uint8Array` can hold. */
const MAX_CLASSES = 256;

/**
 * The samples `[start, start + count)` as a new Dataset whose `x` and `labels` are views (no copy).
 *
 * @example
 * const small = subset(train, 0, 300); // the first 300 samples, sharing memory with `train`
 */
export function subset(ds: Dataset, start: number, count: number): Dataset {
  checkNumber('subset', 'start', start, { min: 0, max: ds.n, integer: true });
  checkNumber('subset', 'count', count, { min: 0, max: ds.n - start, integer: true });
  const end = start + count;
  return {
    ...ds,
    name: `${ds.name}[${start}:${end}]`,
    n: count,
    x: ds.x.subarray(start * ds.features, end * ds.features),
    labels: ds.labels.subarray(start, end),
    ...(ds.targets ? { targets: ds.targets.subarray(start * ds.classes, end * ds.classes) } : {}),
  };
}

/**
 * A new Dataset holding copies of the rows at `indices`, in that order (repeats allowed).
 *
 * @example
 * const firstAndLast = take(ds, [0, ds.n - 1]);
 */
export function take(
  ds: Dataset,
  indices: ArrayLike<number>,
  name = `${ds.name}[take ${indices.length}]`,
): Dataset {
  const { features } = ds;
  const x =
    ds.x instanceof Uint8Array
      ? new Uint8Array(indices.length * features)
      : new Float32Array(indices.length * features);
  const labels = new Uint8Array(indices.length);
  // Regression targets: `classes` values a sample, moved with their rows.
  const targets = ds.targets ? new Float32Array(indices.length * ds.classes) : undefined;
  for (let i = 0; i < indices.length; i++) {
    const row = checkNumber('take', `indices[${i}]`, indices[i], { min: 0, max: ds.n - 1, integer: true });
    x.set(ds.x.subarray(row * features, (row + 1) * features), i * features);
    labels[i] = ds.labels[row];
    targets?.set(ds.targets!.subarray(row * ds.classes, (row + 1) * ds.classes), i * ds.classes);
  }
  return { ...ds, name, n: indices.length, x, labels, ...(targets ? { targets } : {}) };
}

/** Options of `splitValidation`. */
export interface SplitOptions {
  /** Share of samples held out for validation, in (0, 1); rounded to a whole sample count. */
  readonly fraction: number;
  /** Integer seed of the split; default 0. The same seed always gives the same split. */
  readonly seed?: number;
}

/**
 * The rows of `n` that a seeded split holding `held` out puts in each part, each part in ascending
 * order: `splitValidation`'s permutation (`new Rng(seed).fork('split')`), shared with the CSV loader,
 * which fits its scalers on exactly the training rows.
 *
 * @example
 * const { trainRows } = splitRows(1000, Math.round(1000 * 0.1), 42); // 900 ascending row indices
 */
export function splitRows(
  n: number,
  held: number,
  seed: number,
): { trainRows: Uint32Array; validationRows: Uint32Array } {
  const order = new Rng(seed).fork('split').permutation(n);
  // Sorting each part keeps the dataset's order, so rows are copied front to back.
  return { validationRows: order.subarray(0, held).sort(), trainRows: order.subarray(held).sort() };
}

/**
 * Splits `ds` into disjoint `train` and `validation` sets that together cover every sample once.
 * Which samples go where is a seeded permutation (`new Rng(seed).fork('split')`), so it depends
 * only on `n`, `fraction` and `seed`. Each part keeps the original sample order, and is a copy.
 *
 * @example
 * const { train, validation } = splitValidation(mnist.train, { fraction: 1 / 6, seed: 42 });
 */
export function splitValidation(ds: Dataset, options: SplitOptions): { train: Dataset; validation: Dataset } {
  const fraction = checkNumber('splitValidation', 'fraction', options.fraction, {
    min: 0,
    max: 1,
    minOpen: true,
    maxOpen: true,
  });
  const seed = checkNumber('splitValidation', 'seed', options.seed ?? 0, { integer: true });
  const held = Math.round(ds.n * fraction);
  if (held < 1 || held > ds.n - 1) {
    invalidOption(
      'splitValidation',
      'fraction',
      `a share giving each part at least 1 of the ${ds.n} samples`,
      fraction,
    );
  }
  const { trainRows, validationRows } = splitRows(ds.n, held, seed);
  return {
    train: take(ds, trainRows, `${ds.name}/train`),
    validation: take(ds, validationRows, `${ds.name}/validation`),
  };
}

/** Checks one label and returns it. */
function checkLabel(where: string, index: number, label: unknown, classes: number): number {
  return checkNumber(where, `labels[${index}]`, label, { min: 0, max: classes - 1, integer: true });
}

/** Validates labels, infers `classes`, and assembles the Dataset from a flat float `x`. */
function assemble(
  where: string,
  x: Float32Array,
  labels: ArrayLike<number>,
  options: FromArraysOptions,
): Dataset {
  const n = labels.length;
  if (n === 0) invalidOption(where, 'sample count', 'at least 1', 0);
  let classes = options.classes;
  if (classes === undefined) {
    classes = 0;
    for (let i = 0; i < n; i++) classes = Math.max(classes, checkLabel(where, i, labels[i], MAX_CLASSES) + 1);
  }
  checkNumber(where, 'classes', classes, { min: 1, max: MAX_CLASSES, integer: true });
  const bytes = new Uint8Array(n);
  for (let i = 0; i < n; i++) bytes[i] = checkLabel(where, i, labels[i], classes);
  if (x.length % n !== 0) invalidOption(where, 'x.length', `a multiple of the sample count ${n}`, x.length);
  const features = x.length / n;
  if (features === 0) invalidOption(where, 'features', 'at least 1', 0);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]))
      invalidOption(
        where,
        `x (sample ${Math.floor(i / features)}, feature ${i % features})`,
        'a finite number',
        x[i],
      );
  }
  return { name: options.name ?? 'arrays', n, features, classes, x, scale: 1, labels: bytes };
}

/**
 * A float Dataset from rows (`x[i]` is sample i) or a flat row-major Float32Array (used as is, not
 * copied). Checks that rows are not ragged, counts agree, values are finite and labels are in range.
 *
 * @example
 * const xor = fromArrays([[0, 0], [0, 1], [1, 0], [1, 1]], [0, 1, 1, 0], { name: 'xor' });
 */
export function fromArrays(
  x: ArrayLike<number>[] | Float32Array,
  labels: ArrayLike<number>,
  options: FromArraysOptions = {},
): Dataset {
  if (x instanceof Float32Array) {
    if (options.features !== undefined)
      checkLength('fromArrays', 'x', x.length, labels.length * options.features);
    return assemble('fromArrays', x, labels, options);
  }
  checkLength('fromArrays', 'labels', labels.length, x.length);
  const features = x.length > 0 ? x[0].length : 0;
  const flat = new Float32Array(x.length * features);
  for (let i = 0; i < x.length; i++) {
    checkLength('fromArrays', `x[${i}]`, x[i].length, features);
    for (let j = 0; j < features; j++) flat[i * features + j] = x[i][j];
  }
  return assemble('fromArrays', flat, labels, options);
}

/**
 * Collects a (possibly async) stream of samples into a float Dataset, with the checks of `fromArrays`.
 * Each `x` is copied when it arrives, so a producer may reuse its buffer.
 *
 * @example
 * const ds = await fromAsyncIterable(readCsvRows('iris.csv'), { name: 'iris', classes: 3 });
 */
export async function fromAsyncIterable(
  samples:
    | AsyncIterable<{ readonly x: ArrayLike<number>; readonly label: number }>
    | Iterable<{ readonly x: ArrayLike<number>; readonly label: number }>,
  options: FromArraysOptions = {},
): Promise<Dataset> {
  let features = options.features ?? -1;
  let x = new Float32Array(0);
  const labels: number[] = [];
  for await (const sample of samples) {
    const i = labels.length;
    if (features < 0) features = sample.x.length;
    checkLength('fromAsyncIterable', `sample ${i} x`, sample.x.length, features);
    if ((i + 1) * features > x.length) {
      // Grow by doubling: amortised O(1) per sample, and no per-sample arrays kept alive.
      const grown = new Float32Array(Math.max(features, 2 * x.length));
      grown.set(x);
      x = grown;
    }
    for (let j = 0; j < features; j++) x[i * features + j] = sample.x[j];
    labels.push(sample.label);
  }
  return assemble('fromAsyncIterable', x.slice(0, labels.length * Math.max(features, 0)), labels, options);
}
