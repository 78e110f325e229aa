// Small hand-made TrainEvents for the store and hub tests: a run's start and its steps.

import type { TrainEvent } from '../../src/train/events.js';

/** A start event of a run of `totalSteps` steps (`config`: what the pipeline would put there). */
export const startEvent = (totalSteps: number, config: Record<string, unknown> = {}): TrainEvent => ({
  type: 'start',
  runId: 'x',
  config,
  totalSteps,
  stepsPerEpoch: 10,
  paramCount: 7,
  time: Date.now(),
});

/** Step `n`: loss 1/n, elapsed 10·n ms. */
export const stepEvent = (n: number): TrainEvent => ({
  type: 'step',
  step: n,
  epoch: 0,
  loss: 1 / n,
  lr: 0.1,
  samples: 10,
  samplesPerSecond: 100,
  elapsedMs: 10 * n,
  skipped: false,
  gradNorm: 1,
});
