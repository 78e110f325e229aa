// The hub's side of steering through the store: a RunController whose actions become control
// requests in the store, taken by the process that trains the run (see store/follow-controls.ts).

import { BehaviorSubject } from 'rxjs';
import { checkLearningRateInRange } from '../optim/learning-rate-range.js';
import type { ControlState, RunController } from '../pipeline/controller.js';
import type { RunStore } from '../store/run-store.js';

/**
 * A controller for `runId` that sends its actions through `store`. Its `state` is what was last
 * asked (the trainer's events say what happened). A learning rate out of range throws here, like the
 * trainer's own controller, so the page is told at once.
 */
export function storeController(store: RunStore, runId: string): RunController {
  const subject = new BehaviorSubject<ControlState>({ paused: false, stopped: false, lrOverride: undefined });
  const set = (patch: Partial<ControlState>) => subject.next({ ...subject.value, ...patch });
  return {
    pause() {
      store.sendControl(runId, 'pause');
      set({ paused: true });
    },
    resume() {
      store.sendControl(runId, 'resume');
      set({ paused: false });
    },
    stop() {
      store.sendControl(runId, 'stop');
      set({ stopped: true, paused: false });
    },
    setLearningRate(lr) {
      if (lr !== undefined) checkLearningRateInRange('setLearningRate', lr);
      store.sendControl(runId, 'setLearningRate', lr ?? null);
      set({ lrOverride: lr });
    },
    get state() {
      return subject.value;
    },
    state$: subject.asObservable(),
  };
}
