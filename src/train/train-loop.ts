// The plain single-threaded training loop: shuffle, gather a batch, gradient, optimizer step,
// evaluate per epoch. The reference the worker pipeline is measured against, and the simplest API.

import { DEFAULTS } from '../config/schema.js';
import { batchCount, epochOrder } from '../data/batch.js';
import type { Dataset } from '../data/dataset.js';
import { checkNumber, GradstreamError } from '../errors.js';
import type { KernelPreference } from '../kernels/select.js';
import { type Evaluation, evaluate } from '../nn/evaluate.js';
import type { MlpSpec } from '../nn/mlp.js';
import { checkSkipInputZeros, type Network, type SkipInputZeros } from '../nn/network.js';
import { learningRateAt, type Optimizer } from '../optim/optimizer.js';
import type { TransformSpec } from '../optim/transform.js';
import { createLoopState } from './loop-state.js';
import { nonFiniteError } from './non-finite.js';

/** Options of {@link trainLoop}. */
export interface TrainLoopOptions {
  readonly model: MlpSpec;
  readonly optimizer: TransformSpec;
  readonly train: Dataset;
  /** Evaluated after every epoch (e.g. a validation split, or the test set for a final report). */
  readonly evaluation?: Dataset;
  /** Default 3 (as `train()` and the CLI). */
  readonly epochs?: number;
  /** Default 100 (the book's). */
  readonly batchSize?: number;
  /** Seeds initialization, shuffling and dropout. Default 1 (as `train()` and the CLI). */
  readonly seed?: number;
  /** Kernel set: `auto` (wasm SIMD when available), `wasm` or `js`. GRADSTREAM_KERNELS overrides. Default `auto`. */
  readonly kernels?: KernelPreference;
  /**
   * Whether the first layer skips the input's zeros instead of multiplying them: 'auto' (default)
   * when the data set is mostly zeros, as MNIST is (see docs/kernels.md); false always multiplies.
   */
  readonly skipInputZeros?: SkipInputZeros;
  /** Called after every step. */
  readonly onStep?: (info: StepInfo) => void;
  /** Called after every epoch, with the evaluation when one was asked for. */
  readonly onEpoch?: (info: EpochInfo) => void;
}

/** One step's outcome. */
export interface StepInfo {
  readonly step: number;
  readonly epoch: number;
  readonly loss: number;
  readonly lr: number | undefined;
  readonly samples: number;
  readonly totalSteps: number;
}

/** One epoch's outcome. */
export interface EpochInfo {
  readonly epoch: number;
  readonly step: number;
  readonly meanLoss: number;
  readonly evaluation?: Evaluation;
}

/** What {@link trainLoop} returns: the trained network and optimizer, and the per-epoch history. */
export interface TrainLoopResult {
  readonly network: Network;
  readonly optimizer: Optimizer;
  readonly epochs: readonly EpochInfo[];
}

/**
 * Trains `model` on `train` with `optimizer`, single-threaded.
 *
 * @example
 * const { train, test } = loadMnist();
 * const result = trainLoop({ model: mlp({ sizes: [784, 100, 10] }), optimizer: adam({ lr: 1e-3 }),
 *   train, evaluation: test, epochs: 2, batchSize: 100, seed: 1 });
 * result.epochs.at(-1)?.evaluation?.accuracy; // ≈ 0.97
 */
export function trainLoop(options: TrainLoopOptions): TrainLoopResult {
  const { model, train } = options;
  // The same defaults as train() and the CLI: the option table's.
  const epochs = checkNumber('trainLoop', 'epochs', options.epochs ?? DEFAULTS.epochs, {
    min: 1,
    integer: true,
  });
  const batchSize = checkNumber('trainLoop', 'batchSize', options.batchSize ?? DEFAULTS.batchSize, {
    min: 1,
    integer: true,
  });
  const seed = checkNumber('trainLoop', 'seed', options.seed ?? DEFAULTS.seed, { integer: true });
  if (train.features !== model.sizes[0]) {
    throw new GradstreamError(
      'ERR_SHAPE_MISMATCH',
      `trainLoop: ${train.name} has ${train.features} features, model.sizes[0] is ${model.sizes[0]}`,
    );
  }
  const { network, optimizer, data } = createLoopState({
    model,
    optimizer: options.optimizer,
    train,
    batchSize,
    seed,
    kernels: options.kernels,
    skipInputZeros: checkSkipInputZeros('trainLoop', options.skipInputZeros ?? 'auto'),
  });
  const perEpoch = batchCount(train.n, batchSize, false);
  const totalSteps = perEpoch * epochs;
  const history: EpochInfo[] = [];
  const order = new Uint32Array(train.n);
  for (let epoch = 0; epoch < epochs; epoch++) {
    epochOrder(train.n, seed, epoch, order);
    let lossSum = 0;
    for (let b = 0; b < perEpoch; b++) {
      const start = b * batchSize;
      const n = Math.min(batchSize, train.n - start);
      network.loadBatch(data, order, start, n);
      const step = optimizer.count + 1;
      const loss = network.lossAndGradient(n, step);
      if (!Number.isFinite(loss)) throw nonFiniteError(network.layout, network.grads, step, loss);
      optimizer.step();
      lossSum += loss;
      if (options.onStep) {
        const lr = learningRateAt(options.optimizer, step);
        options.onStep({ step, epoch, loss, lr, samples: n, totalSteps });
      }
    }
    const evaluation = options.evaluation ? evaluate(network, options.evaluation) : undefined;
    const info: EpochInfo = { epoch, step: optimizer.count, meanLoss: lossSum / perEpoch, evaluation };
    history.push(info);
    options.onEpoch?.(info);
  }
  return { network, optimizer, epochs: history };
}
