// Training with either kernel set gives the same accuracy (the sums differ only in float32 rounding order).

import { describe, expect, it } from 'vitest';
import { subset } from '../../src/data/dataset.js';
import { loadMnist } from '../../src/data/mnist.js';
import { evaluate } from '../../src/nn/evaluate.js';
import { mlp } from '../../src/nn/mlp.js';
import { adam } from '../../src/optim/alias.js';
import { trainLoop } from '../../src/train/train-loop.js';

describe('kernel sets in training', () => {
  it('reach the same MNIST accuracy with the JS and the wasm kernels', () => {
    const { train, test } = loadMnist({ trainLimit: 8000, testLimit: 2000 });
    const run = (kernels: 'js' | 'wasm') => {
      const result = trainLoop({
        model: mlp({ sizes: [784, 64, 10] }),
        optimizer: adam({ lr: 2e-3 }),
        train,
        epochs: 1,
        batchSize: 100,
        seed: 4,
        kernels,
      });
      return {
        accuracy: evaluate(result.network, subset(test, 0, 2000)).accuracy,
        kernels: result.network.kernels.name,
      };
    };
    const js = run('js');
    const wasm = run('wasm');
    expect(js.kernels).toBe('js');
    expect(wasm.kernels).toMatch(/^wasm/);
    expect(js.accuracy).toBeGreaterThan(0.85);
    expect(Math.abs(js.accuracy - wasm.accuracy)).toBeLessThanOrEqual(0.005);
  });
});
