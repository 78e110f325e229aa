// scaleByAdagrad({ eps }): divides by the root of the summed squared gradients (Duchi et al. 2011).

import { checkNumber } from '../errors.js';
import { type Block, POSITIVE_RANGE, type RawSpec } from './block.js';

/** Hyperparameters of {@link scaleByAdagrad}. */
export interface ScaleByAdagradOptions {
  /** Added after the square root; default 1e-10 (torch). */
  readonly eps?: number;
}

/** Spec of {@link scaleByAdagrad}. */
export type ScaleByAdagradSpec = {
  readonly kind: 'scaleByAdagrad';
  readonly eps: number;
};

/**
 * AdaGrad: h ← h + g², u ← g / (√h + eps). Slot: `h` (the book's name).
 * eps must be positive: with eps = 0 a coordinate whose gradients were all zero gives 0/0.
 *
 * @param where - names the caller in error messages (recipes pass their own name).
 */
export function scaleByAdagrad(
  options: ScaleByAdagradOptions = {},
  where = 'scaleByAdagrad',
): ScaleByAdagradSpec {
  return { kind: 'scaleByAdagrad', eps: checkNumber(where, 'eps', options.eps ?? 1e-10, POSITIVE_RANGE) };
}

/** h ← h + g²; u ← g / (√h + eps). */
export function adagradKernel(u: Float32Array, h: Float32Array, eps: number): void {
  for (let i = 0; i < u.length; i++) {
    const g = u[i];
    const hi = h[i] + g * g;
    h[i] = hi;
    u[i] = g / (Math.sqrt(hi) + eps);
  }
}

/** Registry entry of `scaleByAdagrad`. */
export const SCALE_BY_ADAGRAD_BLOCK: Block = {
  kind: 'scaleByAdagrad',
  fields: ['eps'],
  compile(spec: RawSpec, prefix: string) {
    const { eps } = scaleByAdagrad(spec as ScaleByAdagradOptions, 'scaleByAdagrad');
    const kH = `${prefix}h`;
    return {
      slots: [kH],
      needsGradNorm: false,
      update(u, s) {
        adagradKernel(u, s[kH], eps);
      },
    };
  },
};
