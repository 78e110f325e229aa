// The vocabulary of a pipelined run: its configuration, the prepared session, safe points and the
// state a run resumes from; and where sync chunks must end (the boundaries).

import type { Observable } from 'rxjs';
import type { Dataset } from '../data/dataset.js';
import type { KernelPreference } from '../kernels/select.js';
import type { MlpSpec } from '../nn/mlp.js';
import type { Network, SkipInputZeros } from '../nn/network.js';
import type { TransformSpec } from '../optim/transform.js';
import type { Arena } from '../tensor/arena.js';
import type { TrainEvent } from '../train/events.js';
import type { BatchSchedule } from './batch-source.js';
import type { RunController } from './controller.js';
import { type NonFinitePolicy, type PipelineMode, type PipelinePlan, slotRegion } from './plan.js';
import type { PoolRunner } from './pool-runner.js';
import type { WorkerInit } from './tasks.js';
import type { EpochLoss } from './to-train-events.js';

/** Everything `train` takes. Only `model`, `optimizer` and `train` are required. */
export interface TrainConfig {
  readonly model: MlpSpec;
  readonly optimizer: TransformSpec;
  readonly train: Dataset;
  /** Evaluated every `evalEvery` steps and at each epoch's end. */
  readonly validation?: Dataset;
  /** Evaluated once, after the last step. */
  readonly test?: Dataset;
  /** Default 100. */
  readonly batchSize?: number;
  /** Default 1 (give `epochs` or `steps`, not both). */
  readonly epochs?: number;
  readonly steps?: number;
  /** Worker threads (lanes). Default: the machine's available parallelism. */
  readonly workers?: number;
  /** Micro-batches per batch, fixed whatever the worker count. Default 2. */
  readonly microBatches?: number;
  /** Default `sync`. */
  readonly mode?: PipelineMode;
  /** Async mode: how many updates a gradient may lag (default 1). */
  readonly staleness?: number;
  /**
   * Sync mode: steps drawn ahead of the last one reported (default 1).
   * The workers then run without waiting for the main thread, which wakes every few steps. Pause,
   * stop and a new learning rate take effect within this many steps (1: at the next step); every step
   * that runs is reported and the numbers do not depend on it.
   */
  readonly lookahead?: number;
  /**
   * Whether the first layer skips the input's zeros instead of multiplying them: 'auto' (default)
   * when the data set is mostly zeros, as MNIST is (see docs/kernels.md); false always multiplies.
   * Results differ only in float rounding; every worker decides alike.
   */
  readonly skipInputZeros?: SkipInputZeros;
  /**
   * How long a worker spins at a barrier (three per step) before it sleeps, in ms, in [0, 1000].
   * Default 0.15. Longer (2) measured faster when the main thread does little per step, slower when
   * it is busy (see `DEFAULT_BARRIER_SPIN_MS` and bench/pipeline).
   */
  readonly barrierSpinMs?: number;
  /** Default 0. */
  readonly seed?: number;
  /** Evaluate the validation set every this many steps (0: only at epoch ends). Default 0. */
  readonly evalEvery?: number;
  /** Default `stop`. */
  readonly nonFinite?: NonFinitePolicy;
  /** Steers the run; one is created when omitted (see the session's `controller`). */
  readonly controller?: RunController;
  /** Names the run in events. Default: a time-based id. */
  readonly runId?: string;
  /**
   * Sync mode: steps between the in-memory snapshots that failed steps roll back to, an integer ≥ 1.
   * Each one ends a chunk of steps (the lanes wait meanwhile). Default `DEFAULT_SNAPSHOT_EVERY` (50).
   */
  readonly snapshotEvery?: number;
  /** Kernel set: `auto` (wasm SIMD when available), `wasm` or `js`. GRADSTREAM_KERNELS overrides. Default `auto`. */
  readonly kernels?: KernelPreference;
  /**
   * Emit `histogram` events of weights, gradients and activations (of a probe batch from the
   * validation set, else the training set) after step 1 and every this many steps. Default 0: never.
   */
  readonly histogramEvery?: number;
  /** Test-only fault injection. */
  readonly faults?: WorkerInit['faults'];
  /** Continue from a checkpoint's state instead of fresh parameters. */
  readonly resume?: ResumeState;
  /**
   * Called between steps, when no update is in flight and the shared state is consistent: the
   * place to write a checkpoint. The next step is drawn after it returns.
   */
  readonly onSafePoint?: (point: SafePoint, session: SessionState) => void;
  /**
   * Guarantees a safe point at least every this many steps (sync mode runs steps in chunks and
   * reaches a safe point only at a chunk's end: evaluations, histograms, the end, and this). Default 0.
   */
  readonly safePointEvery?: number;
}

/**
 * The first step from `first` on after which the run must be at rest (sync chunks end there): an
 * evaluation, a histogram, a requested safe point, or the last step.
 */
export function nextBoundary(config: TrainConfig, schedule: BatchSchedule, first: number): number {
  const evalEvery = config.validation ? (config.evalEvery ?? 0) : 0;
  const histogramEvery = config.histogramEvery ?? 0;
  const safeEvery = config.safePointEvery ?? 0;
  for (let step = first; step < schedule.totalSteps; step++) {
    if (config.validation && step % schedule.stepsPerEpoch === 0) return step;
    if (evalEvery > 0 && step % evalEvery === 0) return step;
    if (histogramEvery > 0 && (step === 1 || step % histogramEvery === 0)) return step;
    if (safeEvery > 0 && step % safeEvery === 0) return step;
  }
  return schedule.totalSteps;
}

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
  readonly epochLoss?: EpochLoss;
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
  createRunner(): PoolRunner;
}
