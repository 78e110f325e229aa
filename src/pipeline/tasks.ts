// The plain data that crosses the thread boundary: what a worker is given once, each task's
// descriptor, and what tasks return. Tasks carry indices only, never samples or parameters.

import type { MessagePort } from 'node:worker_threads';
import type { WasmKernelHandle } from '../kernels/wasm/wasm-kernels.js';
import type { ArenaDescriptor } from '../tensor/arena.js';
import type { BatchSchedule, StepRows } from './batch-source.js';
import type { PipelinePlan } from './plan.js';
import type { SharedDataset } from './shared-data.js';
import type { BarrierTiming } from './sync/barrier.js';

/** Handed to every worker thread once (Piscina `workerData`): the shared memory and the plan. */
export interface WorkerInit {
  readonly plan: PipelinePlan;
  readonly memory: { readonly buffer: SharedArrayBuffer; readonly descriptor: ArenaDescriptor };
  /**
   * Set when the arena lives in a shared WebAssembly.Memory: the worker instantiates the same kernels on
   * it and reads the arena through `wasm.memory.buffer` (the kernels accept views of that buffer only).
   */
  readonly wasm?: WasmKernelHandle | undefined;
  readonly train: SharedDataset;
  readonly evalSets: Readonly<Record<string, SharedDataset>>;
  /** How lanes wait at barriers (see `barrierSpinMs`). */
  readonly barrier: BarrierTiming;
  /** Sync mode: how steps map to rows, so a task can run several steps without the main thread. */
  readonly schedule: BatchSchedule;
  /**
   * Test-only fault injection: the lane exits its thread at this step, once per run — or at every
   * attempt of it with `always` (a step that keeps failing).
   */
  readonly faults?:
    | { readonly exitAtStep: number; readonly lane: number; readonly always?: boolean }
    | undefined;
}

/** Gradients of one lane's micro-batches of a step, into ring entry `ring`. */
export interface GradientTask extends StepRows {
  readonly ring: number;
  readonly lane: number;
}

/** Reduce, check and update one lane's parameter shard from ring entry `ring`. */
export interface UpdateTask {
  /** 1-based number of this update (Adam's t); skipped steps do not count. */
  readonly t: number;
  readonly count: number;
  readonly ring: number;
  readonly lane: number;
  readonly lrOverride?: number | undefined;
}

/**
 * Sync mode: steps `first`…`last` (at most), each gradients → barrier → reduce → barrier → update →
 * barrier, without returning to the main thread in between. The chunk ends early when the next step
 * has not been requested in time (the run is pausing or stopping) or a non-finite step stops the run.
 */
export interface ChunkTask {
  readonly first: number;
  readonly last: number;
  /** Updates applied before `first` (Adam's t of the first step is t0 + 1). */
  readonly t0: number;
  readonly lane: number;
  /** Where this lane posts the main thread's wake-ups (once per step, by whichever lane has slack). */
  readonly progress?: MessagePort | undefined;
}

/** Evaluate rows [start, start + count) of a shared evaluation set on lane `lane`. */
export interface EvalTask {
  readonly set: string;
  readonly start: number;
  readonly count: number;
  readonly lane: number;
}

/** Sums an evaluation task returns; the main thread adds them up. */
export interface EvalSums {
  readonly lossSum: number;
  readonly correct: number;
  /** Regression: Σ (output − target)² and Σ |output − target| over the rows × outputs (0 for a classifier). */
  readonly squaredError: number;
  readonly absoluteError: number;
  readonly n: number;
}

export type { StepRows } from './batch-source.js';
