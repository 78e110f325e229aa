// What a single-threaded run trains on: one arena holding the model state, a batch's scratch, the
// optimizer's slots and the training samples, with the network and the optimizer over it. trainLoop's
// own setup; the benches that compare against the loop build the loop's memory through it too.

import type { Dataset } from '../data/dataset.js';
import { declareDataset, placeDataset } from '../data/in-arena.js';
import { type KernelPreference, type KernelSelection, selectKernels } from '../kernels/select.js';
import { type MlpSpec, mlpLayouts } from '../nn/mlp.js';
import { declareModelState, declareNetworkScratch, Network, type SkipInputZeros } from '../nn/network.js';
import { createOptimizer, type Optimizer, optimizerSlotNames } from '../optim/optimizer.js';
import type { TransformSpec } from '../optim/transform.js';
import { ArenaBuilder } from '../tensor/arena.js';

/** Inputs of {@link createLoopState}; already validated by the caller. */
export interface LoopStateOptions {
  readonly model: MlpSpec;
  readonly optimizer: TransformSpec;
  readonly train: Dataset;
  readonly batchSize: number;
  readonly seed: number;
  readonly kernels?: KernelPreference;
  readonly skipInputZeros?: SkipInputZeros;
}

/** A single-threaded run's network, optimizer and samples, all in one arena. */
export interface LoopState {
  /** Initialised from the seed; `capacity` is the batch size. */
  readonly network: Network;
  /** Bound to the network's parameters and gradients, its slots in the same arena. */
  readonly optimizer: Optimizer;
  /** The training set, its samples copied into the arena once (the kernels gather rows there). */
  readonly data: Dataset;
  readonly kernels: KernelSelection;
}

/**
 * Lays out and fills a single-threaded run's memory.
 *
 * @example
 * const { network, optimizer, data } = createLoopState({ model, optimizer: adam({ lr: 1e-3 }), train, batchSize: 128, seed: 1 });
 */
export function createLoopState(o: LoopStateOptions): LoopState {
  const { model, batchSize, seed } = o;
  const slotNames = optimizerSlotNames(o.optimizer);
  const builder = new ArenaBuilder();
  declareModelState(builder, model);
  declareNetworkScratch(builder, model, batchSize);
  const size = mlpLayouts(model).params.size;
  for (const name of slotNames) builder.f32(`opt/${name}`, size);
  declareDataset(builder, 'train', o.train);
  const kernels = selectKernels({ prefer: o.kernels ?? 'auto' });
  const arena = builder.build(kernels.allocation);
  const data = placeDataset(arena, 'train', o.train);
  const network = new Network(model, arena, {
    capacity: batchSize,
    kernels: kernels.kernels,
    seed,
    skipInputZeros: o.skipInputZeros ?? 'auto',
  });
  network.initialize(seed);
  const slots = Object.fromEntries(slotNames.map((name) => [name, arena.f32(`opt/${name}`)]));
  const optimizer = createOptimizer(
    o.optimizer,
    { params: network.params, grads: network.grads, slots },
    { kernels: kernels.wasm?.optimizer },
  );
  return { network, optimizer, data, kernels };
}
