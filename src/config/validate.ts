// Checks a run configuration and reports every problem at once, one line each, then fills the
// defaults that depend on other fields (hidden sizes, init). The only I/O: the data files' headers
// (are they regular files, sound, of the model's shape), from which the run is sized.

import { GradstreamError } from '../errors.js';
import { optimizerFromConfig } from '../optim/from-config.js';
import { MNIST_SHAPE } from './build.js';
import { isCsvData, type RunDataShape, readDataShape } from './data-shape.js';
import { nestsDeeperThan, TOO_DEEP } from './depth.js';
import { formatIssues, mustBe, problemFromError } from './issues.js';
import { sizeProblems } from './run-memory.js';
import { scheduleProblems } from './schedule-config.js';
import {
  DEFAULT_HIDDEN,
  DEFAULTS,
  dataSchema,
  modelSchema,
  optimizerSchema,
  type RunConfig,
  runConfigSchema,
} from './schema.js';

/** Options of {@link validateConfig}. */
export interface ValidateOptions {
  /**
   * Check the data files by their headers (regular files, sound, agreeing with each other and with
   * the model) and size the run from them: the batch against the training set, the shared memory
   * against this machine. Default true.
   */
  readonly checkFiles?: boolean;
  /** Folder relative data paths are taken from. Default `process.cwd()`. */
  readonly baseDir?: string;
}

/** A valid config, or every problem found. */
export type ConfigResult =
  | { readonly ok: true; readonly config: RunConfig }
  | { readonly ok: false; readonly problems: readonly string[] };

type Raw = Readonly<Record<string, unknown>>;

function section(input: unknown, key: string): unknown {
  const value = typeof input === 'object' && input !== null ? (input as Raw)[key] : undefined;
  return value ?? {};
}

/** `data.labels: required with data.images` when only one of a pair of data files is given. */
function pairProblem(data: Raw, a: string, b: string): string[] {
  if ((data[a] === undefined) === (data[b] === undefined)) return [];
  const [missing, given] = data[a] === undefined ? [a, b] : [b, a];
  return [`data.${missing}: required with data.${given}`];
}

/** The CSV fields: `label` required with a table, and none of them without one. */
function csvProblems(data: RunConfig['data']): string[] {
  if (isCsvData(data))
    return data.label === undefined ? [`data.label: required with a CSV table (data.dir ${data.dir})`] : [];
  return CSV_FIELDS.filter((key) => data[key] !== undefined).map(
    (key) => `data.${key}: only for a CSV table (data.dir a file ending in .csv)`,
  );
}

const CSV_FIELDS = ['label', 'features', 'task', 'missing', 'header', 'test'] as const;

/**
 * Rules across fields, each run only on sections that parsed on their own (so nothing is reported
 * twice), and the data's shape when its files were read and are sound.
 */
function crossFieldProblems(
  input: unknown,
  options: ValidateOptions,
): { problems: string[]; shape: RunDataShape | undefined } {
  const problems: string[] = [];
  let shape: RunDataShape | undefined;
  const model = modelSchema.safeParse(section(input, 'model'));
  if (model.success && model.data.sizes && model.data.hidden)
    problems.push('model.hidden: give model.sizes or model.hidden, not both');
  const optimizer = optimizerSchema.safeParse(section(input, 'optimizer'));
  if (optimizer.success) {
    const { schedule, ...flat } = optimizer.data;
    try {
      optimizerFromConfig(flat);
    } catch (error) {
      problems.push(problemFromError(error, 'optimizer'));
    }
    if (schedule !== undefined) problems.push(...scheduleProblems(flat.lr, schedule));
  }
  const data = dataSchema.safeParse(section(input, 'data'));
  if (data.success) {
    const d = data.data;
    const layout = [...pairProblem(d, 'images', 'labels'), ...pairProblem(d, 'testImages', 'testLabels')];
    if (d.dir !== undefined && d.images !== undefined)
      layout.push('data.dir: give data.dir (MNIST) or data.images and data.labels (IDX), not both');
    layout.push(...csvProblems(d));
    problems.push(...layout);
    // The files are read only when it is clear which ones the run would read.
    if (options.checkFiles !== false && layout.length === 0) {
      const read = readDataShape(d, options.baseDir);
      if (read.ok) shape = read.shape;
      else problems.push(...read.problems);
    }
  }
  const raw = typeof input === 'object' && input !== null ? (input as Raw) : {};
  const batchSize = raw.batchSize ?? DEFAULTS.batchSize;
  const micro = raw.microBatches;
  if (
    typeof micro === 'number' &&
    typeof batchSize === 'number' &&
    Number.isInteger(micro) &&
    micro > batchSize
  )
    problems.push(mustBe('microBatches', `≤ batchSize (${batchSize})`, micro));
  return { problems, shape };
}

