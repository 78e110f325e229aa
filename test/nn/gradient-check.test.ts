// Central-difference gradient checks: each layer alone (input and parameter gradients, with a random
// linear loss L = Σ r⊙y), the softmax cross-entropy, and whole networks with every option on.

import { describe, expect, it } from 'vitest';
import { jsKernels } from '../../src/kernels/js/index.js';
import { Activation } from '../../src/nn/layers/activation.js';
import { Affine } from '../../src/nn/layers/affine.js';
import { BatchNorm } from '../../src/nn/layers/batch-norm.js';
import { Dropout } from '../../src/nn/layers/dropout.js';
import type { ForwardContext, Layer } from '../../src/nn/layers/layer.js';
import { mlp } from '../../src/nn/mlp.js';
import { Network } from '../../src/nn/network.js';
import { Rng } from '../../src/random/rng.js';
import { ArenaBuilder } from '../../src/tensor/arena.js';
import { defineLayout, entryViews } from '../../src/tensor/layout.js';

const EPS = 1e-2;

/** float32 finite differences are noisy: allow 1e-3 absolute plus 2% relative. */
function expectClose(numeric: number, analytic: number, label: string): void {
  const tol = 1e-3 + 2e-2 * Math.abs(numeric);
  if (Math.abs(numeric - analytic) > tol) {
    throw new Error(`${label}: numeric ${numeric} vs analytic ${analytic} (tolerance ${tol})`);
  }
}

function checkLayer(layer: Layer, n: number, train: boolean): void {
  const rng = new Rng(7);
  const builder = new ArenaBuilder();
  const layout = defineLayout(layer.params);
  const bufferLayout = defineLayout(layer.buffers);
  builder.f32('params', layout.size).f32('grads', layout.size).f32('buffers', bufferLayout.size);
  layer.declare(builder, n, '');
  const arena = builder.build();
  const params = entryViews(layout, arena.f32('params'));
  const grads = entryViews(layout, arena.f32('grads'));
  const buffers = entryViews(bufferLayout, arena.f32('buffers'));
  rng.fillNormal(arena.f32('params'), 0.5, 0.2);
  for (const b of Object.values(buffers)) b.fill(1);
  layer.bind({ arena, kernels: jsKernels, params, grads, buffers, scope: '' });
  const x = rng.fillNormal(new Float32Array(n * layer.inputSize), 1);
  const r = rng.fillNormal(new Float32Array(n * layer.outputSize), 1);
  const ctx: ForwardContext = { n, train, step: 3 };
  const loss = (): number => {
    const y = layer.forward(x, ctx);
    let s = 0;
    for (let i = 0; i < n * layer.outputSize; i++) s += r[i] * y[i];
    return s;
  };
  loss();
  const dx = new Float32Array(layer.backward(r, n, true).subarray(0, n * layer.inputSize));
  const check = (values: Float32Array, analytic: Float32Array, label: string): void => {
    for (let i = 0; i < values.length; i++) {
      const old = values[i];
      values[i] = old + EPS;
      const up = loss();
      values[i] = old - EPS;
      const down = loss();
      values[i] = old;
      expectClose((up - down) / (2 * EPS), analytic[i], `${layer.name} ${label}[${i}]`);
    }
  };
  check(x, dx, 'dx');
  for (const name of Object.keys(params)) check(params[name], new Float32Array(grads[name]), `d${name}`);
}

describe('gradient check', () => {
  it('matches finite differences for Affine', () => checkLayer(new Affine('fc', 5, 4), 3, true));
  it('matches finite differences for ReLU', () => checkLayer(new Activation('relu', 'relu', 6), 4, true));
  it('matches finite differences for Sigmoid', () =>
    checkLayer(new Activation('sig', 'sigmoid', 6), 4, true));
  it('matches finite differences for BatchNorm in training mode', () =>
    checkLayer(new BatchNorm('bn', 5, { momentum: 0.1, eps: 1e-5 }), 6, true));
  it('matches finite differences for BatchNorm in inference mode', () =>
    checkLayer(new BatchNorm('bn', 5, { momentum: 0.1, eps: 1e-5 }), 6, false));
  it('matches finite differences for Dropout (fixed mask)', () =>
    checkLayer(new Dropout('do', 8, 0.3, 99), 5, true));

  it('matches finite differences for softmax cross-entropy', () => {
    const rng = new Rng(3);
    const m = 4;
    const n = 5;
    const logits = rng.fillNormal(new Float32Array(m * n), 2);
    const labels = new Int32Array([0, 4, 2, 2]);
    const grad = new Float32Array(m * n);
    const scratch = new Float32Array(m * n);
    jsKernels.softmaxCrossEntropy(logits, labels, grad, m, n);
    for (let i = 0; i < logits.length; i++) {
      const old = logits[i];
      logits[i] = old + EPS;
      const up = jsKernels.softmaxCrossEntropy(logits, labels, scratch, m, n);
      logits[i] = old - EPS;
      const down = jsKernels.softmaxCrossEntropy(logits, labels, scratch, m, n);
      logits[i] = old;
      expectClose((up - down) / (2 * EPS), grad[i], `dlogits[${i}]`);
    }
  });

  it.each([
    ['relu', { activation: 'relu' as const }],
    ['sigmoid', { activation: 'sigmoid' as const }],
    ['batch norm + dropout + weight decay', { batchNorm: true, dropout: 0.25, weightDecay: 0.05 }],
  ])('matches finite differences for a whole network (%s)', (_label, options) => {
    const spec = mlp({ sizes: [6, 7, 5, 3], init: 'xavier', ...options });
    const n = 8;
    const net = Network.create(spec, { capacity: n, seed: 11 });
    net.initialize(5);
    const rng = new Rng(1);
    rng.fillNormal(net.input, 1);
    for (let i = 0; i < n; i++) net.labels[i] = rng.int(3);
    net.lossAndGradient(n, 4);
    const analytic = new Float32Array(net.grads);
    const f0 = net.lossAndGradient(n, 4);
    let checked = 0;
    let kinks = 0;
    const h = 1e-3; // smaller than EPS: a network has many ReLU kinks
    for (let i = 0; i < net.params.length; i += 3) {
      const old = net.params[i];
      net.params[i] = old + h;
      const up = net.lossAndGradient(n, 4);
      net.params[i] = old - h;
      const down = net.lossAndGradient(n, 4);
      net.params[i] = old;
      // A ReLU kink inside [−ε, ε] makes the one-sided slopes disagree; such points have no derivative to check.
      if (Math.abs((up - f0) / h - (f0 - down) / h) > 1e-2) {
        kinks++;
        continue;
      }
      checked++;
      expectClose((up - down) / (2 * h), analytic[i], `param[${i}]`);
    }
    expect(kinks).toBeLessThan(checked / 10);
    expect(analytic.some((g) => g !== 0)).toBe(true);
  });
});
