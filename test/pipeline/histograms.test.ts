// Histograms: fixed bins that count every value, and a run that emits them for weights, gradients
// and activations of every layer.

import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/mnist.js';
import { mlp } from '../../src/nn/mlp.js';
import { adam } from '../../src/optim/alias.js';
import { histogram } from '../../src/pipeline/histograms.js';
import { train } from '../../src/pipeline/train.js';
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
