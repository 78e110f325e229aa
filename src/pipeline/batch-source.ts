// Stage 1: the seeded batch source. It emits one step descriptor per credit it receives, so the
// consumer pulls steps as it finishes them and nothing piles up between the source and the pool.

import { Observable } from 'rxjs';
import { checkNumber, invalidOption } from '../errors.js';

/** The rows a step trains on: positions [start, start + count) of epoch `epoch`'s seeded order. */
export interface StepRows {
  /** 1-based index of the batch in the run (keys dropout; names the step in events and errors). */
  readonly step: number;
  readonly epoch: number;
  readonly start: number;
  readonly count: number;
}

/** A step as the batch source emits it. */
export interface StepDescriptor extends StepRows {
  /** The learning rate the controller set when the step was drawn (undefined: follow the schedule). */
  readonly lrOverride?: number | undefined;
  /** True for the last step of its epoch. */
  readonly endOfEpoch: boolean;
}

/** How many steps a run has and how they map to epochs. */
export interface BatchSchedule {
  /** Samples in the training set. */
  readonly n: number;
  readonly batchSize: number;
  /** Batches per epoch: ceil(n / batchSize); the last batch of an epoch may be partial. */
  readonly stepsPerEpoch: number;
  /** Steps of the whole run. */
  readonly totalSteps: number;
}

/** Resolves epochs or steps (exactly one may be given; default one epoch) into a schedule. */
export function batchSchedule(o: {
  n: number;
  batchSize: number;
  epochs?: number;
  steps?: number;
}): BatchSchedule {
  const n = checkNumber('train', 'train.n', o.n, { min: 1, integer: true });
  const batchSize = checkNumber('train', 'batchSize', o.batchSize, { min: 1, integer: true });
  if (o.epochs !== undefined && o.steps !== undefined) {
    invalidOption('train', 'epochs/steps', 'one of the two, not both', { epochs: o.epochs, steps: o.steps });
  }
  const stepsPerEpoch = Math.ceil(n / batchSize);
  const totalSteps =
    o.steps !== undefined
      ? checkNumber('train', 'steps', o.steps, { min: 1, integer: true })
      : stepsPerEpoch * checkNumber('train', 'epochs', o.epochs ?? 1, { min: 1, integer: true });
  return { n, batchSize, stepsPerEpoch, totalSteps };
}

/** The descriptor of 1-based step `step`: its epoch and its rows in that epoch's seeded order. */
export function stepAt(schedule: BatchSchedule, step: number): StepDescriptor {
  const index = (step - 1) % schedule.stepsPerEpoch;
  const endOfEpoch = index === schedule.stepsPerEpoch - 1 || step === schedule.totalSteps;
  return { ...stepRows(schedule, step, { step: 0, epoch: 0, start: 0, count: 0 }), endOfEpoch };
}

/** Writes step `step`'s epoch and row range into `out` and returns it (no allocation: worker loops). */
export function stepRows<T extends { step: number; epoch: number; start: number; count: number }>(
  schedule: BatchSchedule,
  step: number,
  out: T,
): T {
  const index = (step - 1) % schedule.stepsPerEpoch;
  out.step = step;
  out.epoch = Math.floor((step - 1) / schedule.stepsPerEpoch);
  out.start = index * schedule.batchSize;
  out.count = Math.min(schedule.batchSize, schedule.n - out.start);
  return out;
}

/**
 * Emits steps `startStep..totalSteps` of `schedule`, one per credit: each value `c` from `credits$`
 * allows `c` more steps. Completes after the last step, or when `credits$` completes.
 *
 * @example
 * const credits = new BehaviorSubject(1);
 * batchSource(schedule, credits).pipe(concatMap(runStep), tap(() => credits.next(1)));
 */
export function batchSource(
  schedule: BatchSchedule,
  credits$: Observable<number>,
  startStep = 1,
): Observable<StepDescriptor> {
  return new Observable<StepDescriptor>((subscriber) => {
    let next = startStep;
    let credit = 0;
    if (next > schedule.totalSteps) {
      subscriber.complete();
      return;
    }
    return credits$.subscribe({
      next(c) {
        credit += c;
        while (credit > 0 && next <= schedule.totalSteps && !subscriber.closed) {
          credit--;
          subscriber.next(stepAt(schedule, next++));
        }
        if (next > schedule.totalSteps) subscriber.complete();
      },
      error: (e) => subscriber.error(e),
      complete: () => subscriber.complete(),
    });
  });
}
