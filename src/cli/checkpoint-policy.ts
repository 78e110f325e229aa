// When a run writes checkpoints: every N steps, every M minutes, at the end, and when stopping.
// Called at the pipeline's safe points; writes synchronously so a signal cannot interleave.

import type { RunConfig } from '../config/schema.js';
import type { MlpSpec } from '../nn/mlp.js';
import { captureResumeState, type SafePoint, type SessionState } from '../pipeline/train.js';
import { Rng } from '../random/rng.js';
import { checkpointDir, saveCheckpoint } from '../store/checkpoint.js';

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
    const state = captureResumeState(session, point);
    const path = saveCheckpoint(
      dir,
      {
        step: point.step,
        updates: point.updates,
        scheduleCount: point.updates,
        params: state.params,
        buffers: state.buffers,
        slots: state.slots,
        // Every draw is a pure function of (seed, epoch, step, sample): the seed's stream is the whole state.
        rng: new Rng(target.config.seed).state(),
        cursor: { epoch: point.epoch, position: point.position, seed: target.config.seed },
        model: target.model,
        config: target.config as unknown as Record<string, unknown>,
        extra: { runId: target.runId, epochLoss: { ...point.epochLoss } },
      },
      { keep },
    );
    lastSaved = Date.now();
    target.onSaved?.(path, point.step);
  };
}
