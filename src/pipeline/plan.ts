// The resolved shape of a pipelined run: how a batch splits into micro-batches, which lane computes
// which, how many steps may be in flight, and the names of every shared-memory region.
// Plain data: the same plan is sent to every worker, which derives the same views from it.

import { type OptionValues, type ResolvedOptionValues, resolveOptions } from '../config/options.js';
import { checkNumber } from '../errors.js';
import { type MlpSpec, mlpLayouts } from '../nn/mlp.js';
import { declareNetworkScratch } from '../nn/network.js';
import { optimizerSlotNames } from '../optim/optimizer.js';
import type { TransformSpec } from '../optim/transform.js';
import type { ArenaBuilder } from '../tensor/arena.js';
import { declareProtocolMemory } from './sync/protocol.js';

/** Sync: step t+1 sees step t's parameters (bit-reproducible). Async: gradients may be stale. */
export type PipelineMode = 'sync' | 'async';

/** What to do when a loss or gradient is NaN or infinite. */
export type NonFinitePolicy = 'stop' | 'skip';

/**
 * Micro-batches per batch unless told otherwise (at most the batch size). Fixed, not the worker
 * count, so results do not depend on how many workers run (see BENCHMARKS.md for the choice of 2).
 */
export const DEFAULT_MICRO_BATCHES = 2;

/** Fixed number of blocks the gradient norm is summed over, independent of the worker count. */
export const NORM_BLOCKS = 64;

/** The plan every thread of a run shares. */
export interface PipelinePlan extends Required<Omit<PlanOptionValues, 'workers' | 'staleness'>> {
  readonly model: MlpSpec;
  readonly optimizer: TransformSpec;
  /** K: every batch is split into this many micro-batches, whatever the worker count. */
  readonly microBatches: number;
  /** Rows of a full micro-batch: ceil(batchSize / K). */
  readonly microBatchSize: number;
  /** W: tasks per step (one per worker thread). */
  readonly lanes: number;
  /** Steps whose gradients may be in flight at once: 1 in sync mode, staleness + 1 in async. */
  readonly ring: number;
  readonly paramSize: number;
  readonly bufferSize: number;
  readonly slotNames: readonly string[];
}

/** The plan's options as the option table defines them (src/config/options.ts, rows going to `plan`). */
export type PlanOptionValues = ResolvedOptionValues<'plan'>;

/**
 * Inputs of {@link createPlan}: the model, the optimizer, and the table's `plan` options (`batchSize`,
 * `workers`, `mode`, `lookahead`, `seed`, …), each defaulted from the table when absent.
 */
export interface PlanOptions extends OptionValues<'plan'> {
  readonly model: MlpSpec;
  readonly optimizer: TransformSpec;
}

/** Validates the options (by the option table's types) and derives the plan. */
export function createPlan(o: PlanOptions): PipelinePlan {
  const where = 'train';
  const { workers, staleness, microBatches: micro, ...options } = resolveOptions('plan', o, where);
  const { batchSize, mode } = options;
  const microBatches = checkNumber(
    where,
    'microBatches',
    micro ?? Math.min(DEFAULT_MICRO_BATCHES, batchSize),
    {
      min: 1,
      max: batchSize,
      integer: true,
    },
  );
  const layouts = mlpLayouts(o.model);
  return {
    ...options,
    model: o.model,
    optimizer: o.optimizer,
    microBatches,
    microBatchSize: Math.ceil(batchSize / microBatches),
    lanes: workers,
    ring: mode === 'sync' ? 1 : staleness + 1,
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
/**
 * The main thread's own batch-norm statistics: a histogram's forward pass in training mode writes its
 * batch statistics here, never into the run's running averages (so histograms change no result).
 */
export const MAIN_STATS = 'main/bnstats';
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
  builder.f32(MAIN_STATS, plan.bufferSize);
  builder.f64('losses', plan.ring * plan.microBatches);
  builder.f64('norms', NORM_BLOCKS);
  declareProtocolMemory(builder);
}
