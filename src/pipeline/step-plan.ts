// What happens after each step of a run — evaluate which sets, take histograms, offer a safe point
// for a checkpoint — and so where the workers must come to rest (sync chunks end there). One plan,
// built once from the run's options and schedule, that every stage consults: the evaluation stage,
// the histograms, the safe points and the sync chunks can no longer disagree.

import { checkNumber } from '../errors.js';
import type { BatchSchedule } from './batch-source.js';

/** Options of {@link createStepPlan}. */
export interface StepPlanOptions {
  /** Sets evaluated every `evalEvery` steps and after each epoch's last step (e.g. `['validation']`). */
  readonly evaluate?: readonly string[];
  /** Evaluate `evaluate` every this many steps too (0: only at epoch ends). Default 0. */
  readonly evalEvery?: number;
  /** Whether `evaluate` runs after each epoch's last step. Default true. */
  readonly atEpochEnd?: boolean;
  /** Sets evaluated once, after the run's last step (e.g. `['test']`). */
  readonly atEnd?: readonly string[];
  /** Histograms after step 1 and every this many steps (0: never). Default 0. */
  readonly histogramEvery?: number;
  /** A safe point at least every this many steps, e.g. for checkpoints (0: none asked). Default 0. */
  readonly safePointEvery?: number;
}

/** What follows one step. */
export interface StepActions {
  /** The sets to evaluate after it, in order. */
  readonly evaluate: readonly string[];
  readonly histograms: boolean;
  /** A safe point was asked for here (`safePointEvery`). */
  readonly safePoint: boolean;
  /** The workers must rest after it: any of the above, or the run's last step. */
  readonly boundary: boolean;
}

/** The step plan of a run. */
export interface StepPlan {
  readonly schedule: BatchSchedule;
  /** What follows step `step` (1-based). Returns shared objects: no allocation per step. */
  at(step: number): StepActions;
  /** The first step from `first` on after which the workers must rest (the last step at the latest). */
  nextBoundary(first: number): number;
}

const NOTHING: StepActions = { evaluate: [], histograms: false, safePoint: false, boundary: false };

/**
 * Builds the step plan of a run over `schedule`.
 *
 * @example
 * const plan = createStepPlan({ evaluate: ['validation'], evalEvery: 100, histogramEvery: 50 }, schedule);
 * plan.at(100); // { evaluate: ['validation'], histograms: true, safePoint: false, boundary: true }
 */
export function createStepPlan(o: StepPlanOptions, schedule: BatchSchedule): StepPlan {
  const where = 'stepPlan';
  const evalEvery = checkNumber(where, 'evalEvery', o.evalEvery ?? 0, { min: 0, integer: true });
  const histogramEvery = checkNumber(where, 'histogramEvery', o.histogramEvery ?? 0, {
    min: 0,
    integer: true,
  });
  const safeEvery = checkNumber(where, 'safePointEvery', o.safePointEvery ?? 0, { min: 0, integer: true });
  const sets = o.evaluate ?? [];
  const endSets = o.atEnd ?? [];
  const atEpochEnd = o.atEpochEnd ?? true;
  const { stepsPerEpoch, totalSteps } = schedule;
  // The distinct outcomes, made once: a step's actions are one of these.
  const cache = new Map<string, StepActions>();
  const actions = (evaluate: boolean, end: boolean, histograms: boolean, safePoint: boolean): StepActions => {
    const key = `${+evaluate}${+end}${+histograms}${+safePoint}`;
    let a = cache.get(key);
    if (!a) {
      const names = [...(evaluate ? sets : []), ...(end ? endSets : [])];
      a = { evaluate: names, histograms, safePoint, boundary: true };
      cache.set(key, a);
    }
    return a;
  };
  const at = (step: number): StepActions => {
    const endOfEpoch = step % stepsPerEpoch === 0 || step === totalSteps;
    const evaluate =
      sets.length > 0 && ((evalEvery > 0 && step % evalEvery === 0) || (atEpochEnd && endOfEpoch));
    const end = step === totalSteps;
    const histograms = histogramEvery > 0 && (step === 1 || step % histogramEvery === 0);
    const safePoint = safeEvery > 0 && step % safeEvery === 0;
    return evaluate || end || histograms || safePoint
      ? actions(evaluate, end, histograms, safePoint)
      : NOTHING;
  };
  return {
    schedule,
    at,
    nextBoundary(first) {
      for (let step = first; step < totalSteps; step++) if (at(step).boundary) return step;
      return totalSteps;
    },
  };
}
