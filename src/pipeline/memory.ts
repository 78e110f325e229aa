// Creates a run's shared memory: one arena laid out by the plan — in a shared WebAssembly.Memory when
// the wasm kernels are chosen, else a SharedArrayBuffer — with the parameters initialised from the seed.

import { type KernelPreference, type KernelSelection, selectKernels } from '../kernels/select.js';
import { Network } from '../nn/network.js';
import { type Arena, ArenaBuilder } from '../tensor/arena.js';
import { declarePipelineMemory, MAIN_GRADS, MAIN_SCOPE, type PipelinePlan } from './plan.js';

/** A run's memory and the kernel set it was laid out for. */
export interface PipelineMemory {
  readonly arena: Arena;
  readonly kernels: KernelSelection;
}

/** Allocates the shared arena of a plan and initialises parameters and buffers from `plan.seed`. */
export function createPipelineMemory(plan: PipelinePlan, prefer: KernelPreference = 'auto'): PipelineMemory {
  const kernels = selectKernels({ prefer, shared: true });
  const builder = new ArenaBuilder();
  declarePipelineMemory(builder, plan);
  const arena = builder.build(kernels.allocation);
  mainNetwork(plan, arena, kernels).initialize(plan.seed);
  return { arena, kernels };
}

/** A network view of the shared parameters for the main thread (inspection, histograms, export). */
export function mainNetwork(plan: PipelinePlan, arena: Arena, kernels: KernelSelection): Network {
  return new Network(plan.model, arena, {
    capacity: plan.microBatchSize,
    grads: MAIN_GRADS,
    scope: MAIN_SCOPE,
    kernels: kernels.kernels,
  });
}
