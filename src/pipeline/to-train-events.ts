// Stage 5: metrics. Turns evaluated steps into the run's public events: a step event (loss, lr,
// throughput), evaluation events, and an epoch event after each epoch's last step.

import { defer, mergeMap, type OperatorFunction } from 'rxjs';
import { learningRateLookup } from '../optim/optimizer.js';
import type { TransformSpec } from '../optim/transform.js';
import type { TrainEvent } from '../train/events.js';
import type { EvaluatedStep } from './evaluate-every.js';

/** Steps over which throughput is averaged. */
const RATE_WINDOW = 20;

/** The running sum behind an epoch's mean loss: saved in checkpoints so a resumed epoch reports the same mean. */
export interface EpochLoss {
  sum: number;
  steps: number;
}

/** Options of {@link toTrainEvents}. */
export interface TrainEventsOptions {
  readonly optimizer: TransformSpec;
  /** Clock in milliseconds (injectable for tests). Default `performance.now`. */
  readonly now?: () => number;
  /**
   * The epoch's running loss sum; pass one to read it between steps (checkpoints) or to start
   * mid-epoch (resume). It includes a step by the time that step's event is emitted.
   */
  readonly epochLoss?: EpochLoss;
}

/** Maps each evaluated step to its events. State (timings, epoch sums) lives in the subscription. */
export function toTrainEvents(o: TrainEventsOptions): OperatorFunction<EvaluatedStep, TrainEvent> {
  return (source) =>
    defer(() => {
      const eventsOf = trainEventsFor(o);
      return source.pipe(mergeMap(eventsOf));
    });
}

/**
 * The mapping behind {@link toTrainEvents}: a function from each evaluated step, in order, to its
 * events, holding the timings and epoch sums of one run (make one per run).
 */
export function trainEventsFor(o: TrainEventsOptions): (evaluated: EvaluatedStep) => TrainEvent[] {
  const learningRate = learningRateLookup(o.optimizer);
  const now = o.now ?? (() => performance.now());
  const started = now();
  const times = new Float64Array(RATE_WINDOW + 1);
  const samples = new Float64Array(RATE_WINDOW + 1);
  let seen = 0;
  const epoch = o.epochLoss ?? { sum: 0, steps: 0 };
  times[0] = started;
  return ({ update, evaluations }) => {
    const { step } = update;
    const t = now();
    seen++;
    times[seen % times.length] = t;
    samples[seen % samples.length] = update.samples;
    const span = Math.min(seen, RATE_WINDOW);
    let windowSamples = 0;
    for (let i = 0; i < span; i++) windowSamples += samples[(seen - i) % samples.length];
    const seconds = (t - times[(seen - span) % times.length]) / 1000;
    const lrStep = update.applied ? update.updates : update.updates + 1;
    const events: TrainEvent[] = [
      {
        type: 'step',
        step: step.step,
        epoch: step.epoch,
        loss: update.loss,
        lr: learningRate(lrStep, step.lrOverride),
        samples: update.samples,
        samplesPerSecond: seconds > 0 ? windowSamples / seconds : 0,
        elapsedMs: t - started,
        skipped: !update.applied,
        gradNorm: update.gradNorm,
      },
    ];
    for (const e of evaluations) {
      const split = e.set === 'test' ? 'test' : e.set === 'train' ? 'train' : 'validation';
      events.push({
        type: 'eval',
        step: step.step,
        epoch: step.epoch,
        split,
        loss: e.loss,
        accuracy: e.accuracy,
        ...(e.rmse === undefined ? {} : { rmse: e.rmse, mae: e.mae }),
        n: e.n,
      });
    }
    if (update.applied) {
      epoch.sum += update.loss;
      epoch.steps++;
    }
    if (step.endOfEpoch) {
      events.push({
        type: 'epoch',
        epoch: step.epoch,
        step: step.step,
        meanLoss: epoch.sum / Math.max(1, epoch.steps),
      });
      epoch.sum = 0;
      epoch.steps = 0;
    }
    return events;
  };
}
