// The resolved shape of a pipelined run: how a batch splits into micro-batches, which lane computes
// which, how many steps may be in flight, and the names of every shared-memory region.
// Plain data: the same plan is sent to every worker, which derives the same views from it.

import { checkNumber, invalidOption } from '../errors.js';
import { type MlpSpec, mlpLayouts } from '../nn/mlp.js';
import { checkSkipInputZeros, declareNetworkScratch, type SkipInputZeros } from '../nn/network.js';
import { optimizerSlotNames } from '../optim/optimizer.js';
import type { TransformSpec } from '../optim/transform.js';
import type { ArenaBuilder } from '../tensor/arena.js';

/** Sync: step t+1 sees step t's parameters (bit-reproducible). Async: gradients may be stale. */
export type PipelineMode = 'sync' | 'async';

/** What to do when a loss or gradient is NaN or infinite. */
export type NonFinitePolicy = 'stop' | 'skip';

/**
 * Micro-batches per batch unless told otherwise. Fixed (not the worker count), so results do not
 * depend on how many workers run; 2 suits the 2-core machines this is tuned on, and larger micro-batches
 * keep the per-call cost of the kernels small relative to their work.
 */
export const DEFAULT_MICRO_BATCHES = 2;

/** Fixed number of blocks the gradient norm is summed over, independent of the worker count. */
export const NORM_BLOCKS = 64;

/** Indices in the `sync` Int32Array region. */
export const SYNC = {
  barrierCount: 0,
  barrierGeneration: 1,
  abort: 2,
  nonFinite: 3,
  faultFired: 4,
  /** Sync chunks: the last step whose gradients are complete (lane 0 writes, the main thread waits). */
  gradsDone: 5,
  /** Sync chunks: the last step fully applied. */
  progress: 6,
  /** Sync chunks: the highest step the main thread has asked for; lanes never run past it. */
  requested: 7,
  /** Sync chunks: lane 0's decision, read by every lane after the step's last barrier. */
  proceed: 8,
  /** Sync chunks: the step a chunk ended at. */
  chunkEnd: 9,
  length: 10,
} as const;

/**
 * Steps the pipeline draws ahead in sync mode unless told otherwise. With a lookahead L > 1 the
 * workers run up to L steps without the main thread, which wakes every few steps instead of every
 * step, and pause, stop and a new learning rate take effect within L steps. On the 2-core development
 * machine L = 8 was faster only while the main thread had little else to do, and slower with a busy
 * subscriber (bench/pipeline, BENCHMARKS.md), so the default keeps control exact. Results do not
 * depend on it.
 */
export const DEFAULT_LOOKAHEAD = 1;

/** Steps one sync task may run at most (the results ring is this long). */
export const MAX_CHUNK_STEPS = 256;

/**
 * Sync mode: steps between the in-memory snapshots a failed step rolls back to, unless told otherwise.
 * A snapshot needs the lanes idle, so it ends a chunk of steps; every 250 steps instead measured no
 * faster for two workers (bench/pipeline, session 4), so the shorter replay after a fault wins.
 */
export const DEFAULT_SNAPSHOT_EVERY = 50;

/** Per-step results a chunk leaves for the main thread, at `RESULT * (step % MAX_CHUNK_STEPS)`. */
export const RESULT = { loss: 0, gradNorm: 1, applied: 2, lrOverride: 3, width: 4 } as const;

/** The plan every thread of a run shares. */
export interface PipelinePlan {
  readonly model: MlpSpec;
  readonly optimizer: TransformSpec;
  readonly batchSize: number;
  /** K: every batch is split into this many micro-batches, whatever the worker count. */
  readonly microBatches: number;
  /** Rows of a full micro-batch: ceil(batchSize / K). */
  readonly microBatchSize: number;
  /** W: tasks per step (one per worker thread). */
  readonly lanes: number;
  /** Steps whose gradients may be in flight at once: 1 in sync mode, staleness + 1 in async. */
  readonly ring: number;
  /**
   * Sync mode: steps the pipeline draws past the last one reported, so the workers run that far
   * without waiting for the main thread (which then wakes every few steps). 1: the next step only.
   */
  readonly lookahead: number;
  /** Whether the first layer skips the input's zeros ('auto': when the data set is mostly zeros). */
  readonly skipInputZeros: SkipInputZeros;
  readonly mode: PipelineMode;
  readonly seed: number;
  readonly nonFinite: NonFinitePolicy;
  readonly paramSize: number;
  readonly bufferSize: number;
  readonly slotNames: readonly string[];
}

/** Inputs of {@link createPlan}. */
export interface PlanOptions {
  readonly model: MlpSpec;
  readonly optimizer: TransformSpec;
  readonly batchSize: number;
  readonly workers: number;
  readonly microBatches?: number;
  readonly mode?: PipelineMode;
  /** Async only: how many updates a gradient may lag behind (k ≥ 1). Default 1. */
  readonly staleness?: number;
  /** Sync mode: steps the pipeline draws ahead, in [1, 64]. Default {@link DEFAULT_LOOKAHEAD}. */
  readonly lookahead?: number;
  /** Default 'auto'. */
  readonly skipInputZeros?: SkipInputZeros;
  readonly seed?: number;
  readonly nonFinite?: NonFinitePolicy;
}

