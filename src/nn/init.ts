// Initial weights (chapter 6.2): a fixed small std (the book's 0.01), Xavier, He. Biases start at zero.

import { invalidOption } from '../errors.js';
import type { Rng } from '../random/rng.js';

/** How to draw initial weights: a name, or a fixed standard deviation. */
export type InitSpec = 'he' | 'xavier' | { readonly kind: 'std'; readonly std: number };

/** The allowed init names, for error messages and the CLI. */
export const INIT_NAMES = ['he', 'xavier', 'std'] as const;

/**
 * Standard deviation of the initial weights of a layer with `fanIn` inputs.
 * Xavier uses the book's form σ = 1/√n_in (Glorot & Bengio 2010 with n_out ignored);
 * He uses σ = √(2/n_in) (He et al. 2015), suited to ReLU.
 */
export function initStd(spec: InitSpec, fanIn: number): number {
  if (spec === 'he') return Math.sqrt(2 / fanIn);
  if (spec === 'xavier') return 1 / Math.sqrt(fanIn);
  return spec.std;
}

/** Checks an init spec, naming the field and the allowed values. */
export function checkInit(where: string, value: unknown): InitSpec {
  if (value === 'he' || value === 'xavier') return value;
  if (typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'std') {
    const std = (value as { std?: unknown }).std;
    if (typeof std === 'number' && Number.isFinite(std) && std > 0) return { kind: 'std', std };
    return invalidOption(where, 'init.std', 'a number in (0, ∞)', std);
  }
  return invalidOption(where, 'init', `'he', 'xavier' or { kind: 'std', std }`, value);
}

/** Fills `weights` with N(0, σ²) draws for a layer with `fanIn` inputs. */
export function initWeights(rng: Rng, weights: Float32Array, fanIn: number, spec: InitSpec): void {
  rng.fillNormal(weights, initStd(spec, fanIn));
}
