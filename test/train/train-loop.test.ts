// The single-threaded loop: determinism, validation of options, non-finite detection.

import { describe, expect, it } from 'vitest';
import { fromArrays } from '../../src/data/dataset.js';
import { GradstreamError } from '../../src/errors.js';
import { mlp } from '../../src/nn/mlp.js';
import { adam, sgd } from '../../src/optim/alias.js';
import { Rng } from '../../src/random/rng.js';
import { trainLoop } from '../../src/train/train-loop.js';

/** Two Gaussian blobs in 4 dimensions: a problem small enough to train in milliseconds. */
function blobs(n: number, seed: number) {
  const rng = new Rng(seed);
  const x: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2;
    x.push([0, 1, 2, 3].map(() => rng.normal() + (label ? 1.5 : -1.5)));
    labels.push(label);
  }
  return fromArrays(x, labels, { classes: 2, name: 'blobs' });
}

describe('trainLoop', () => {
  const data = blobs(200, 3);
  const model = mlp({ sizes: [4, 8, 2], dropout: 0.1, batchNorm: true });

  it('gives bit-identical parameters for the same seed, and different ones for another seed', () => {
    const run = (seed: number) =>
      trainLoop({ model, optimizer: adam({ lr: 0.01 }), train: data, epochs: 2, batchSize: 16, seed }).network
        .params;
    const a = run(5);
    const b = run(5);
    const c = run(6);
    expect(
      Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
        Buffer.from(b.buffer, b.byteOffset, b.byteLength),
      ),
    ).toBe(true);
    expect(Array.from(a)).not.toEqual(Array.from(c));
  });

  it('learns a separable problem', () => {
    const result = trainLoop({
      model,
      optimizer: adam({ lr: 0.01 }),
      train: data,
      evaluation: blobs(100, 9),
      epochs: 5,
      batchSize: 16,
      seed: 1,
    });
    expect(result.epochs.at(-1)?.evaluation?.accuracy).toBeGreaterThan(0.95);
  });

  it('rejects batch size 0 and a feature-count mismatch with clear errors', () => {
    expect(() => trainLoop({ model, optimizer: sgd({ lr: 0.1 }), train: data, batchSize: 0 })).toThrow(
      /trainLoop: batchSize must be an integer in \[1, ∞\), got 0/,
    );
    const wide = mlp({ sizes: [5, 2] });
    expect(() => trainLoop({ model: wide, optimizer: sgd({ lr: 0.1 }), train: data })).toThrow(
      /blobs has 4 features, model.sizes\[0\] is 5/,
    );
  });

  it('stops with ERR_NON_FINITE naming the step when the loss diverges', () => {
    try {
      trainLoop({
        model: mlp({ sizes: [4, 8, 2] }),
        optimizer: sgd({ lr: 1e30 }),
        train: data,
        epochs: 3,
        batchSize: 16,
      });
      expect.unreachable('training should diverge');
    } catch (error) {
      expect(error).toBeInstanceOf(GradstreamError);
      expect((error as GradstreamError).code).toBe('ERR_NON_FINITE');
      expect((error as Error).message).toMatch(/^step \d+: loss is (NaN|Infinity)/);
    }
  });
});
