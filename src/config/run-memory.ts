// Sizes a run before any work: the batch against the training set, and the shared memory the run
// would allocate against what this machine (and the chosen kernels) can give. The estimate follows
// the pipeline's layout (src/pipeline/plan.ts, declarePipelineMemory) region by region; a test holds
// it equal to the arena the pipeline builds.

import { constants as bufferConstants } from 'node:buffer';
import { totalmem } from 'node:os';
import { KERNELS_ENV } from '../kernels/select.js';
import { detectWasmFeatures } from '../kernels/wasm/detect.js';
import { DEFAULT_MAXIMUM_BYTES } from '../kernels/wasm/memory.js';
import { mlpLayouts } from '../nn/mlp.js';
import { declareNetworkScratch } from '../nn/network.js';
import { optimizerSlotNames } from '../optim/optimizer.js';
import { ARENA_ALIGN_BYTES, ArenaBuilder } from '../tensor/arena.js';
import { modelFromConfig, optimizerSpecFromConfig } from './build.js';
import { validationProblem } from './data.js';
import type { RunDataShape } from './data-shape.js';
import type { RunConfig } from './schema.js';

/** The shared memory of a run, in bytes, by what it holds. */
export interface MemoryEstimate {
  /** Parameters, batch-norm statistics and the main thread's own copies of their gradients. */
  readonly parameters: number;
  /** Optimizer slots: one parameter-sized region each (Adam: 2). */
  readonly optimizer: number;
  /** Gradients and statistics of every micro-batch of every ring entry. */
  readonly gradients: number;
  /** Layer scratch (inputs, activations, their gradients) for a micro-batch, per lane. */
  readonly activations: number;
  /** The training, validation and test samples, copied into the arena once. */
  readonly data: number;
  readonly total: number;
}

/** The most shared memory a run may have, and what sets it. */
export interface MemoryLimit {
  readonly bytes: number;
  readonly why: string;
}

/** Sample counts after `trainLimit` and the validation split. */
export interface SplitSizes {
  readonly pool: number;
  readonly train: number;
  readonly validation: number;
  readonly test: number;
}

const align = (bytes: number) => Math.ceil(bytes / ARENA_ALIGN_BYTES) * ARENA_ALIGN_BYTES;

/** An ArenaBuilder that only adds up the aligned bytes requested (nothing is allocated). */
class MeasuringBuilder extends ArenaBuilder {
  bytes = 0;
  override f32(_name: string, length: number): this {
    this.bytes += align(4 * length);
    return this;
  }
  override f64(_name: string, length: number): this {
    this.bytes += align(8 * length);
    return this;
  }
  override i32(_name: string, length: number): this {
    this.bytes += align(4 * length);
    return this;
  }
  override u8(_name: string, length: number): this {
    this.bytes += align(length);
    return this;
  }
}

/** The samples of each split, as loadRunData will make them. */
export function splitSizes(config: RunConfig, shape: RunDataShape): SplitSizes {
  const limit = config.data.trainLimit;
  const pool = limit === undefined ? shape.train.n : Math.min(limit, shape.train.n);
  const validation = config.data.validation === 0 ? 0 : Math.round(pool * config.data.validation);
  return { pool, train: pool - validation, validation, test: shape.test?.n ?? 0 };
}

/**
 * The shared memory a run of `config` on data of `shape` allocates (one arena; see
 * docs/runs.md, "Sizes"), with P parameters, B batch-norm statistics, S optimizer slots, R ring
 * entries (1 in sync mode, staleness + 1 in async), K micro-batches of m = ⌈batchSize / K⌉ rows,
 * W workers, all in float32:
 *
 *   parameters  = 4P + 4B + 4P + 4B            (the run's, and the main thread's gradient copies)
 *   optimizer   = S · 4P
 *   gradients   = R · K · (4P + 4B)
 *   activations = (R·W + W + 1) · scratch(m)   (training lanes, evaluation lanes, the main thread)
 *   data        = (train + validation + test samples) · features · bytes per value
 *
 * where scratch(m) is a network's per-row buffers (input, every layer's outputs and their gradients,
 * dropout masks, labels) for m rows. Each region is rounded up to 64 bytes, as the arena lays them.
 */
export function estimateRunMemory(config: RunConfig, shape: RunDataShape): MemoryEstimate {
  const model = modelFromConfig(config.model, {
    inputSize: shape.train.features,
    classes: shape.classes,
    regression: shape.regression,
  });
  const { params, buffers } = mlpLayouts(model);
  const P = align(4 * params.size);
  const B = align(4 * buffers.size);
  const S = optimizerSlotNames(optimizerSpecFromConfig(config.optimizer)).length;
  const R = config.mode === 'sync' ? 1 : config.staleness + 1;
  const K = config.microBatches ?? Math.min(2, config.batchSize);
  const W = config.workers;
  const scratch = new MeasuringBuilder();
  declareNetworkScratch(scratch, model, Math.ceil(config.batchSize / K));
  const sizes = splitSizes(config, shape);
  const trainBytes = (n: number) => align(n * shape.train.features * shape.train.bytesPerValue);
  const testBytes = shape.test ? align(sizes.test * shape.test.features * shape.test.bytesPerValue) : 0;
  const parts = {
    parameters: 2 * (P + B),
    optimizer: S * P,
    gradients: R * K * (P + B),
    activations: (R * W + W + 1) * scratch.bytes,
    data: trainBytes(sizes.train) + (sizes.validation > 0 ? trainBytes(sizes.validation) : 0) + testBytes,
  };
  return { ...parts, total: Object.values(parts).reduce((a, b) => a + b, 0) };
}

