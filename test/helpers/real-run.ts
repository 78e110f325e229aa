// A real training run for the server, reconnect, backpressure and page tests: the library's own
// `train()` — a Piscina pool on shared memory — on an MNIST subset, so what those tests feed the
// dashboard is exactly what `gradstream train` feeds it (event shapes, order, control events).

import { defer, type MonoTypeOperatorFunction, type Observable, tap } from 'rxjs';
import { subset } from '../../src/data/dataset.js';
import { mlp } from '../../src/nn/mlp.js';
import { adam } from '../../src/optim/alias.js';
import type { RunController } from '../../src/pipeline/controller.js';
import { train } from '../../src/pipeline/train.js';
import type { TrainEvent } from '../../src/train/events.js';
import { mnistData } from './training-events.js';

/** Options of {@link realTraining}; every field has a small default. */
export interface RealRunOptions {
  /** Training samples: the first n of MNIST's training set. Default 2000. */
  readonly trainSize?: number;
  /** Validation samples (the first n of the test set), evaluated at each epoch's end; 0: none. Default 500. */
  readonly validationSize?: number;
  /** Test samples (the next n of the test set), evaluated after the last step; 0: none. Default 0. */
  readonly testSize?: number;
  /** Default 1. */
  readonly epochs?: number;
  /** Default 50 (so 2000 samples are 40 steps an epoch). */
  readonly batchSize?: number;
  /** Hidden layer sizes. Default [32]. */
  readonly hidden?: readonly number[];
  /** Adam's learning rate. Default 1e-3. */
  readonly lr?: number;
  /** Worker threads. Default 1. */
  readonly workers?: number;
  /** Default 1. */
  readonly seed?: number;
  readonly controller?: RunController;
  /** Default 0 (none). */
  readonly histogramEvery?: number;
  /** Default 0 (epoch ends only). */
  readonly evalEvery?: number;
}

/** `train()` of a small MLP with Adam on an MNIST subset; cold: subscribing starts the pool. */
export function realTraining(options: RealRunOptions = {}): Observable<TrainEvent> {
  return defer(() => {
    const { train: trainSet, test: testSet } = mnistData();
    const validationSize = options.validationSize ?? 500;
    const testSize = options.testSize ?? 0;
    return train({
      model: mlp({ sizes: [784, ...(options.hidden ?? [32]), 10] }),
      optimizer: adam({ lr: options.lr ?? 1e-3 }),
      train: subset(trainSet, 0, options.trainSize ?? 2000),
      validation: validationSize > 0 ? subset(testSet, 0, validationSize) : undefined,
      test: testSize > 0 ? subset(testSet, validationSize, testSize) : undefined,
      epochs: options.epochs ?? 1,
      batchSize: options.batchSize ?? 50,
      workers: options.workers ?? 1,
      seed: options.seed ?? 1,
      controller: options.controller,
      histogramEvery: options.histogramEvery ?? 0,
      evalEvery: options.evalEvery ?? 0,
    });
  });
}

/**
 * Pauses the run once its step event for each of `steps` has gone downstream (a page's click lands
 * between events too); the test resumes it when it has seen what it waits for. With the default
 * lookahead of 1, the one step already drawn still completes after the pause.
 */
export function pauseAt(
  controller: RunController,
  steps: Iterable<number>,
): MonoTypeOperatorFunction<TrainEvent> {
  const at = new Set(steps);
  return tap((e) => {
    if (e.type === 'step' && at.has(e.step)) queueMicrotask(() => controller.pause());
  });
}
