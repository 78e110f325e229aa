// When a run writes checkpoints: every N steps, every M minutes, at the end, and when stopping.
// Called at the pipeline's safe points; writes synchronously so a signal cannot interleave.

import type { RunConfig } from '../config/schema.js';
import type { MlpSpec } from '../nn/mlp.js';
import { captureResumeState, type SafePoint, type SessionState } from '../pipeline/train.js';
import { checkpointDir, saveCheckpoint } from '../store/checkpoint.js';
import { toCheckpoint } from '../store/run-state.js';

/** What a checkpoint policy needs to know about the run. */
export interface CheckpointTarget {
  readonly config: RunConfig;
  readonly model: MlpSpec;
  readonly runId: string;
  readonly storeDir: string;
  /** Called with the path of every checkpoint written. */
  readonly onSaved?: (path: string, step: number) => void;
}

/** Returns the `onSafePoint` callback that checkpoints per the config's `checkpoint` section. */
export function checkpointPolicy(
  target: CheckpointTarget,
): (point: SafePoint, session: SessionState) => void {
  const { everySteps, everyMinutes, keep } = target.config.checkpoint;
  const dir = checkpointDir(target.storeDir, target.runId);
  let lastSaved = Date.now();
  return (point, session) => {
    const due =
      point.last ||
      session.controller.state.stopped ||
      (everySteps > 0 && point.step % everySteps === 0) ||
      (everyMinutes > 0 && Date.now() - lastSaved >= everyMinutes * 60_000);
    if (!due) return;
    const checkpoint = toCheckpoint(captureResumeState(session, point), {
      runId: target.runId,
      model: target.model,
      config: target.config,
      cursor: {
        epoch: point.epoch,
        position: point.position,
        stepsPerEpoch: session.schedule.stepsPerEpoch,
      },
    });
    const path = saveCheckpoint(dir, checkpoint, { keep });
    lastSaved = Date.now();
    target.onSaved?.(path, point.step);
  };
}
