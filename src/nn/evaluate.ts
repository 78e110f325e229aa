// Loss and accuracy of a network on a dataset, in inference mode (running batch-norm statistics, no dropout).

import { gatherBatch } from '../data/batch.js';
import type { Dataset } from '../data/dataset.js';
import { GradstreamError } from '../errors.js';
import type { Network } from './network.js';

/** The result of an evaluation. */
export interface Evaluation {
  /** Mean cross-entropy over the samples (without the weight-decay term). */
  readonly loss: number;
  /** Fraction of samples whose argmax prediction equals the label (NaN for a regression network). */
  readonly accuracy: number;
  /** Regression only: root mean squared error over every sample × output. */
  readonly rmse?: number;
  /** Regression only: mean absolute error over every sample × output. */
  readonly mae?: number;
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
  network.checkData('evaluate', dataset);
  const sums = { loss: 0, correct: 0, squaredError: 0, absoluteError: 0 };
  network.inputFrom(dataset);
  for (let start = 0; start < n; start += network.capacity) {
    const count = Math.min(network.capacity, n - start);
    gatherBatch(dataset, order, start, count, network.input, network.labels, network.targets);
    const batch = network.evaluateBatch(count);
    sums.loss += batch.loss * count;
    sums.correct += batch.correct;
    sums.squaredError += batch.squaredError;
    sums.absoluteError += batch.absoluteError;
  }
  return evaluationOf(sums, n, network.spec.loss === 'mse' ? network.spec.sizes.at(-1)! : 0);
}

/**
 * An evaluation from sums over `n` samples (loss × rows, correct, squared and absolute errors):
 * accuracy for a classifier; rmse and mae over n × `outputs` elements for regression (`outputs` > 0).
 */
export function evaluationOf(
  sums: {
    readonly loss: number;
    readonly correct: number;
    readonly squaredError: number;
    readonly absoluteError: number;
  },
  n: number,
  outputs: number,
): Evaluation {
  if (n === 0) return { loss: Number.NaN, accuracy: Number.NaN, n };
  const loss = sums.loss / n;
  if (outputs === 0) return { loss, accuracy: sums.correct / n, n };
  const elements = n * outputs;
  return {
    loss,
    accuracy: Number.NaN,
    rmse: Math.sqrt(sums.squaredError / elements),
    mae: sums.absoluteError / elements,
    n,
  };
}
