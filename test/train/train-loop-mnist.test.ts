// End to end on real MNIST: the book's two-layer net with Adam learns to ≥ 95% test accuracy in 2 epochs.

import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/mnist.js';
import { mlp } from '../../src/nn/mlp.js';
import { adam } from '../../src/optim/alias.js';
import { trainLoop } from '../../src/train/train-loop.js';

describe('trainLoop on MNIST', () => {
  it('reaches ≥ 95% test accuracy with 784-100-10 and Adam after 2 epochs', () => {
    const { train, test } = loadMnist();
    const losses: number[] = [];
    const result = trainLoop({
      model: mlp({ sizes: [784, 100, 10], activation: 'relu', init: 'he' }),
      optimizer: adam({ lr: 1e-3 }),
      train,
      evaluation: test,
      epochs: 2,
      batchSize: 100,
      seed: 1,
      onStep: (s) => losses.push(s.loss),
    });
    expect(losses).toHaveLength(1200);
    expect(result.optimizer.count).toBe(1200);
    const final = result.epochs.at(-1)?.evaluation;
    expect(final?.n).toBe(10_000);
    expect(final?.accuracy).toBeGreaterThanOrEqual(0.95);
    // the loss fell: the last 100 steps average well below the first 100
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-100))).toBeLessThan(mean(losses.slice(0, 100)) / 3);
  });
});
