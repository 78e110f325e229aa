// The trainer's side of steering through the store: every `pollMs` it takes the run's control
// requests (written by a standing dashboard, see controls.ts) and applies them to its controller.

import type { RunController } from '../pipeline/controller.js';
import type { RunStore } from './run-store.js';

/** Options of {@link followControls}. */
export interface FollowControlsOptions {
  /** How often to look. Default 200 ms (a request takes effect within about that, plus a step). */
  readonly pollMs?: number;
  /** A request the controller refused, or a store that could not be read. Default: stderr. */
  readonly log?: (line: string) => void;
}

/**
 * Applies the control requests sent through `store` for `runId` to `controller` until the returned
 * function is called. The timer is unref'd: it never keeps the process alive.
 *
 * @example
 * const stopFollowing = followControls(store, run.id, controller);
 * // … train …
 * stopFollowing();
 */
export function followControls(
  store: RunStore,
  runId: string,
  controller: RunController,
  options: FollowControlsOptions = {},
): () => void {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  let failing = false;
  const poll = () => {
    let requests: ReturnType<RunStore['takeControls']>;
    try {
      requests = store.takeControls(runId);
      failing = false;
    } catch (error) {
      // Said once per spell of failures: a busy or full store must not flood the terminal.
      if (!failing) log(`gradstream: run ${runId}: control requests not read: ${(error as Error).message}`);
      failing = true;
      return;
    }
    for (const r of requests) {
      try {
        if (r.action === 'pause') controller.pause();
        else if (r.action === 'resume') controller.resume();
        else if (r.action === 'stop') controller.stop();
        else controller.setLearningRate(r.lr ?? undefined);
      } catch (error) {
        log(`gradstream: run ${runId}: ${r.action} refused: ${(error as Error).message}`);
      }
    }
  };
  const timer = setInterval(poll, options.pollMs ?? 200);
  timer.unref();
  return () => clearInterval(timer);
}
