// The pieces of the book's random hyperparameter search (section 6.5.3): log-uniform sampling,
// the early-stopping rule for hopeless trials, and the band the best trials' values fall in.

import { Rng } from '../random/rng.js';

/** Sampled hyperparameters of one trial. */
export interface TrialParams {
  readonly index: number;
  readonly lr: number;
  readonly weightDecay: number;
}

/** Stop a trial whose best validation accuracy after `afterEpochs` epochs is below `minAccuracy`. */
export interface EarlyStopRule {
  readonly afterEpochs: number;
  readonly minAccuracy: number;
}

/**
 * `count` trials with lr = 10^U(lr₀, lr₁) and weight decay = 10^U(wd₀, wd₁), as the book samples them.
 *
 * @example
 * sampleTrials(100, [-6, -2], [-8, -4], 1)[0]; // { index: 0, lr: 3.1e-4, weightDecay: 2.2e-7 }
 */
export function sampleTrials(
  count: number,
  lrExponents: readonly [number, number],
  weightDecayExponents: readonly [number, number],
  seed: number,
): TrialParams[] {
  const rng = new Rng(seed).fork('hyperparameter-search');
  return Array.from({ length: count }, (_, index) => ({
    index,
    // lr first, then decay: a trial's values do not depend on how many trials there are.
    lr: 10 ** rng.uniform(lrExponents[0], lrExponents[1]),
    weightDecay: 10 ** rng.uniform(weightDecayExponents[0], weightDecayExponents[1]),
  }));
}

/** True when the rule says a trial with these validation accuracies (one per epoch) is hopeless. */
export function isHopeless(validation: readonly number[], rule: EarlyStopRule): boolean {
  if (validation.length < rule.afterEpochs) return false;
  return Math.max(...validation) < rule.minAccuracy;
}

/** [min, max] of log10 of the values: the band they span, in decades. */
export function log10Band(values: readonly number[]): readonly [number, number] {
  const logs = values.map(Math.log10);
  return [Math.min(...logs), Math.max(...logs)];
}
