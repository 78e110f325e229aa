// The options of `loadCsv`, their defaults and limits, checked once with messages naming the option.

import { checkNumber, describeValue, invalidOption } from '../../errors.js';
import type { Preprocessing } from '../preprocessing.js';

/** A column by its header name, or by its 1-based position (`column 3` in a file without a header). */
export type ColumnRef = string | number;

/** What the label column(s) hold: `auto` decides from the values (see `loadCsv`). */
export const CSV_TASKS = ['classification', 'regression', 'auto'] as const;
export type CsvTask = (typeof CSV_TASKS)[number];

/** What a row with a missing or unparsable cell does: fail the load, or be left out (counted). */
export const CSV_MISSING = ['error', 'drop'] as const;
export type CsvMissing = (typeof CSV_MISSING)[number];

/** The kernels' memory (one wasm memory, 4 GiB): the encoded rows must fit in it. */
export const CSV_MAX_BYTES = 4 * 1024 ** 3;
/** Distinct values a text input column may have (one-hot: one feature each). */
export const CSV_MAX_CATEGORIES = 1000;
/** Classes a label may have (labels are stored as bytes). */
export const CSV_MAX_CLASSES = 256;
/** `task: 'auto'`: a numeric label with more distinct values than this (or any fraction) is regression. */
export const AUTO_MAX_CLASSES = 20;

/** Options of `loadCsv`. */
export interface CsvOptions {
  /** The label column; several (regression only) as an array. */
  readonly label: ColumnRef | readonly ColumnRef[];
  /** The input columns, in this order; default every column but the label(s), in file order. */
  readonly features?: readonly ColumnRef[];
  /** Default `auto`. */
  readonly task?: CsvTask;
  /** Default `error`. */
  readonly missing?: CsvMissing;
  /** Whether the first row is a header; default `auto` (see `loadCsv`). */
  readonly header?: boolean | 'auto';
  /**
   * A fitted table preprocessing to apply instead of fitting one (a test file, `predict`): its
   * columns are read by name, encoded with its scalers and vocabularies, labels mapped to its classes.
   */
  readonly preprocessing?: Preprocessing;
  /**
   * The validation split the caller will make (`splitValidation` with this fraction and seed): the
   * preprocessing is fitted on the rows it leaves for training only. Default: fitted on every row.
   */
  readonly split?: { readonly fraction: number; readonly seed: number };
  /** Read at most this many rows (after dropped ones): `data.trainLimit`. */
  readonly limit?: number;
  /** Dataset name; default the file's name. */
  readonly name?: string;
  /** Largest encoded table, rows × encoded features × 4 bytes; default {@link CSV_MAX_BYTES}. */
  readonly maxBytes?: number;
  /** Largest vocabulary of a text input column; default {@link CSV_MAX_CATEGORIES}. */
  readonly maxCategories?: number;
}

/** The options with defaults applied and checked. */
export interface CheckedCsvOptions {
  readonly labels: readonly ColumnRef[];
  readonly features: readonly ColumnRef[] | undefined;
  readonly task: CsvTask;
  readonly missing: CsvMissing;
  readonly header: boolean | 'auto';
  readonly preprocessing: Preprocessing | undefined;
  readonly split: { readonly fraction: number; readonly seed: number } | undefined;
  readonly limit: number;
  readonly maxBytes: number;
  readonly maxCategories: number;
}

const W = 'loadCsv';

function checkRef(field: string, ref: unknown): ColumnRef {
  if (typeof ref === 'string' && ref.trim() !== '') return ref.trim();
  if (typeof ref === 'number' && Number.isInteger(ref) && ref >= 1) return ref;
  return invalidOption(W, field, 'a column name or a 1-based column number', ref);
}

function checkRefs(field: string, refs: readonly unknown[]): ColumnRef[] {
  const checked = refs.map((r, i) => checkRef(`${field}[${i}]`, r));
  const seen = new Set<string>();
  for (const ref of checked) {
    const key = String(ref);
    if (seen.has(key)) invalidOption(W, field, 'distinct columns', refs);
    seen.add(key);
  }
  return checked;
}

function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T))
    invalidOption(W, field, `one of ${allowed.map((a) => describeValue(a)).join(', ')}`, value);
  return value as T;
}

/** Checks `options` and fills the defaults. */
export function checkCsvOptions(options: CsvOptions): CheckedCsvOptions {
  const label = options.label as unknown;
  const labels = Array.isArray(label) ? checkRefs('label', label) : [checkRef('label', label)];
  if (labels.length === 0) invalidOption(W, 'label', 'at least one column', label);
  const features = options.features === undefined ? undefined : checkRefs('features', options.features);
  if (features?.length === 0) invalidOption(W, 'features', 'at least one column', features);
  const header = options.header ?? 'auto';
  if (header !== true && header !== false && header !== 'auto')
    invalidOption(W, 'header', 'true, false or "auto"', header);
  const preprocessing = options.preprocessing;
  if (preprocessing !== undefined && preprocessing.input.kind !== 'table')
    invalidOption(W, 'preprocessing.input.kind', '"table"', preprocessing.input.kind);
  const split = options.split;
  if (split !== undefined) {
    checkNumber(W, 'split.fraction', split.fraction, { min: 0, max: 1, minOpen: true, maxOpen: true });
    checkNumber(W, 'split.seed', split.seed, { integer: true });
  }
  return {
    labels,
    features,
    task: oneOf('task', options.task, CSV_TASKS, 'auto'),
    missing: oneOf('missing', options.missing, CSV_MISSING, 'error'),
    header,
    preprocessing,
    split,
    limit:
      options.limit === undefined
        ? Number.POSITIVE_INFINITY
        : checkNumber(W, 'limit', options.limit, { min: 1, integer: true }),
    maxBytes:
      options.maxBytes === undefined
        ? CSV_MAX_BYTES
        : checkNumber(W, 'maxBytes', options.maxBytes, { min: 1 }),
    maxCategories:
      options.maxCategories === undefined
        ? CSV_MAX_CATEGORIES
        : checkNumber(W, 'maxCategories', options.maxCategories, { min: 1, integer: true }),
  };
}