/** Validates the options and derives the plan. */
export function createPlan(o: PlanOptions): PipelinePlan {
  const where = 'train';
  const batchSize = checkNumber(where, 'batchSize', o.batchSize, { min: 1, integer: true });
  const lanes = checkNumber(where, 'workers', o.workers, { min: 1, max: 64, integer: true });
  const microBatches = checkNumber(
    where,
    'microBatches',
    o.microBatches ?? Math.min(DEFAULT_MICRO_BATCHES, batchSize),
    {
      min: 1,
      max: batchSize,
      integer: true,
    },
  );
  const mode = o.mode ?? 'sync';
  if (mode !== 'sync' && mode !== 'async') invalidOption(where, 'mode', `'sync' or 'async'`, mode);
  const staleness = checkNumber(where, 'staleness', o.staleness ?? 1, { min: 1, max: 16, integer: true });
  const nonFinite = o.nonFinite ?? 'stop';
  if (nonFinite !== 'stop' && nonFinite !== 'skip')
    invalidOption(where, 'nonFinite', `'stop' or 'skip'`, nonFinite);
  const layouts = mlpLayouts(o.model);
  return {
    model: o.model,
    optimizer: o.optimizer,
    batchSize,
    microBatches,
    microBatchSize: Math.ceil(batchSize / microBatches),
    lanes,
    ring: mode === 'sync' ? 1 : staleness + 1,
    skipInputZeros: checkSkipInputZeros(where, o.skipInputZeros ?? 'auto'),
    lookahead: checkNumber(where, 'lookahead', o.lookahead ?? DEFAULT_LOOKAHEAD, {
      min: 1,
      max: 64,
      integer: true,
    }),
    mode,
    seed: checkNumber(where, 'seed', o.seed ?? 0, { integer: true }),
    nonFinite,
    paramSize: layouts.params.size,
    bufferSize: layouts.buffers.size,
    slotNames: optimizerSlotNames(o.optimizer),
  };
}

/** Region of the gradients of micro-batch `k` of ring entry `r`. */
export const gradRegion = (r: number, k: number): string => `grads/${r}/${k}`;
/** Region of the batch-norm statistics of micro-batch `k` of ring entry `r`. */
export const statsRegion = (r: number, k: number): string => `bnstats/${r}/${k}`;
/** Scratch scope of lane `w` computing ring entry `r`. */
export const laneScope = (r: number, w: number): string => `lane${r}.${w}/`;
/** Scratch scope of evaluation lane `w`. */
export const evalScope = (w: number): string => `eval${w}/`;
/** Scratch scope of the main thread's own network view. */
export const MAIN_SCOPE = 'main/';
/** The main thread's own gradient region (histograms), apart from the workers' slots. */
export const MAIN_GRADS = 'main/grads';
/** Region of optimizer slot `name`. */
export const slotRegion = (name: string): string => `opt/${name}`;

/** Rows of micro-batch `k` in a batch of `count` rows (0 when the batch is too short to reach it). */
export function microBatchRows(plan: PipelinePlan, count: number, k: number): number {
  return Math.max(0, Math.min(plan.microBatchSize, count - k * plan.microBatchSize));
}

/** Requests every shared region of a run. */
export function declarePipelineMemory(builder: ArenaBuilder, plan: PipelinePlan): void {
  builder.f32('params', plan.paramSize).f32('buffers', plan.bufferSize);
  for (const name of plan.slotNames) builder.f32(slotRegion(name), plan.paramSize);
  for (let r = 0; r < plan.ring; r++) {
    for (let k = 0; k < plan.microBatches; k++) {
      builder.f32(gradRegion(r, k), plan.paramSize);
      builder.f32(statsRegion(r, k), plan.bufferSize);
    }
    for (let w = 0; w < plan.lanes; w++)
      declareNetworkScratch(builder, plan.model, plan.microBatchSize, laneScope(r, w));
  }
  for (let w = 0; w < plan.lanes; w++)
    declareNetworkScratch(builder, plan.model, plan.microBatchSize, evalScope(w));
  declareNetworkScratch(builder, plan.model, plan.microBatchSize, MAIN_SCOPE);
  builder.f32(MAIN_GRADS, plan.paramSize);
  builder.i32('sync', SYNC.length);
  builder.f64('losses', plan.ring * plan.microBatches);
  builder.f64('norms', NORM_BLOCKS);
  builder.f64('results', MAX_CHUNK_STEPS * RESULT.width);
  builder.f64('control', 1); // [0]: the learning-rate override, NaN to follow the schedule
}
