// Stage 4: evaluation. After every `every`-th step (and at the end of each epoch when asked) the
// named sets are evaluated before the step is passed on, so no update runs during an evaluation.

import { concat, concatMap, defer, map, type Observable, type OperatorFunction, of, toArray } from 'rxjs';
import type { Evaluation } from '../nn/evaluate.js';
import type { Runner, UpdateResult } from './runner.js';

/** An evaluation of one named set. */
export interface SetEvaluation extends Evaluation {
  readonly set: string;
}

/** An update with the evaluations that followed it (often none). */
export interface EvaluatedStep {
  readonly update: UpdateResult;
  readonly evaluations: readonly SetEvaluation[];
}

/** When to evaluate. */
export interface EvaluateEveryOptions {
  /** Names of the runner's evaluation sets. */
  readonly sets: readonly string[];
  /** Every this many steps (0: never by count). */
  readonly every: number;
  /** Also after the last step of every epoch. */
  readonly atEpochEnd: boolean;
  /** Sets evaluated only after the run's last step (e.g. the test set). */
  readonly atEnd?: readonly string[];
  readonly totalSteps: number;
}

/** Attaches evaluations to the steps that call for them (evaluated one set after another). */
export function evaluateEvery(
  runner: Runner,
  o: EvaluateEveryOptions,
): OperatorFunction<UpdateResult, EvaluatedStep> {
  return concatMap((update): Observable<EvaluatedStep> => {
    const step = update.step.step;
    const due = (o.every > 0 && step % o.every === 0) || (o.atEpochEnd && update.step.endOfEpoch);
    const names = [...(due ? o.sets : []), ...(step === o.totalSteps ? (o.atEnd ?? []) : [])];
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
