// Per-step quantities read from shared memory by workers and the main thread alike: the batch loss
// (micro-batch losses weighted by rows, in slot order) and the global gradient norm (block sums in order).

import { microBatchRows, type PipelinePlan } from './plan.js';

/** The batch loss of ring entry `ring` for a batch of `count` rows. */
export function stepLoss(plan: PipelinePlan, losses: Float64Array, ring: number, count: number): number {
  let loss = 0;
  for (let k = 0; k < plan.microBatches; k++) {
    const rows = microBatchRows(plan, count, k);
    if (rows > 0) loss += (rows / count) * losses[ring * plan.microBatches + k];
  }
  return loss;
}

/** √(Σ block sums of squares), summed in block order so every lane count gives the same bits. */
export function gradientNorm(norms: Float64Array): number {
  let sum = 0;
  for (let b = 0; b < norms.length; b++) sum += norms[b];
  return Math.sqrt(sum);
}
