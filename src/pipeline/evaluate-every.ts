// Stage 4: evaluation. After the steps the step plan names (every n steps, epoch ends, the run's end)
// the named sets are evaluated before the step is passed on, so no update runs during an evaluation.

import { concat, concatMap, defer, map, type Observable, type OperatorFunction, of, toArray } from 'rxjs';
import type { Evaluation } from '../nn/evaluate.js';
import type { Runner, UpdateResult } from './runner.js';
import type { StepPlan } from './step-plan.js';

/** An evaluation of one named set. */
export interface SetEvaluation extends Evaluation {
  readonly set: string;
}

/** An update with the evaluations that followed it (often none). */
export interface EvaluatedStep {
  readonly update: UpdateResult;
  readonly evaluations: readonly SetEvaluation[];
}

/**
 * Attaches the evaluations the step plan asks for to each step (one set after another).
 *
 * @example
 * updates$.pipe(evaluateEvery(runner, createStepPlan({ evaluate: ['validation'], evalEvery: 20 }, schedule)));
 */
export function evaluateEvery(runner: Runner, plan: StepPlan): OperatorFunction<UpdateResult, EvaluatedStep> {
  return concatMap((update): Observable<EvaluatedStep> => {
    const names = plan.at(update.step.step).evaluate;
    if (names.length === 0) return of({ update, evaluations: [] });
    // Deferred: a set's evaluation starts only when the previous one has finished. The pool's
    // evaluate() starts its tasks when called, and two sets' tasks would share the lanes' scratch.
    const evaluations = names.map((set) =>
      defer(() => runner.evaluate(set)).pipe(map((e): SetEvaluation => ({ set, ...e }))),
    );
    return concat(...evaluations).pipe(
      toArray(),
      map((list) => ({ update, evaluations: list })),
    );
  });
}
