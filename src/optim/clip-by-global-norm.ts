// clipByGlobalNorm({ maxNorm }): rescales the gradient when its L2 norm over all parameters is too large.
// The norm spans every shard, so the runtime computes it (ctx.gradNorm) before any shard updates.

import { checkNumber } from '../errors.js';
import { type Block, POSITIVE_RANGE, type RawSpec } from './block.js';
import { scaleKernel } from './scale.js';

/** Added to the norm before dividing, as torch.nn.utils.clip_grad_norm_ does. */
export const CLIP_NORM_EPS = 1e-6;

/** Hyperparameters of {@link clipByGlobalNorm}. */
export interface ClipByGlobalNormOptions {
  /** Largest allowed global norm, in (0, ∞). */
  readonly maxNorm: number;
}

/** Spec of {@link clipByGlobalNorm}. */
export type ClipByGlobalNormSpec = {
  readonly kind: 'clipByGlobalNorm';
  readonly maxNorm: number;
};

/**
 * u ← u · maxNorm / (‖g‖ + 1e-6) when that factor is below 1, where ‖g‖ = ctx.gradNorm is the
 * norm of the raw gradient. Hence it must be the first item of a chain: `chain` rejects it elsewhere.
 *
 * @param where - names the caller in error messages.
 * @example
 * chain(clipByGlobalNorm({ maxNorm: 1 }), adam({ lr: 1e-3 }));
 */
export function clipByGlobalNorm(
  options: ClipByGlobalNormOptions,
  where = 'clipByGlobalNorm',
): ClipByGlobalNormSpec {
  return {
    kind: 'clipByGlobalNorm',
    maxNorm: checkNumber(where, 'maxNorm', options.maxNorm, POSITIVE_RANGE),
  };
}

/** The factor clipping multiplies by: min(1, maxNorm / (norm + 1e-6)). */
export function clipFactor(maxNorm: number, norm: number): number {
  const factor = maxNorm / (norm + CLIP_NORM_EPS);
  return Math.min(factor, 1);
}

/** Registry entry of `clipByGlobalNorm`. */
export const CLIP_BY_GLOBAL_NORM_BLOCK: Block = {
  kind: 'clipByGlobalNorm',
  fields: ['maxNorm'],
  compile(spec: RawSpec) {
    const { maxNorm } = clipByGlobalNorm(spec as unknown as ClipByGlobalNormOptions, 'clipByGlobalNorm');
    return {
      slots: [],
      needsGradNorm: true,
      update(u, _s, _p, ctx) {
        const factor = clipFactor(maxNorm, ctx.gradNorm);
        if (factor < 1) scaleKernel(u, factor);
      },
    };
  },
};
