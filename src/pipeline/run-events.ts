// The run itself: the stages composed into the observable of a session's events. Each part is a small
// operator of its own: the credits that pace the source (step-credits.ts), control (control-events.ts),
// the stages (gradients → updates → evaluations), and the safe points with their events
// (safe-points.ts), all consulting the session's one step plan.

import { catchError, concat, defer, finalize, from, mergeMap, Observable, of, tap, throwError } from 'rxjs';
import { resolveOptions } from '../config/options.js';
import { mlpLayouts } from '../nn/mlp.js';
import type { TrainEvent } from '../train/events.js';
import { tooManySkippedError } from '../train/non-finite.js';
import { batchSource } from './batch-source.js';
import { computeGradients } from './compute-gradients.js';
import { applyControl, controlEvents, controlledSteps } from './control-events.js';
import { evaluateEvery } from './evaluate-every.js';
import { networkHistograms } from './histograms.js';
import { inStepOrder } from './in-step-order.js';
import type { GradientBatch, UpdateResult } from './runner.js';
import { atSafePoints, safePointAfter } from './safe-points.js';
import { drawAheadOnGradients, StepCredits } from './step-credits.js';
import type { EpochLoss } from './to-train-events.js';
import type { SessionState, TrainConfig } from './train-config.js';
import { updateParams } from './update-params.js';

/** The model's parameters, without the layout's alignment padding. */
function trainableCount(plan: SessionState['plan']): number {
  return mlpLayouts(plan.model).params.entries.reduce((n, e) => n + e.length, 0);
}

/** The cold observable of a prepared session's events (see `createTrainingSession`). */
export function runEvents(config: TrainConfig, s: SessionState): Observable<TrainEvent> {
  return defer(() => {
    const { plan, schedule, controller, stepPlan } = s;
    const runner = s.createRunner();
    const started = performance.now();
    let lastStep = config.resume?.step ?? 0;
    let skipped = 0;
    const epochLoss: EpochLoss = { ...(config.resume?.epochLoss ?? { sum: 0, steps: 0 }) }; // a fresh run: none yet
    const credits = new StepCredits(controller, plan.ring, lastStep);
    const { maxSkippedSteps } = resolveOptions('session', config, 'train');
    let skippedInARow = 0;
    /** The last step whose events were made: what a failure keeps. */
    let lastDone: UpdateResult | undefined;
    // Steps whose gradients may be pending at once: async, the ring; sync, the lookahead.
    const inFlight = plan.mode === 'sync' ? plan.lookahead : plan.ring;
    const control = applyControl(controller, runner, credits);
    const stages$: Observable<TrainEvent> = batchSource(schedule, credits.credits$, lastStep + 1).pipe(
      controlledSteps(controller),
      tap((step) => credits.noteDrawn(step.step)),
      computeGradients(runner, inFlight),
      drawAheadOnGradients(credits),
      inFlight > 1 ? inStepOrder(lastStep + 1) : (x: Observable<GradientBatch>) => x,
      updateParams(runner),
      tap(({ step, applied }) => {
        lastStep = step.step;
        if (applied) {
          skippedInARow = 0;
          return;
        }
        skipped++;
        skippedInARow++;
        // Policy `skip` must not "complete" a run whose every step is skipped.
        if (maxSkippedSteps > 0 && skippedInARow >= maxSkippedSteps)
          throw tooManySkippedError(step.step, maxSkippedSteps);
      }),
      evaluateEvery(runner, stepPlan),
      atSafePoints({
        stepPlan,
        credits,
        events: { optimizer: plan.optimizer, epochLoss },
        onSafePoint: config.onSafePoint && ((point) => config.onSafePoint?.(point, s)),
        histograms: (step) => networkHistograms(s.network, config.validation ?? config.train, step),
        onStepDone: (update) => {
          lastDone = update;
        },
      }),
    );
    const steps$ = stages$.pipe(
      catchError((error: unknown) => from(keepLastGood(error)).pipe(mergeMap(() => throwError(() => error)))),
    );
    /** On a failure: the state after the last step done back in memory, handed to `onFailure`. */
    const keepLastGood = async (error: unknown): Promise<void> => {
      const done = lastDone;
      if (!config.onFailure || !done || !runner.restoreTo) return;
      try {
        if (!(await runner.restoreTo(done.step.step, done.updates))) return;
        config.onFailure(safePointAfter(done, epochLoss, schedule.totalSteps), s, error);
      } catch {
        // Dropped (see `onFailure`): the subscriber gets the run's own error.
      }
    };
    const start: TrainEvent = {
      type: 'start',
      runId: s.runId,
      config: { plan, schedule } as unknown as Record<string, unknown>,
      totalSteps: schedule.totalSteps,
      stepsPerEpoch: schedule.stepsPerEpoch,
      paramCount: trainableCount(plan),
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
      const events = controlEvents(controller, () => lastStep).subscribe((e) => subscriber.next(e));
      const steps = steps$.subscribe(subscriber);
      return () => {
        events.unsubscribe();
        steps.unsubscribe();
      };
    });
    return concat(of(start), body, end).pipe(
      finalize(() => {
        control.unsubscribe();
        credits.complete();
        void runner.close();
      }),
    );
  });
}
