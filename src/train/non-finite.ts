// The one error of a step whose loss or gradient is not finite (policy `stop`), for the plain loop
// and the pipeline alike: the step, the loss, and the first parameter entry whose gradient is bad.

import { GradstreamError } from '../errors.js';
import { entryAt, type Layout } from '../tensor/layout.js';

/**
 * `ERR_NON_FINITE`: `step 12: loss is NaN (first non-finite gradient in layer2.W); lower the learning
 * rate?`. `grads` is the step's (reduced) gradient over `layout`; its first non-finite entry is named.
 */
export function nonFiniteError(
  layout: Layout,
  grads: Float32Array,
  step: number,
  loss: number,
): GradstreamError {
  let bad = -1;
  for (let i = 0; i < grads.length && bad < 0; i++) if (!Number.isFinite(grads[i])) bad = i;
  const entry = bad >= 0 ? entryAt(layout, bad)?.name : undefined;
  const where = entry !== undefined ? ` (first non-finite gradient in ${entry})` : '';
  return new GradstreamError(
    'ERR_NON_FINITE',
    `step ${step}: loss is ${loss}${where}; lower the learning rate?`,
    {
      cause: { step, loss, entry },
    },
  );
}

/**
 * `ERR_NON_FINITE` of a run under policy `skip` that skipped `limit` steps in a row, ending at
 * `step`: `step 17: 10 consecutive steps skipped (non-finite loss or gradient); the limit is
 * --max-skipped-steps 10 (maxSkippedSteps)`.
 */
export function tooManySkippedError(step: number, limit: number): GradstreamError {
  return new GradstreamError(
    'ERR_NON_FINITE',
    `step ${step}: ${limit} consecutive steps skipped (non-finite loss or gradient); the limit is --max-skipped-steps ${limit} (maxSkippedSteps)`,
    { cause: { step, skipped: limit } },
  );
}
