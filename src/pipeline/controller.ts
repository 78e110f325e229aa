// Steering a running training job: pause, resume, stop, change the learning rate.
// The pipeline reads the controller's state between steps; the dashboard and CLI call it.

import { BehaviorSubject, type Observable } from 'rxjs';
import { checkLearningRateInRange } from '../optim/learning-rate-range.js';

/** What a controller's state is at any moment. */
export interface ControlState {
  readonly paused: boolean;
  readonly stopped: boolean;
  /** Replaces the scheduled learning rate from the next step on; undefined = follow the schedule. */
  readonly lrOverride: number | undefined;
}

/** The surface that dashboards and CLIs use to steer a run. */
export interface RunController {
  /** Draws no new step until `resume()`; the step already in flight completes. */
  pause(): void;
  resume(): void;
  /** Ends the run after the step in flight; the run's observable completes with an `end` event. */
  stop(): void;
  /**
   * Sets the learning rate for steps drawn from now on; `undefined` returns to the schedule. A rate
   * outside [2⁻¹²⁶, 1000] (see `MAX_LEARNING_RATE`), or not finite, throws `ERR_INVALID_OPTION` and
   * changes nothing.
   */
  setLearningRate(lr: number | undefined): void;
  readonly state: ControlState;
  /** Emits the current state, then every change. */
  readonly state$: Observable<ControlState>;
}

/**
 * Creates a controller. Pass it to `train({ controller })`, or use the one `train` returns.
 *
 * @example
 * const controller = createController();
 * setTimeout(() => controller.setLearningRate(1e-4), 5000);
 */
export function createController(): RunController {
  const subject = new BehaviorSubject<ControlState>({ paused: false, stopped: false, lrOverride: undefined });
  const set = (patch: Partial<ControlState>) => {
    const next = { ...subject.value, ...patch };
    if (
      next.paused !== subject.value.paused ||
      next.stopped !== subject.value.stopped ||
      next.lrOverride !== subject.value.lrOverride
    ) {
      subject.next(next);
    }
  };
  return {
    pause: () => set({ paused: true }),
    resume: () => set({ paused: false }),
    stop: () => set({ stopped: true, paused: false }),
    setLearningRate(lr) {
      if (lr !== undefined) checkLearningRateInRange('setLearningRate', lr);
      set({ lrOverride: lr });
    },
    get state() {
      return subject.value;
    },
    state$: subject.asObservable(),
  };
}
