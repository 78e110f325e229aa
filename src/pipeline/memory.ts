// Creates a run's shared memory: one SharedArrayBuffer arena laid out by the plan, with the
// parameters initialised from the seed.

import { Network } from '../nn/network.js';
import { type Arena, ArenaBuilder } from '../tensor/arena.js';
import { declarePipelineMemory, gradRegion, MAIN_SCOPE, type PipelinePlan } from './plan.js';

/** Allocates the shared arena of a plan and initialises parameters and buffers from `plan.seed`. */
export function createPipelineMemory(plan: PipelinePlan): Arena {
  const builder = new ArenaBuilder();
  declarePipelineMemory(builder, plan);
  const arena = builder.build({ shared: true });
  mainNetwork(plan, arena).initialize(plan.seed);
  return arena;
}

/** A network view of the shared parameters for the main thread (inspection, histograms, export). */
export function mainNetwork(plan: PipelinePlan, arena: Arena): Network {
  return new Network(plan.model, arena, {
    capacity: plan.microBatchSize,
    grads: gradRegion(0, 0),
    scope: MAIN_SCOPE,
  });
}
