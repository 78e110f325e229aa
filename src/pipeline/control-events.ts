// Control: the controller's state applied to a run — the learning-rate override handed to the
// runner, credits paid back on resume, the source stopped on stop — and the `paused`, `resumed` and
// `lr` events that tell the subscribers.

import {
  distinctUntilChanged,
  filter,
  type MonoTypeOperatorFunction,
  map,
  merge,
  type Observable,
  Subscription,
  skip,
  takeUntil,
} from 'rxjs';
import type { TrainEvent } from '../train/events.js';
import type { RunController } from './controller.js';
import type { Runner, StepDescriptor } from './runner.js';
import type { StepCredits } from './step-credits.js';

/**
 * Applies the controller to the runner and the credits for as long as the returned subscription
 * lives: the learning-rate override now and on every change; credits held while paused paid back on
 * resume.
 */
export function applyControl(controller: RunController, runner: Runner, credits: StepCredits): Subscription {
  runner.setLearningRate?.(controller.state.lrOverride);
  const sub = new Subscription();
  sub.add(
    controller.state$.pipe(skip(1)).subscribe((c) => {
      runner.setLearningRate?.(c.lrOverride);
      credits.payOwed();
    }),
  );
  return sub;
}

/** Ends the source of steps once the controller is stopped, and stamps each step with the lr override. */
export function controlledSteps(controller: RunController): MonoTypeOperatorFunction<StepDescriptor> {
  return (steps) =>
    steps.pipe(
      takeUntil(controller.state$.pipe(filter((c) => c.stopped))),
      map((step) => ({ ...step, lrOverride: controller.state.lrOverride })),
    );
}

/** `paused`/`resumed` and `lr` events on every change of the controller, at the last step reported. */
export function controlEvents(controller: RunController, lastStep: () => number): Observable<TrainEvent> {
  const pause$ = controller.state$.pipe(
    map((c) => c.paused),
    distinctUntilChanged(),
    skip(1),
    map((paused): TrainEvent => ({ type: paused ? 'paused' : 'resumed', step: lastStep() })),
  );
  const lr$ = controller.state$.pipe(
    map((c) => c.lrOverride),
    distinctUntilChanged(),
    skip(1),
    map((lr): TrainEvent => ({ type: 'lr', step: lastStep(), lr })),
  );
  return merge(pause$, lr$);
}
