// addDecayedWeights({ weightDecay }): u ← u + wd·p, L2 decay expressed as an update (optax).

import { checkNumber } from '../errors.js';
import type { Block, RawSpec } from './block.js';

/** Hyperparameters of {@link addDecayedWeights}. */
export interface AddDecayedWeightsOptions {
  /** Decay rate wd in [0, ∞). */
  readonly weightDecay: number;
}

/** Spec of {@link addDecayedWeights}. */
export type AddDecayedWeightsSpec = {
  readonly kind: 'addDecayedWeights';
  readonly weightDecay: number;
};

/**
 * Adds wd·p to the updates. Before a preconditioner (`sgd`, `momentum`) it is torch's coupled
 * `weight_decay` (the gradient of ½·wd·‖p‖²); after one (`adamw`) it is decoupled decay
 * (Loshchilov & Hutter 2019), since the learning rate then multiplies it directly.
 *
 * @param where - names the caller in error messages (recipes pass their own name).
 */
export function addDecayedWeights(
  options: AddDecayedWeightsOptions,
  where = 'addDecayedWeights',
): AddDecayedWeightsSpec {
  return {
    kind: 'addDecayedWeights',
    weightDecay: checkNumber(where, 'weightDecay', options.weightDecay, { min: 0 }),
  };
}

/** u ← u + wd·p. */
export function addDecayedWeightsKernel(u: Float32Array, p: Float32Array, wd: number): void {
  for (let i = 0; i < u.length; i++) u[i] += wd * p[i];
}

/** Registry entry of `addDecayedWeights`. */
export const ADD_DECAYED_WEIGHTS_BLOCK: Block = {
  kind: 'addDecayedWeights',
  fields: ['weightDecay'],
  compile(spec: RawSpec) {
    const { weightDecay } = addDecayedWeights(
      spec as unknown as AddDecayedWeightsOptions,
      'addDecayedWeights',
    );
    return {
      slots: [],
      needsGradNorm: false,
      update(u, _s, p) {
        addDecayedWeightsKernel(u, p, weightDecay);
      },
    };
  },
};
