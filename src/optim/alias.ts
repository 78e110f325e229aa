// The named optimizers, each a short recipe of building blocks in torch.optim's conventions
// (optax alias.py). Each returns a plain TransformSpec; `compile` turns it into behaviour.

import { checkNumber } from '../errors.js';
import { addDecayedWeights } from './add-decayed-weights.js';
import { DECAY_RANGE } from './block.js';
import { type ChainSpec, chain } from './chain.js';
import { scaleByAdagrad } from './scale-by-adagrad.js';
import { scaleByAdam } from './scale-by-adam.js';
import { type LearningRate, scaleByLearningRate } from './scale-by-learning-rate.js';
import { scaleByRms } from './scale-by-rms.js';
import { trace } from './trace.js';
import type { TransformSpec } from './transform.js';

/** Coupled L2 decay (torch's `weight_decay`): added to the gradient, omitted when 0. */
function coupledDecay(where: string, weightDecay: number | undefined): TransformSpec[] {
  return weightDecay ? [addDecayedWeights({ weightDecay }, where)] : [];
}

/** Momentum μ, checked under the name users pass it as. */
function checkMomentum(where: string, momentum: number | undefined): number {
  return checkNumber(where, 'momentum', momentum ?? 0.9, DECAY_RANGE);
}

/**
 * Plain SGD: p ← p − lr·(g + wd·p). The book's SGD when `weightDecay` is 0.
 *
 * @example
 * sgd({ lr: 0.95 });
 */
export function sgd(o: { readonly lr: LearningRate; readonly weightDecay?: number }): ChainSpec {
  checkNumber('sgd', 'weightDecay', o.weightDecay ?? 0, { min: 0 });
  return chain(...coupledDecay('sgd', o.weightDecay), scaleByLearningRate(o.lr, 'sgd'));
}

/** Heavy-ball momentum (torch SGD with `momentum`): v ← μv + g, p ← p − lr·v. μ defaults to 0.9. */
export function momentum(o: {
  readonly lr: LearningRate;
  readonly momentum?: number;
  readonly weightDecay?: number;
}): ChainSpec {
  const decay = checkMomentum('momentum', o.momentum);
  checkNumber('momentum', 'weightDecay', o.weightDecay ?? 0, { min: 0 });
  return chain(
    ...coupledDecay('momentum', o.weightDecay),
    trace({ decay }),
    scaleByLearningRate(o.lr, 'momentum'),
  );
}

/** Nesterov momentum (torch SGD with `nesterov: true`): v ← μv + g, p ← p − lr·(g + μv). */
export function nesterov(o: {
  readonly lr: LearningRate;
  readonly momentum?: number;
  readonly weightDecay?: number;
}): ChainSpec {
  const decay = checkMomentum('nesterov', o.momentum);
  checkNumber('nesterov', 'weightDecay', o.weightDecay ?? 0, { min: 0 });
  const step = [trace({ decay, nesterov: true }), scaleByLearningRate(o.lr, 'nesterov')];
  return chain(...coupledDecay('nesterov', o.weightDecay), ...step);
}

/** AdaGrad (torch): h ← h + g², p ← p − lr·g/(√h + eps). eps defaults to 1e-10. */
export function adagrad(o: { readonly lr: LearningRate; readonly eps?: number }): ChainSpec {
  return chain(scaleByAdagrad({ eps: o.eps }, 'adagrad'), scaleByLearningRate(o.lr, 'adagrad'));
}

/** RMSprop (torch): ν ← αν + (1 − α)g², p ← p − lr·g/(√ν + eps). α 0.99, eps 1e-8 by default. */
export function rmsprop(o: {
  readonly lr: LearningRate;
  readonly alpha?: number;
  readonly eps?: number;
}): ChainSpec {
  const alpha = checkNumber('rmsprop', 'alpha', o.alpha ?? 0.99, DECAY_RANGE);
  return chain(scaleByRms({ decay: alpha, eps: o.eps }, 'rmsprop'), scaleByLearningRate(o.lr, 'rmsprop'));
}

/** Options of `adam` and `adamw`. */
export interface AdamOptions {
  readonly lr: LearningRate;
  /** β₁; default 0.9. */
  readonly b1?: number;
  /** β₂; default 0.999. */
  readonly b2?: number;
  /** Added after the square root; default 1e-8. */
  readonly eps?: number;
}

/**
 * Adam (Kingma & Ba 2015) in torch's form: bias-corrected moments, eps after the square root.
 *
 * @example
 * adam({ lr: 1e-3 }); // chain(scaleByAdam(...), scaleByLearningRate(1e-3))
 */
export function adam(o: AdamOptions): ChainSpec {
  return chain(scaleByAdam({ b1: o.b1, b2: o.b2, eps: o.eps }, 'adam'), scaleByLearningRate(o.lr, 'adam'));
}

/**
 * AdamW (Loshchilov & Hutter 2019): Adam plus decoupled decay, p ← p − lr·(adam(g) + wd·p), which
 * is torch's `p *= 1 − lr·wd` followed by the Adam step. `weightDecay` defaults to 0.01 (torch).
 */
export function adamw(o: AdamOptions & { readonly weightDecay?: number }): ChainSpec {
  return chain(
    scaleByAdam({ b1: o.b1, b2: o.b2, eps: o.eps }, 'adamw'),
    addDecayedWeights({ weightDecay: o.weightDecay ?? 0.01 }, 'adamw'),
    scaleByLearningRate(o.lr, 'adamw'),
  );
}
