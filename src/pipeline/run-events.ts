// The run itself: the stages composed into the observable of a session's events, with credits
// (backpressure), control, safe points and histograms.

import {
  BehaviorSubject,
  concat,
  concatMap,
  defer,
  distinctUntilChanged,
  filter,
  finalize,
  map,
  merge,
  Observable,
  of,
  skip,
  takeUntil,
  tap,
} from 'rxjs';
import type { TrainEvent } from '../train/events.js';
import { batchSource } from './batch-source.js';
import { computeGradients } from './compute-gradients.js';
import { evaluateEvery } from './evaluate-every.js';
import { networkHistograms } from './histograms.js';
import { inStepOrder } from './in-step-order.js';
import type { GradientBatch, UpdateResult } from './runner.js';
import { type EpochLoss, toTrainEvents } from './to-train-events.js';
import type { SessionState, TrainConfig } from './train-config.js';
import { updateParams } from './update-params.js';

/** The cold observable of a prepared session's events (see `createTrainingSession`). */
export function runEvents(config: TrainConfig, s: SessionState): Observable<TrainEvent> {
  return defer(() => {
    const { plan, schedule, controller } = s;
    const runner = s.createRunner();
    const started = performance.now();
    let lastStep = config.resume?.step ?? 0;
    let lastUpdate: UpdateResult | undefined;
    let skipped = 0;
    const epochLoss: EpochLoss = { ...(config.resume?.epochLoss ?? { sum: 0, steps: 0 }) };
    const credits = new BehaviorSubject<number>(plan.ring);
    let owed = 0; // credits held back while paused
    const release = () => {
      if (controller.state.paused) owed++;
      else credits.next(1);
    };
    const stop$ = controller.state$.pipe(filter((c) => c.stopped));
    runner.setLearningRate?.(controller.state.lrOverride);
    const controlSub = controller.state$.pipe(skip(1)).subscribe((c) => {
      runner.setLearningRate?.(c.lrOverride);
      if (!c.paused && owed > 0) {
        const n = owed;
        owed = 0;
        credits.next(n);
      }
    });
    const pauseEvents$ = controller.state$.pipe(
      map((c) => c.paused),
      distinctUntilChanged(),
      skip(1),
      map((paused): TrainEvent => ({ type: paused ? 'paused' : 'resumed', step: lastStep })),
    );
    const lrEvents$ = controller.state$.pipe(
      map((c) => c.lrOverride),
      distinctUntilChanged(),
      skip(1),
      map((lr): TrainEvent => ({ type: 'lr', step: lastStep, lr })),
    );
    const updates$ = batchSource(schedule, credits, lastStep + 1).pipe(
      takeUntil(stop$),
      map((step) => ({ ...step, lrOverride: controller.state.lrOverride })),
      computeGradients(runner, plan.ring),
      // Mid-chunk, the workers go straight on to the next step: draw it now, so they never wait for it.
      tap((batch: GradientBatch) => {
        if (batch.boundary === false) release();
      }),
      plan.ring > 1 ? inStepOrder() : (x: Observable<GradientBatch>) => x,
      updateParams(runner),
    );
    const steps$ = updates$.pipe(
      evaluateEvery(runner, {
        sets: config.validation ? ['validation'] : [],
        every: config.evalEvery ?? 0,
        atEpochEnd: true,
        atEnd: config.test ? ['test'] : [],
        totalSteps: schedule.totalSteps,
      }),
      tap(({ update }) => {
        lastUpdate = update;
      }),
      toTrainEvents({ optimizer: plan.optimizer, epochLoss }),
      concatMap((event): TrainEvent[] => {
        if (event.type !== 'step' || !lastUpdate) return [event];
        const { step, updates, applied, quiescent } = lastUpdate;
        lastStep = step.step;
        if (!applied) skipped++;
        // A chunk's end holds its credit back until now (mid-chunk steps released theirs early).
        const boundary = lastUpdate.boundary !== false;
        if (quiescent === false) {
          if (boundary) release();
          return [event]; // the workers are already on the next step
        }
        // The step's update and evaluations are done and nothing else is in flight: a safe point.
        config.onSafePoint?.(
          {
            step: step.step,
            updates,
            epoch: step.endOfEpoch ? step.epoch + 1 : step.epoch,
            position: step.endOfEpoch ? 0 : step.start + step.count,
            epochLoss,
            last: step.step === schedule.totalSteps,
          },
          s,
        );
        const every = config.histogramEvery ?? 0;
        const histograms =
          every > 0 && (step.step % every === 0 || step.step === 1)
            ? networkHistograms(s.network, config.validation ?? config.train, step.step)
            : [];
        if (boundary) release();
        return [event, ...histograms];
      }),
    );
    const start: TrainEvent = {
      type: 'start',
      runId: s.runId,
      config: { plan, schedule } as unknown as Record<string, unknown>,
      totalSteps: schedule.totalSteps,
      stepsPerEpoch: schedule.stepsPerEpoch,
      paramCount: plan.paramSize,
      time: Date.now(),
    };
    const end = defer(() =>
      of<TrainEvent>({
        type: 'end',
        step: lastStep,
        reason: lastStep >= schedule.totalSteps ? 'completed' : 'stopped',
        elapsedMs: performance.now() - started,
        skippedSteps: skipped,
      }),
    );
    // Control events interleave with the steps; the body ends when the steps do.
    const body = new Observable<TrainEvent>((subscriber) => {
      const control = merge(pauseEvents$, lrEvents$).subscribe((e) => subscriber.next(e));
      const steps = steps$.subscribe(subscriber);
      return () => {
        control.unsubscribe();
        steps.unsubscribe();
      };
    });
    return concat(of(start), body, end).pipe(
      finalize(() => {
        controlSub.unsubscribe();
        credits.complete();
        void runner.close();
      }),
    );
  });
}
