// scaleByRms({ decay, eps }): divides by the root of a moving average of g² (RMSprop, Hinton 2012).

import { checkNumber } from '../errors.js';
import { type Block, DECAY_RANGE, POSITIVE_RANGE, type RawSpec } from './block.js';

/** Hyperparameters of {@link scaleByRms}. */
export interface ScaleByRmsOptions {
  /** Averaging rate α in [0, 1); default 0.99 (torch's `alpha`). */
  readonly decay?: number;
  /** Added after the square root; default 1e-8 (torch). */
  readonly eps?: number;
}

/** Spec of {@link scaleByRms}. */
export type ScaleByRmsSpec = {
  readonly kind: 'scaleByRms';
  readonly decay: number;
  readonly eps: number;
};

/**
 * RMSprop in torch's form: ν ← α·ν + (1 − α)·g², u ← g / (√ν + eps), with ν starting at 0
 * (no bias correction, so early steps are large). Slot: `nu`.
 *
 * @param where - names the caller in error messages (recipes pass their own name).
 */
export function scaleByRms(options: ScaleByRmsOptions = {}, where = 'scaleByRms'): ScaleByRmsSpec {
  return {
    kind: 'scaleByRms',
    decay: checkNumber(where, 'decay', options.decay ?? 0.99, DECAY_RANGE),
    eps: checkNumber(where, 'eps', options.eps ?? 1e-8, POSITIVE_RANGE),
  };
}

/** ν ← α·ν + (1 − α)·g²; u ← g / (√ν + eps). */
export function rmsKernel(u: Float32Array, nu: Float32Array, alpha: number, eps: number): void {
  for (let i = 0; i < u.length; i++) {
    const g = u[i];
    const v = alpha * nu[i] + (1 - alpha) * g * g;
    nu[i] = v;
    u[i] = g / (Math.sqrt(v) + eps);
  }
}

/** Registry entry of `scaleByRms`. */
export const SCALE_BY_RMS_BLOCK: Block = {
  kind: 'scaleByRms',
  fields: ['decay', 'eps'],
  compile(spec: RawSpec, prefix: string) {
    const { decay, eps } = scaleByRms(spec as ScaleByRmsOptions, 'scaleByRms');
    const kNu = `${prefix}nu`;
    return {
      slots: [kNu],
      needsGradNorm: false,
      update(u, s) {
        rmsKernel(u, s[kNu], decay, eps);
      },
    };
  },
};
