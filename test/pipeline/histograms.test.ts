// Histograms: fixed bins that count every value, and a run that emits them for weights, gradients
// and activations of every layer.

import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/mnist.js';
import { mlp } from '../../src/nn/mlp.js';
import { adam } from '../../src/optim/alias.js';
import { histogram } from '../../src/pipeline/histograms.js';
import { createTrainingSession, train } from '../../src/pipeline/train.js';
import type { HistogramEvent } from '../../src/train/events.js';

describe('histogram', () => {
  it('puts every value in one of the bins between min and max', () => {
    const h = histogram([0, 1, 1, 2, 3, 3, 3, 10], 5);
    expect(h.edges).toEqual([0, 2, 4, 6, 8, 10]);
    expect(h.counts).toEqual([3, 4, 0, 0, 1]);
  });

  it('gives a constant one bin around it', () => {
    expect(histogram([2, 2, 2], 1)).toEqual({ edges: [1.5, 2.5], counts: [3] });
  });
});

describe('train with histogramEvery', () => {
  it('emits weight, gradient and activation histograms of every layer after step 1 and every N steps', async () => {
    const { train: data, test } = loadMnist({ trainLimit: 2000, testLimit: 500 });
    const events = await lastValueFrom(
      train({
        model: mlp({ sizes: [784, 20, 15, 10] }),
        optimizer: adam({ lr: 1e-3 }),
        train: data,
        validation: test,
        steps: 20,
        batchSize: 50,
        workers: 2,
        histogramEvery: 10,
      }).pipe(toArray()),
    );
    const histograms = events.filter((e): e is HistogramEvent => e.type === 'histogram');
    expect(new Set(histograms.map((h) => h.step))).toEqual(new Set([1, 10, 20]));
    const at10 = histograms.filter((h) => h.step === 10).map((h) => `${h.kind}:${h.layer}`);
    expect(at10.sort()).toEqual(
      [
        'activations:act1',
        'activations:act2',
        'gradients:layer1.W',
        'gradients:layer2.W',
        'gradients:layer3.W',
        'weights:layer1.W',
        'weights:layer2.W',
        'weights:layer3.W',
      ].sort(),
    );
    const w1 = histograms.find((h) => h.step === 10 && h.kind === 'weights' && h.layer === 'layer1.W')!;
    expect(w1.counts.reduce((a, b) => a + b, 0)).toBe(784 * 20);
    const a1 = histograms.find((h) => h.step === 10 && h.kind === 'activations' && h.layer === 'act1')!;
    expect(a1.edges[0]).toBe(0); // ReLU outputs: nothing below zero
  });
});

describe('histograms change no result', () => {
  it('leaves parameters and batch-norm running statistics bit-identical to a run without them', async () => {
    const { train: data, test } = loadMnist({ trainLimit: 1000, testLimit: 200 });
    const run = async (histogramEvery: number) => {
      const session = createTrainingSession({
        model: mlp({ sizes: [784, 16, 10], batchNorm: true }),
        optimizer: adam({ lr: 1e-3 }),
        train: data,
        validation: test,
        steps: 12,
        batchSize: 50,
        workers: 2,
        seed: 3,
        histogramEvery,
      });
      const events = await lastValueFrom(session.events$.pipe(toArray()));
      return {
        histograms: events.filter((e) => e.type === 'histogram').length,
        params: session.network.params.slice(),
        buffers: session.network.buffers.slice(),
      };
    };
    const without = await run(0);
    const withHistograms = await run(1); // after every step: a training-mode forward pass each time
    expect(without.histograms).toBe(0);
    expect(withHistograms.histograms).toBeGreaterThan(12);
    expect(withHistograms.params).toEqual(without.params);
    // The histograms' forward pass in training mode computes batch statistics: they must not reach
    // the running averages the run evaluates with and checkpoints.
    expect(withHistograms.buffers).toEqual(without.buffers);
  });
});
