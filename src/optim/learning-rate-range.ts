// The learning rates a running optimizer may be given: one definition for every door a rate comes
// through while a run trains (the controller's `setLearningRate`, the dashboard's control message).
// Pure and dependency-free, so the dashboard page can bundle it too.

import { invalidOption } from '../errors.js';

/**
 * The smallest allowed rate: 2⁻¹²⁶ ≈ 1.18e-38, float32's smallest normal number. The optimizer
 * kernels (wasm SIMD and the float32 parameter arena) compute in float32; a smaller rate is a
 * subnormal or zero there — not the rate that was asked for (1e-320 became 0: no update at all).
 */
export const MIN_LEARNING_RATE = 2 ** -126;

/**
 * The largest allowed rate. Above it a run no longer trains, it only grows: measured on the default
 * model (784-100-10, MNIST), every optimizer kept a finite loss at 1e3 (losses 100-1000x the start),
 * sgd at 1e10 and all of them at 1e38 or 1e308 overflowed float32 within a few steps and the run
 * died with ERR_NON_FINITE. Between 1e3 and those, a run is only a slower way to the same end.
 */
export const MAX_LEARNING_RATE = 1e3;

/** The allowed range in words, as error messages and notices show it. */
export const LEARNING_RATE_RANGE_TEXT = 'a finite number in [1.18e-38 (2^-126), 1000]';

/** True for a finite number in [{@link MIN_LEARNING_RATE}, {@link MAX_LEARNING_RATE}]. */
export function isAllowedLearningRate(value: unknown): value is number {
  return (
    typeof value === 'number' &&
    Number.isFinite(value) &&
    value >= MIN_LEARNING_RATE &&
    value <= MAX_LEARNING_RATE
  );
}

/**
 * Returns `value` when it is an allowed learning rate; else throws `ERR_INVALID_OPTION`
 * ("`where`: lr must be a finite number in [1.18e-38 (2^-126), 1000], got 1e+308").
 */
export function checkLearningRateInRange(where: string, value: unknown): number {
  if (!isAllowedLearningRate(value)) invalidOption(where, 'lr', LEARNING_RATE_RANGE_TEXT, value);
  return value;
}
