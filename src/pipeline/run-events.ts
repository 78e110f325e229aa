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
    const release = (n = 1) => {
      if (controller.state.paused) owed += n;
      else credits.next(n);
    };
    let drawn = lastStep; // the last step the source emitted
    /** Draws steps up to `target` (credits owed while paused count as drawn). */
    const drawUpTo = (target: number) => {
      if (target > drawn + owed) release(target - drawn - owed);
    };
    // Steps whose gradients may be pending at once: async, the ring; sync, the lookahead.
    const inFlight = plan.mode === 'sync' ? plan.lookahead : plan.ring;
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
      map((step) => {
        drawn = step.step;
        return { ...step, lrOverride: controller.state.lrOverride };
      }),
      computeGradients(runner, inFlight),
      // Mid-chunk, the workers go straight on to the next step: draw it as soon as this one's gradients
      // are in, so they do not wait for it (the update stage waits for a chunk end otherwise).
      tap((batch: GradientBatch) => {
        if (batch.boundary === false) drawUpTo(batch.step.step + 1);
      }),
      inFlight > 1 ? inStepOrder(lastStep + 1) : (x: Observable<GradientBatch>) => x,
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
        // Mid-chunk, draw on up to `ahead` steps past the one reported (the lookahead, never past the
        // chunk's end): the workers run that far while the main thread sleeps. A chunk's end draws
        // one step, once it is handled.
        const boundary = lastUpdate.boundary !== false;
        if (!boundary) drawUpTo(step.step + (lastUpdate.ahead ?? 1));
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
