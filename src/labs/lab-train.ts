// One lab training run: `createTrainingSession` (the pipeline on its own pool), plus what the book's
// figures need that a run's validation/test slots do not give: accuracy of several named sets after
// every epoch. The largest set is evaluated on the pool (as the run's validation set, relabelled);
// the others, small in every lab, on the main thread at the epoch's safe point.

import { map, Observable, Subject } from 'rxjs';
import type { Dataset } from '../data/dataset.js';
import { evaluate } from '../nn/evaluate.js';
import { Network } from '../nn/network.js';
import { createController, type RunController } from '../pipeline/controller.js';
import {
  createTrainingSession,
  type SafePoint,
  type SessionState,
  type TrainConfig,
} from '../pipeline/train.js';
import type { TrainEvent } from '../train/events.js';

/** The evaluation splits a lab run can name. */
export type LabSplit = 'train' | 'validation' | 'test';

/** A run's config: `train()`'s, with per-epoch and end-of-run evaluation of named sets. */
export interface LabTrainConfig
  extends Omit<TrainConfig, 'validation' | 'test' | 'resume' | 'onSafePoint' | 'faults'> {
  /** Evaluated after every epoch. */
  readonly evalEachEpoch?: Partial<Readonly<Record<LabSplit, Dataset>>>;
  /** Evaluated once, after the last step (on the pool). */
  readonly evalAtEnd?: { readonly test?: Dataset };
  /** Extra fields for the start event's config (what the dashboard shows about the run). */
  readonly meta?: Readonly<Record<string, unknown>>;
}

/** A prepared lab run; subscribing to `events$` trains. */
export interface LabTraining {
  readonly runId: string;
  /** The kernel set the run computes with (e.g. `js`, `wasm-relaxed-simd`). */
  readonly kernels: string;
  readonly controller: RunController;
  /** Cold: each subscription starts a pool and trains; unsubscribing stops it and closes the pool. */
  readonly events$: Observable<TrainEvent>;
}

const SPLITS: readonly LabSplit[] = ['train', 'validation', 'test'];

/** Rows per forward pass of the main-thread evaluations. */
const EVAL_ROWS = 100;

/** The completed step's epoch at an epoch's end, or undefined mid-epoch. */
function endedEpoch(point: SafePoint): number | undefined {
  return point.position === 0 ? point.epoch - 1 : undefined;
}

/**
 * Prepares a lab run (validates the config, allocates and initialises shared memory).
 *
 * @example
 * const run = labTrain({ model, optimizer: sgd({ lr: 0.01 }), train: small, epochs: 200,
 *   evalEachEpoch: { train: small, test }, workers: 1, seed: 1 });
 * run.events$.subscribe((e) => e.type === 'eval' && console.log(e.split, e.accuracy));
 */
export function labTrain(config: LabTrainConfig): LabTraining {
  const { evalEachEpoch = {}, evalAtEnd = {}, meta, ...rest } = config;
  const each = SPLITS.filter((s) => evalEachEpoch[s]);
  const onPool = each.reduce<LabSplit | undefined>(
    (best, s) => (best === undefined || evalEachEpoch[s]!.n > evalEachEpoch[best]!.n ? s : best),
    undefined,
  );
  const onMain = each.filter((s) => s !== onPool);
  const extra = new Subject<TrainEvent>();
  // A plain-JS copy of the network for these evaluations, with room for EVAL_ROWS rows at a time (the
  // session's own main-thread network holds only one micro-batch) and no share of the run's memory.
  let copy: Network | undefined;
  const onSafePoint = (point: SafePoint, s: SessionState) => {
    const epoch = endedEpoch(point);
    if (epoch === undefined) return;
    copy ??= Network.create(config.model, { capacity: EVAL_ROWS });
    copy.params.set(s.network.params);
    copy.buffers.set(s.network.buffers);
    for (const split of onMain) {
      const e = evaluate(copy, evalEachEpoch[split]!);
      extra.next({
        type: 'eval',
        step: point.step,
        epoch,
        split,
        loss: e.loss,
        accuracy: e.accuracy,
        n: e.n,
      });
    }
  };
  const controller = config.controller ?? createController();
  const session = createTrainingSession({
    // The labs draw their own figures; histograms only when a lab asks for them.
    histogramEvery: 0,
    ...rest,
    controller,
    validation: onPool ? evalEachEpoch[onPool] : undefined,
    // A test set evaluated every epoch is also evaluated after the last one.
    test: onPool === 'test' ? undefined : evalAtEnd.test,
    onSafePoint: onMain.length > 0 ? onSafePoint : undefined,
  });
  const relabel = (e: TrainEvent): TrainEvent => {
    if (e.type === 'eval' && e.split === 'validation' && onPool) return { ...e, split: onPool };
    if (e.type === 'start' && meta) return { ...e, config: { ...meta, ...e.config } };
    return e;
  };
  const events$ = new Observable<TrainEvent>((subscriber) => {
    // Main-thread evaluations are emitted from inside the run's own stream (at its safe points).
    const side = extra.subscribe((e) => subscriber.next(e));
    const main = session.events$.pipe(map(relabel)).subscribe(subscriber);
    return () => {
      side.unsubscribe();
      main.unsubscribe();
    };
  });
  return { runId: session.runId, kernels: session.kernels, controller, events$ };
}
