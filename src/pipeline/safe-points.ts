// Safe points: after each evaluated step, its events, and — when the runner says the workers are at
// rest (nothing in flight, the shared state is this step's) — the run's safe point: the `onSafePoint`
// callback (checkpoints) and the histograms the step plan asks for. Then the next step's credit.

import { concatMap, defer, type OperatorFunction } from 'rxjs';
import type { TrainEvent } from '../train/events.js';
import type { EvaluatedStep } from './evaluate-every.js';
import { AT_REST, type UpdateResult } from './runner.js';
import type { StepCredits } from './step-credits.js';
import type { StepPlan } from './step-plan.js';
import { type EpochLoss, type TrainEventsOptions, trainEventsFor } from './to-train-events.js';
import type { SafePoint } from './train-config.js';

/** Options of {@link atSafePoints}. */
export interface SafePointOptions {
  readonly stepPlan: StepPlan;
  readonly credits: StepCredits;
  /** How the step's events are made; its `epochLoss` is the one safe points report. */
  readonly events: TrainEventsOptions & { readonly epochLoss: EpochLoss };
  /** Called at each safe point, before the next step is drawn (checkpoints). */
  readonly onSafePoint?: (point: SafePoint) => void;
  /** The histogram events of the state at `step` (called only at safe points the plan asks them at). */
  readonly histograms: (step: number) => TrainEvent[];
  /** Called with each step once its events are made (its loss is in `epochLoss`): the last step done. */
  readonly onStepDone?: (update: UpdateResult) => void;
}

/** Where the run stands after `update`'s step, with the epoch's running loss as it is now. */
export function safePointAfter(update: UpdateResult, epochLoss: EpochLoss, totalSteps: number): SafePoint {
  const { step } = update;
  return {
    step: step.step,
    updates: update.updates,
    epoch: step.endOfEpoch ? step.epoch + 1 : step.epoch,
    position: step.endOfEpoch ? 0 : step.start + step.count,
    epochLoss,
    last: step.step === totalSteps,
  };
}

/** Each evaluated step → its events, then the safe point's histograms; draws the next steps. */
export function atSafePoints(o: SafePointOptions): OperatorFunction<EvaluatedStep, TrainEvent> {
  const { credits, stepPlan } = o;
  const { totalSteps } = stepPlan.schedule;
  return (source) =>
    defer(() => {
      const eventsOf = trainEventsFor(o.events); // per subscription: its clock starts with the run
      return source.pipe(
        concatMap((evaluated) => {
          const events = eventsOf(evaluated);
          const { update } = evaluated;
          o.onStepDone?.(update);
          const { step } = update;
          const flow = update.flow ?? AT_REST;
          // Mid-chunk, draw on up to `ahead` steps past the one reported (the lookahead, never past the
          // chunk's end): the workers run that far while the main thread sleeps. A chunk's end (ahead 0)
          // draws one step, once it is handled.
          if (flow.ahead > 0) credits.drawUpTo(step.step + flow.ahead);
          else if (!flow.atRest) credits.release(); // the workers are already on the next step
          if (!flow.atRest) return events;
          o.onSafePoint?.(safePointAfter(update, o.events.epochLoss, totalSteps));
          const histograms = stepPlan.at(step.step).histograms ? o.histograms(step.step) : [];
          if (flow.ahead === 0) credits.release();
          return histograms.length > 0 ? [...events, ...histograms] : events;
        }),
      );
    });
}
