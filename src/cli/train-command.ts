// `gradstream train`: trains an MLP on MNIST (or any IDX pair) single-threaded, with progress,
// a validation score per epoch and the test accuracy at the end.

import { splitValidation, subset } from '../data/dataset.js';
import { loadMnist } from '../data/mnist.js';
import { checkNumber } from '../errors.js';
import { evaluate } from '../nn/evaluate.js';
import { mlp } from '../nn/mlp.js';
import { optimizerFromConfig } from '../optim/from-config.js';
import { trainLoop } from '../train/train-loop.js';
import { createProgress } from './progress.js';

/** Options of the train command, as parsed from flags (already typed and defaulted). */
export interface TrainCommandOptions {
  readonly hidden: readonly number[];
  readonly activation: 'relu' | 'sigmoid';
  readonly init: 'he' | 'xavier' | number;
  readonly batchNorm: boolean;
  readonly dropout: number;
  readonly weightDecay: number;
  readonly optimizer: string;
  readonly lr: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly seed: number;
  readonly trainLimit?: number;
  readonly validation: number;
  readonly data?: string;
}

/** Runs the job and returns the final test accuracy. Throws GradstreamError on bad options. */
export function runTrain(o: TrainCommandOptions, out: NodeJS.WriteStream = process.stderr): number {
  // Validate every number before loading data, so a typo fails at once.
  checkNumber('train', '--epochs', o.epochs, { min: 1, integer: true });
  checkNumber('train', '--batch-size', o.batchSize, { min: 1, integer: true });
  checkNumber('train', '--validation', o.validation, { min: 0, max: 1, maxOpen: true });
  if (o.trainLimit !== undefined)
    checkNumber('train', '--train-limit', o.trainLimit, { min: 1, integer: true });
  const model = mlp({
    sizes: [784, ...o.hidden, 10],
    activation: o.activation,
    init: typeof o.init === 'number' ? { kind: 'std', std: o.init } : o.init,
    batchNorm: o.batchNorm,
    dropout: o.dropout,
    weightDecay: o.weightDecay,
  });
  const optimizer = optimizerFromConfig({ name: o.optimizer, lr: o.lr });
  const mnist = loadMnist({ dir: o.data });
  const pool = o.trainLimit ? subset(mnist.train, 0, Math.min(o.trainLimit, mnist.train.n)) : mnist.train;
  const { train, validation } = splitValidation(pool, { fraction: o.validation, seed: o.seed });
  out.write(
    `gradstream: MLP ${model.sizes.join('-')} (${model.activation}, ${typeof model.init === 'string' ? model.init : `std ${model.init.std}`}), ` +
      `${o.optimizer} lr ${o.lr}, batch ${o.batchSize}, ${o.epochs} epoch(s), seed ${o.seed}; ` +
      `${train.n} train / ${validation.n} validation / ${mnist.test.n} test samples\n`,
  );
  const progress = createProgress(out);
  const started = performance.now();
  let samples = 0;
  const result = trainLoop({
    model,
    optimizer,
    train,
    evaluation: validation.n > 0 ? validation : undefined,
    epochs: o.epochs,
    batchSize: o.batchSize,
    seed: o.seed,
    onStep: (s) => {
      samples += s.samples;
      const seconds = (performance.now() - started) / 1000;
      progress.update({
        step: s.step,
        totalSteps: s.totalSteps,
        epoch: s.epoch,
        epochs: o.epochs,
        loss: s.loss,
        samplesPerSecond: samples / seconds,
        stepsPerSecond: s.step / seconds,
      });
    },
    onEpoch: (e) => {
      const v = e.evaluation;
      progress.log(
        `epoch ${e.epoch + 1}: mean train loss ${e.meanLoss.toFixed(4)}` +
          (v ? ` · validation loss ${v.loss.toFixed(4)}, accuracy ${(100 * v.accuracy).toFixed(2)}%` : ''),
      );
    },
  });
  progress.stop();
  const test = evaluate(result.network, mnist.test);
  const seconds = (performance.now() - started) / 1000;
  out.write(
    `test accuracy ${(100 * test.accuracy).toFixed(2)}% (loss ${test.loss.toFixed(4)}) after ${result.optimizer.count} steps in ${seconds.toFixed(1)} s\n`,
  );
  return test.accuracy;
}
