// scale(factor): multiplies the updates by a constant (optax scale); also the kernel other blocks reuse.

import { checkNumber } from '../errors.js';
import type { Block, RawSpec } from './block.js';

/** Spec of {@link scale}. */
export type ScaleSpec = {
  readonly kind: 'scale';
  readonly factor: number;
};

/**
 * Multiplies every update by `factor`. Note the sign: a descent step needs a negative learning
 * rate factor, which is why optimizers use `scaleByLearningRate` instead.
 *
 * @example
 * chain(scaleByAdam(), scale(0.5), scaleByLearningRate(1e-3));
 */
export function scale(factor: number, where = 'scale'): ScaleSpec {
  return { kind: 'scale', factor: checkNumber(where, 'factor', factor) };
}

/** u ← factor·u. */
export function scaleKernel(u: Float32Array, factor: number): void {
  for (let i = 0; i < u.length; i++) u[i] *= factor;
}

/** Registry entry of `scale`. */
export const SCALE_BLOCK: Block = {
  kind: 'scale',
  fields: ['factor'],
  compile(spec: RawSpec) {
    const { factor } = scale(spec.factor as number, 'scale');
    return {
      slots: [],
      needsGradNorm: false,
      update(u) {
        scaleKernel(u, factor);
      },
    };
  },
};
