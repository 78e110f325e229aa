// scaleByAdam({ b1, b2, eps }): bias-corrected moment estimates (Kingma & Ba 2015, Algorithm 1).

import { checkNumber } from '../errors.js';
import { type Block, DECAY_RANGE, POSITIVE_RANGE, type RawSpec } from './block.js';

/** Hyperparameters of {@link scaleByAdam}. */
export interface ScaleByAdamOptions {
  /** First-moment decay β₁ in [0, 1); default 0.9. */
  readonly b1?: number;
  /** Second-moment decay β₂ in [0, 1); default 0.999. */
  readonly b2?: number;
  /** Added after the square root; default 1e-8. */
  readonly eps?: number;
}

/** Spec of {@link scaleByAdam}. */
export type ScaleByAdamSpec = {
  readonly kind: 'scaleByAdam';
  readonly b1: number;
  readonly b2: number;
  readonly eps: number;
};

/**
 * Adam: m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², u ← m̂ / (√v̂ + eps) with m̂ = m/(1−β₁ᵗ),
 * v̂ = v/(1−β₂ᵗ) and t = ctx.step. eps is added after the square root, as torch and optax do.
 * Slots: `mu` (m) and `nu` (v), optax's names.
 *
 * @param where - names the caller in error messages (recipes pass their own name).
 * @example
 * chain(scaleByAdam({ b1: 0.9 }), scaleByLearningRate(1e-3)); // what adam({ lr: 1e-3 }) returns
 */
export function scaleByAdam(options: ScaleByAdamOptions = {}, where = 'scaleByAdam'): ScaleByAdamSpec {
  return {
    kind: 'scaleByAdam',
    b1: checkNumber(where, 'b1', options.b1 ?? 0.9, DECAY_RANGE),
    b2: checkNumber(where, 'b2', options.b2 ?? 0.999, DECAY_RANGE),
    eps: checkNumber(where, 'eps', options.eps ?? 1e-8, POSITIVE_RANGE),
  };
}

/** One Adam update at 1-based step `t`, in place on u (g in, update out), m and v. */
export function adamKernel(
  u: Float32Array,
  m: Float32Array,
  v: Float32Array,
  b1: number,
  b2: number,
  eps: number,
  t: number,
): void {
  // Bias corrections undo the pull towards the zero initial moments (paper, section 3).
  const bc1 = 1 - b1 ** t;
  const bc2 = 1 - b2 ** t;
  for (let i = 0; i < u.length; i++) {
    const g = u[i];
    const mi = b1 * m[i] + (1 - b1) * g;
    const vi = b2 * v[i] + (1 - b2) * g * g;
    m[i] = mi;
    v[i] = vi;
    u[i] = mi / bc1 / (Math.sqrt(vi / bc2) + eps);
  }
}

/** Registry entry of `scaleByAdam`. */
export const SCALE_BY_ADAM_BLOCK: Block = {
  kind: 'scaleByAdam',
  fields: ['b1', 'b2', 'eps'],
  compile(spec: RawSpec, prefix: string) {
    const { b1, b2, eps } = scaleByAdam(spec as ScaleByAdamOptions, 'scaleByAdam');
    const kMu = `${prefix}mu`;
    const kNu = `${prefix}nu`;
    return {
      slots: [kMu, kNu],
      needsGradNorm: false,
      update(u, s, _p, ctx) {
        adamKernel(u, s[kMu], s[kNu], b1, b2, eps, ctx.step);
      },
    };
  },
};
