// Checks a run configuration and reports every problem at once, one line each, then fills the
// defaults that depend on other fields (hidden sizes, init). The only I/O: do the data paths exist.

import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { MNIST_FILES } from '../data/mnist.js';
import { GradstreamError } from '../errors.js';
import { optimizerFromConfig } from '../optim/from-config.js';
import { formatIssues, mustBe, problemFromError } from './issues.js';
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
  /** Check that data files and folders exist. Default true. */
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

/** Rules across fields, each run only on sections that parsed on their own (so nothing is reported twice). */
function crossFieldProblems(input: unknown, options: ValidateOptions): string[] {
  const problems: string[] = [];
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
    problems.push(...pairProblem(d, 'images', 'labels'), ...pairProblem(d, 'testImages', 'testLabels'));
    if (d.dir !== undefined && d.images !== undefined)
      problems.push('data.dir: give data.dir (MNIST) or data.images and data.labels (IDX), not both');
    if (options.checkFiles !== false) problems.push(...fileProblems(d, options.baseDir));
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
  return problems;
}

/** `data.images: file not found: /abs/path` and the like, for every path field of `data`. */
export function fileProblems(data: RunConfig['data'], baseDir = process.cwd()): string[] {
  const problems: string[] = [];
  if (data.dir !== undefined) {
    const dir = resolve(baseDir, data.dir);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) problems.push(`data.dir: folder not found: ${dir}`);
    else {
      for (const name of Object.values(MNIST_FILES)) {
        if (!existsSync(resolve(dir, name))) problems.push(`data.dir: file not found: ${resolve(dir, name)}`);
      }
    }
  }
  for (const key of ['images', 'labels', 'testImages', 'testLabels'] as const) {
    const path = data[key];
    if (path === undefined) continue;
    const full = resolve(baseDir, path);
    if (!existsSync(full) || !statSync(full).isFile()) problems.push(`data.${key}: file not found: ${full}`);
  }
  return problems;
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
  const parsed = runConfigSchema.safeParse(input, { reportInput: true });
  const problems = parsed.success ? [] : formatIssues(parsed.error.issues);
  problems.push(...crossFieldProblems(input, options));
  if (problems.length > 0 || !parsed.success) return { ok: false, problems };
  return { ok: true, config: resolveDefaults(parsed.data) };
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
