// Creates a run's shared memory: one arena laid out by the plan — in a shared WebAssembly.Memory when
// the wasm kernels are chosen, else a SharedArrayBuffer — with the parameters initialised from the seed.

import type { Dataset } from '../data/dataset.js';
import { declareDataset, placeDataset } from '../data/in-arena.js';
import { type KernelPreference, type KernelSelection, selectKernels } from '../kernels/select.js';
import { Network } from '../nn/network.js';
import { type Arena, ArenaBuilder } from '../tensor/arena.js';
import { declarePipelineMemory, MAIN_GRADS, MAIN_SCOPE, MAIN_STATS, type PipelinePlan } from './plan.js';

/** A run's memory and the kernel set it was laid out for. */
export interface PipelineMemory {
  readonly arena: Arena;
  readonly kernels: KernelSelection;
  /** The datasets passed in, each with `x` now viewing its copy inside the arena. */
  readonly data: Readonly<Record<string, Dataset>>;
}

/**
 * Allocates the shared arena of a plan, initialises parameters and buffers from `plan.seed`, and
 * copies `datasets` into it (once: workers and the gather kernel read the samples where they lie).
 */
export function createPipelineMemory(
  plan: PipelinePlan,
  prefer: KernelPreference = 'auto',
  datasets: Readonly<Record<string, Dataset>> = {},
): PipelineMemory {
  const kernels = selectKernels({ prefer, shared: true });
  const builder = new ArenaBuilder();
  declarePipelineMemory(builder, plan);
  for (const [key, ds] of Object.entries(datasets)) declareDataset(builder, key, ds);
  const arena = builder.build(kernels.allocation);
  mainNetwork(plan, arena, kernels).initialize(plan.seed);
  const data = Object.fromEntries(
    Object.entries(datasets).map(([key, ds]) => [key, placeDataset(arena, key, ds)]),
  );
  return { arena, kernels, data };
}

/** A network view of the shared parameters for the main thread (inspection, histograms, export). */
export function mainNetwork(plan: PipelinePlan, arena: Arena, kernels: KernelSelection): Network {
  return new Network(plan.model, arena, {
    capacity: plan.microBatchSize,
    grads: MAIN_GRADS,
    batchStats: MAIN_STATS,
    scope: MAIN_SCOPE,
    kernels: kernels.kernels,
    skipInputZeros: plan.skipInputZeros,
  });
}
