// When a run writes checkpoints: every N steps, every M minutes, at the end, when stopping, and when
// it fails (the last good state). Called at the pipeline's safe points; writes synchronously so a
// signal cannot interleave.

import type { RunConfig } from '../config/schema.js';
import type { Preprocessing } from '../data/preprocessing.js';
import { GradstreamError } from '../errors.js';
import type { MlpSpec } from '../nn/mlp.js';
import { captureResumeState, type SafePoint, type SessionState } from '../pipeline/train.js';
import { checkpointDir, latestCheckpoint, saveCheckpoint } from '../store/checkpoint.js';
import { toCheckpoint } from '../store/run-state.js';

/** What a checkpoint policy needs to know about the run. */
export interface CheckpointTarget {
  readonly config: RunConfig;
  readonly model: MlpSpec;
  readonly runId: string;
  readonly storeDir: string;
  /** The run's fitted preprocessing (CSV tables), stored in every checkpoint. */
  readonly preprocessing?: Preprocessing;
  /** Called with the path of every checkpoint written. */
  readonly onSaved?: (path: string, step: number) => void;
}

/** Writes the checkpoint of the state at `point` now; returns its path. */
function writeCheckpoint(target: CheckpointTarget, point: SafePoint, session: SessionState): string {
  const checkpoint = toCheckpoint(captureResumeState(session, point), {
    runId: target.runId,
    model: target.model,
    config: target.config,
    preprocessing: target.preprocessing,
    cursor: {
      epoch: point.epoch,
      position: point.position,
      stepsPerEpoch: session.schedule.stepsPerEpoch,
    },
  });
  const path = saveCheckpoint(checkpointDir(target.storeDir, target.runId), checkpoint, {
    keep: target.config.checkpoint.keep,
  });
  target.onSaved?.(path, point.step);
  return path;
}

/** Returns the `onSafePoint` callback that checkpoints per the config's `checkpoint` section. */
export function checkpointPolicy(
  target: CheckpointTarget,
): (point: SafePoint, session: SessionState) => void {
  const { everySteps, everyMinutes } = target.config.checkpoint;
  let lastSaved = Date.now();
  return (point, session) => {
    const due =
      point.last ||
      session.controller.state.stopped ||
      (everySteps > 0 && point.step % everySteps === 0) ||
      (everyMinutes > 0 && Date.now() - lastSaved >= everyMinutes * 60_000);
    if (!due) return;
    writeCheckpoint(target, point, session);
    lastSaved = Date.now();
  };
}

/** The failure side of the policy: see {@link failureCheckpoint}. */
export interface FailureCheckpoint {
  /** The session's `onFailure`: checkpoints the last good state (a write that fails is remembered). */
  readonly onFailure: (point: SafePoint, session: SessionState) => void;
  /**
   * The run's error with how to go on: `…; resume with: gradstream resume <run> --store <dir>
   * (checkpoint of step N)` when the run has a readable checkpoint, else `…; no checkpoint to resume
   * from`. Errors that are not a GradstreamError (a write the store refused: disk full, …) become
   * `ERR_WRITE`, so the CLI prints one line and exits 1.
   */
  explain(error: unknown): GradstreamError;
}

/** Checkpoints a failing run's last good state, and says how to resume it. */
export function failureCheckpoint(target: CheckpointTarget): FailureCheckpoint {
  const dir = checkpointDir(target.storeDir, target.runId);
  return {
    onFailure(point, session) {
      try {
        writeCheckpoint(target, point, session);
      } catch {
        // Disk full, most likely: the newest checkpoint already written is what `explain` names.
      }
    },
    explain(error) {
      const failure =
        error instanceof GradstreamError
          ? error
          : new GradstreamError('ERR_WRITE', `run ${target.runId}: ${describeError(error)}`, {
              cause: error,
            });
      let found: ReturnType<typeof latestCheckpoint>;
      try {
        found = latestCheckpoint(dir, { fallback: true });
      } catch {
        found = undefined; // none readable
      }
      const store = /\s/.test(target.storeDir) ? JSON.stringify(target.storeDir) : target.storeDir;
      const hint = found
        ? `resume with: gradstream resume ${target.runId} --store ${store} (checkpoint of step ${found.checkpoint.step})`
        : 'no checkpoint to resume from';
      return new GradstreamError(failure.code, `${failure.message}; ${hint}`, { cause: failure });
    },
  };
}

/** An error's code and message on one line (`SQLITE_FULL: database or disk is full`). */
function describeError(error: unknown): string {
  const e = error as { code?: unknown; message?: unknown } | undefined;
  const message = typeof e?.message === 'string' ? e.message.split('\n')[0] : String(error);
  return typeof e?.code === 'string' && !message.includes(e.code) ? `${e.code}: ${message}` : message;
}