/** Room the wasm kernels keep for themselves below the arena (2.3 MiB measured; rounded up). */
const WASM_RESERVED_BYTES = 4 * 1024 * 1024;

/** Whether this engine runs the wasm kernels on shared memory (probed once: the probe makes a memory). */
let wasmUsable: boolean | undefined;

/** Whether the run will use the wasm kernels, decided as `selectKernels` decides it. */
function usesWasm(prefer: RunConfig['kernels'], env: Readonly<Record<string, string | undefined>>): boolean {
  const fromEnv = env[KERNELS_ENV];
  const choice = fromEnv !== undefined && fromEnv !== '' ? fromEnv : prefer;
  if (choice === 'js') return false;
  if (choice === 'wasm') return true;
  if (wasmUsable === undefined) {
    const features = detectWasmFeatures({ enableRelaxed: false });
    wasmUsable = features.simd && features.sharedMemory;
  }
  return wasmUsable;
}

/**
 * The most shared memory a run may allocate here: the smallest of this machine's memory
 * (`os.totalmem()`), the largest typed array (`buffer.constants.MAX_LENGTH`) and, with the wasm
 * kernels, their memory's maximum (1 GiB, less the kernels' own pages).
 */
export function memoryLimit(
  prefer: RunConfig['kernels'],
  env: Readonly<Record<string, string | undefined>> = process.env,
): MemoryLimit {
  const limits: MemoryLimit[] = [
    { bytes: totalmem(), why: "this machine's memory" },
    { bytes: bufferConstants.MAX_LENGTH, why: 'the largest typed array' },
  ];
  if (usesWasm(prefer, env))
    limits.push({ bytes: DEFAULT_MAXIMUM_BYTES - WASM_RESERVED_BYTES, why: "the wasm kernels' memory" });
  return limits.reduce((a, b) => (b.bytes < a.bytes ? b : a));
}

/** `1.5 GiB`: bytes in binary units, three significant digits. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  const shown = unit === 0 || value >= 100 ? value.toFixed(0) : value.toPrecision(3);
  return `${shown} ${units[unit]}`;
}

/** The field to change when the estimate is too big: the one behind its largest part. */
function culprit(config: RunConfig, m: MemoryEstimate): string {
  const model = m.parameters + m.optimizer + m.gradients;
  if (model >= m.activations && model >= m.data) return config.model.sizes ? 'model.sizes' : 'model.hidden';
  if (m.activations >= m.data) return 'batchSize';
  return config.data.trainLimit !== undefined ? 'data.trainLimit' : 'data';
}

function memoryLine(config: RunConfig, m: MemoryEstimate, limit: MemoryLimit): string {
  return (
    `needs ${formatBytes(m.total)} of shared memory (parameters ${formatBytes(m.parameters)}, ` +
    `optimizer state ${formatBytes(m.optimizer)}, gradients ${formatBytes(m.gradients)}, ` +
    `activations of batch ${config.batchSize} ${formatBytes(m.activations)}, data ${formatBytes(m.data)}), ` +
    `more than the ${formatBytes(limit.bytes)} a run may have here (${limit.why})`
  );
}

/**
 * The size problems of a valid config on data of `shape`, one line each: a validation fraction that
 * leaves a part empty, a batch larger than the training set, and a run whose shared memory
 * (`estimateRunMemory`) exceeds `limit` (`memoryLimit`), naming the field behind it.
 */
export function sizeProblems(
  config: RunConfig,
  shape: RunDataShape,
  limit: MemoryLimit = memoryLimit(config.kernels),
): string[] {
  const sizes = splitSizes(config, shape);
  const split =
    config.data.validation === 0 ? undefined : validationProblem(sizes.pool, config.data.validation);
  if (split) return [split];
  const memory = estimateRunMemory(config, shape);
  const fits = memory.total <= limit.bytes;
  if (config.batchSize > sizes.train) {
    const from = [
      `${shape.train.n}${sizes.pool < shape.train.n ? `, ${sizes.pool} after data.trainLimit` : ''}`,
      sizes.validation > 0 ? `, less ${sizes.validation} held out for validation` : '',
    ].join('');
    const also = fits ? '' : `; a run with that batch also ${memoryLine(config, memory, limit)}`;
    return [
      `batchSize: must be at most the ${sizes.train} training samples (${from}), got ${config.batchSize}${also}`,
    ];
  }
  if (fits) return [];
  return [`${culprit(config, memory)}: the run ${memoryLine(config, memory, limit)}`];
}