/**
 * `data.images: /abs/path: not a regular file (a FIFO)` and the like, for every data file `data`
 * names (MNIST's four when it names none): `readDataShape`'s problems.
 */
export function fileProblems(data: RunConfig['data'], baseDir = process.cwd()): string[] {
  const read = readDataShape(data, baseDir);
  return read.ok ? [] : [...read.problems];
}

/**
 * The model against the data's features and classes (the model `buildRun(config)` builds: `model.sizes`,
 * or `model.hidden` between MNIST's 784 inputs and 10 classes), then the run's sizes (`sizeProblems`).
 */
function shapeProblems(config: RunConfig, shape: RunDataShape): string[] {
  const { features, field, path } = shape.train;
  // A table's model takes its encoded features and classes unless model.sizes says otherwise.
  const ends = shape.table ? { inputSize: features, classes: shape.classes } : MNIST_SHAPE;
  const sizes = config.model.sizes ?? [ends.inputSize, ...(config.model.hidden ?? []), ends.classes];
  if (sizes[0] !== features || sizes.at(-1) !== shape.classes) {
    if (config.model.sizes)
      return [
        mustBe('model.sizes', `[${features}, …, ${shape.classes}] (the data's features and classes)`, sizes),
      ];
    return [
      `${field}: ${path}: ${features} features per sample, but without model.sizes the model takes MNIST's ` +
        `${MNIST_SHAPE.inputSize}; give model.sizes [${features}, …, ${shape.classes}]`,
    ];
  }
  return sizeProblems(config, shape);
}

/**
 * The problems of a valid config on a CSV table once loaded and encoded (`tableShape`): `model.sizes`
 * against the table's encoded features and classes, then the run's sizes (batch, memory).
 */
export function tableShapeProblems(config: RunConfig, shape: RunDataShape): string[] {
  return shapeProblems(config, shape);
}

/** Fills the defaults that depend on other fields: `hidden` when `sizes` is absent, `init` from `activation`. */
function resolveDefaults(config: RunConfig): RunConfig {
  const m = config.model;
  return {
    ...config,
    model: {
      ...m,
      hidden: m.sizes ? m.hidden : (m.hidden ?? [...DEFAULT_HIDDEN]),
      init: m.init ?? (m.activation === 'relu' ? 'he' : 'xavier'),
    },
  };
}

/**
 * Checks `input` against the schema and the cross-field rules, and returns the defaulted config or
 * every problem, one line each (`optimizer.lr: must be > 0, got -1`).
 *
 * @example
 * const r = validateConfig({ optimizer: { name: 'adam', lr: -1 } });
 * if (!r.ok) console.error(r.problems.join('\n'));
 */
export function validateConfig(input: unknown, options: ValidateOptions = {}): ConfigResult {
  // Checked first: the schema, the schedule and the messages all recurse into the value.
  if (nestsDeeperThan(input)) return { ok: false, problems: [`config: ${TOO_DEEP}`] };
  const parsed = runConfigSchema.safeParse(input, { reportInput: true });
  const problems = parsed.success ? [] : formatIssues(parsed.error.issues);
  const cross = crossFieldProblems(input, options);
  problems.push(...cross.problems);
  if (problems.length > 0 || !parsed.success) return { ok: false, problems };
  const config = resolveDefaults(parsed.data);
  const sized = cross.shape ? shapeProblems(config, cross.shape) : [];
  return sized.length > 0 ? { ok: false, problems: sized } : { ok: true, config };
}

/**
 * Like {@link validateConfig}, but throws.
 *
 * @throws GradstreamError `ERR_INVALID_OPTION` whose message is the problems, one per line, and
 *   whose `cause.problems` holds them as an array.
 */
export function parseConfig(input: unknown, options: ValidateOptions = {}): RunConfig {
  const result = validateConfig(input, options);
  if (result.ok) return result.config;
  throw new GradstreamError('ERR_INVALID_OPTION', result.problems.join('\n'), {
    cause: { problems: result.problems },
  });
}
