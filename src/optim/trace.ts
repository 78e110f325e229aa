// trace({ decay, nesterov }): the momentum accumulator of torch.optim.SGD (optax trace).

import { checkNumber, invalidOption } from '../errors.js';
import { type Block, DECAY_RANGE, type RawSpec } from './block.js';

/** Hyperparameters of {@link trace}. */
export interface TraceOptions {
  /** Momentum μ in [0, 1); default 0.9. */
  readonly decay?: number;
  /** Output g + μ·v instead of v (Sutskever et al. 2013, in torch's form); default false. */
  readonly nesterov?: boolean;
}

/** Spec of {@link trace}. */
export type TraceSpec = {
  readonly kind: 'trace';
  readonly decay: number;
  readonly nesterov: boolean;
};

/**
 * Momentum: v ← μ·v + g, then u ← v (or g + μ·v with Nesterov). Slot: `v`.
 * This is torch's convention (no dampening); the book's v ← αv − η·g gives the same trajectory
 * while the learning rate is constant (see docs/optimizers.md).
 *
 * @param where - names the caller in error messages (recipes pass their own name).
 * @example
 * chain(trace({ decay: 0.9, nesterov: true }), scaleByLearningRate(0.01));
 */
export function trace(options: TraceOptions = {}, where = 'trace'): TraceSpec {
  const nesterov = options.nesterov ?? false;
  if (typeof nesterov !== 'boolean') invalidOption(where, 'nesterov', 'a boolean', nesterov);
  return {
    kind: 'trace',
    decay: checkNumber(where, 'decay', options.decay ?? 0.9, DECAY_RANGE),
    nesterov,
  };
}

/** v ← μ·v + g; u ← v, or u ← g + μ·v when `nesterov`. */
export function traceKernel(u: Float32Array, v: Float32Array, mu: number, nesterov: boolean): void {
  for (let i = 0; i < u.length; i++) {
    const g = u[i];
    // Accumulate in double, then store: the slot holds the float32 rounding of μv + g.
    const vi = mu * v[i] + g;
    v[i] = vi;
    u[i] = nesterov ? g + mu * vi : vi;
  }
}

/** Registry entry of `trace`. */
export const TRACE_BLOCK: Block = {
  kind: 'trace',
  fields: ['decay', 'nesterov'],
  compile(spec: RawSpec, prefix: string) {
    const { decay, nesterov } = trace(spec as TraceOptions, 'trace');
    const kV = `${prefix}v`;
    return {
      slots: [kV],
      needsGradNorm: false,
      update(u, s) {
        traceKernel(u, s[kV], decay, nesterov);
      },
    };
  },
};
