// The vocabulary of a pipelined run: its configuration, the prepared session, safe points and the
// state a run resumes from.

import type { Observable } from 'rxjs';
import type { OptionValues } from '../config/options.js';
import type { Dataset } from '../data/dataset.js';
import type { MlpSpec } from '../nn/mlp.js';
import type { Network } from '../nn/network.js';
import type { TransformSpec } from '../optim/transform.js';
import type { Arena } from '../tensor/arena.js';
import type { TrainEvent } from '../train/events.js';
import type { BatchSchedule } from './batch-source.js';
import type { RunController } from './controller.js';
import { type PipelinePlan, slotRegion } from './plan.js';
import type { Runner } from './runner.js';
import type { StepPlan } from './step-plan.js';
import type { WorkerInit } from './tasks.js';
import type { EpochLoss } from './to-train-events.js';

/**
 * Everything `train` takes. Only `model`, `optimizer` and `train` are required. The run options
 * (`batchSize`, `epochs` or `steps`, `workers`, `mode`, `lookahead`, `seed`, `evalEvery`,
 * `histogramEvery`, `nonFinite`, `kernels`, …) are the option table's (`RUN_OPTIONS` in
 * src/config/options.ts, documented in docs/runs.md), with the same defaults as the CLI's.
 */
export interface TrainConfig extends RunOptions {
  readonly model: MlpSpec;
  readonly optimizer: TransformSpec;
  readonly train: Dataset;
  /** Evaluated every `evalEvery` steps and at each epoch's end. */
  readonly validation?: Dataset;
  /** Evaluated once, after the last step. */
  readonly test?: Dataset;
  /** Steers the run; one is created when omitted (see the session's `controller`). */
  readonly controller?: RunController;
  /** Names the run in events. Default: a time-based id. */
  readonly runId?: string;
  /** Test-only fault injection. */
  readonly faults?: WorkerInit['faults'];
  /** Continue from a checkpoint's state instead of fresh parameters. */
  readonly resume?: ResumeState;
  /**
   * Start from these parameters and batch-norm running statistics instead of the seed's (fine-tuning
   * an exported model: `initialWeights` in src/model/init-from.ts). Ignored when `resume` is given.
   */
  readonly initial?: { readonly params: Float32Array; readonly buffers: Float32Array };
  /**
   * Called between steps, when no update is in flight and the shared state is consistent: the
   * place to write a checkpoint. The next step is drawn after it returns.
   */
  readonly onSafePoint?: (point: SafePoint, session: SessionState) => void;
  /**
   * Called once when the run fails (a step that kept failing, a non-finite loss under `stop`, too
   * many skipped steps under `skip`, …), before the error reaches the subscriber: the shared state
   * has been brought back to the state after the last completed step (`point`), with nothing in
   * flight, so it may be checkpointed like a safe point. Not called when no step completed in this
   * session, or when that state cannot be had (async mode after a failed update). An error it throws
   * is dropped: the subscriber gets the run's own error.
   */
  readonly onFailure?: (point: SafePoint, session: SessionState, error: unknown) => void;
  /**
   * Guarantees a safe point at least every this many steps (sync mode runs steps in chunks and
   * reaches a safe point only at a chunk's end: evaluations, histograms, the end, and this). Default 0.
   */
  readonly safePointEvery?: number;
}

/** The option table's run options `train` takes: those going to the plan and to the session. */
export type RunOptions = OptionValues<'plan'> & OptionValues<'session'>;

/** The state a resumed run starts from (what a checkpoint holds). */
export interface ResumeState {
  /** Steps already completed; the run continues with step `step + 1`. */
  readonly step: number;
  /** Updates already applied (Adam's t). */
  readonly updates: number;
  readonly params: Float32Array;
  readonly buffers: Float32Array;
  readonly slots: Readonly<Record<string, Float32Array>>;
  /** The running loss of the epoch in progress, so its epoch event reports the same mean. */
  readonly epochLoss: EpochLoss;
}

/** Where a run stands between two steps. */
export interface SafePoint {
  /** Steps completed. */
  readonly step: number;
  readonly updates: number;
  /** The epoch of the next step, and how many of its samples were already consumed. */
  readonly epoch: number;
  readonly position: number;
  readonly epochLoss: Readonly<EpochLoss>;
  /** True after the run's last step. */
  readonly last: boolean;
}

/** A session without its events: what `onSafePoint` may read. */
export type SessionState = Omit<TrainingSession, 'events$'>;

/**
 * Copies the resumable state out of shared memory at a safe point (for a checkpoint, or to resume in
 * the same process).
 */
export function captureResumeState(session: SessionState, point: SafePoint): ResumeState {
  const m = session.memory;
  return {
    step: point.step,
    updates: point.updates,
    params: m.f32('params').slice(),
    buffers: m.f32('buffers').slice(),
    slots: Object.fromEntries(session.plan.slotNames.map((name) => [name, m.f32(slotRegion(name)).slice()])),
    epochLoss: { ...point.epochLoss },
  };
}

/** A prepared run: the shared memory is allocated and initialised; subscribing to `events$` trains. */
export interface TrainingSession {
  readonly runId: string;
  readonly plan: PipelinePlan;
  readonly schedule: BatchSchedule;
  /** What follows each step (evaluations, histograms, safe points): the one plan every stage consults. */
  readonly stepPlan: StepPlan;
  readonly memory: Arena;
  /** A main-thread view of the shared parameters (read it after the run, or between steps). */
  readonly network: Network;
  readonly controller: RunController;
  /** Name of the kernel set the workers run (`js`, `wasm-simd`, `wasm-relaxed-simd`). */
  readonly kernels: string;
  /** Cold: each subscription starts the worker pool and trains; unsubscribing stops it. */
  readonly events$: Observable<TrainEvent>;
  /**
   * Starts a worker pool on this session's memory, for composing the stages by hand
   * (`batchSource` → `computeGradients` → `updateParams` → …). Close it when done.
   */
  createRunner(): Runner;
}
