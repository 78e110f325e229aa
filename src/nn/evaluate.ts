// Loss and accuracy of a network on a dataset, in inference mode (running batch-norm statistics, no dropout).

import { gatherBatch } from '../data/batch.js';
import type { Dataset } from '../data/dataset.js';
import { GradstreamError } from '../errors.js';
import type { Network } from './network.js';

/** The result of an evaluation. */
export interface Evaluation {
  /** Mean cross-entropy over the samples (without the weight-decay term). */
  readonly loss: number;
  /** Fraction of samples whose argmax prediction equals the label. */
  readonly accuracy: number;
  /** Number of samples evaluated. */
  readonly n: number;
}

/**
 * Evaluates `network` on every sample of `dataset` (or the first `limit`), in chunks of the network's capacity.
 *
 * @example
 * const { accuracy } = evaluate(net, mnist.test);
 */
export function evaluate(network: Network, dataset: Dataset, limit = dataset.n): Evaluation {
  if (dataset.features !== network.spec.sizes[0]) {
    throw new GradstreamError(
      'ERR_SHAPE_MISMATCH',
      `evaluate: ${dataset.name} has ${dataset.features} features, the network takes ${network.spec.sizes[0]}`,
    );
  }
  const n = Math.min(limit, dataset.n);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let lossSum = 0;
  let correct = 0;
  network.inputFrom(dataset);
  for (let start = 0; start < n; start += network.capacity) {
    const count = Math.min(network.capacity, n - start);
    gatherBatch(dataset, order, start, count, network.input, network.labels);
    const batch = network.evaluateBatch(count);
    lossSum += batch.loss * count;
    correct += batch.correct;
  }
  return { loss: n > 0 ? lossSum / n : Number.NaN, accuracy: n > 0 ? correct / n : Number.NaN, n };
}
