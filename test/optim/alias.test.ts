import { describe, expect, it } from 'vitest';
import { adagrad, adam, adamw, momentum, nesterov, rmsprop, sgd } from '../../src/optim/alias.js';
import { flattenChain } from '../../src/optim/chain.js';
import { createOptimizer } from '../../src/optim/optimizer.js';
import type { TransformSpec } from '../../src/optim/transform.js';
import { expectClose, f32 } from './helpers.js';

const kinds = (spec: TransformSpec) => flattenChain(spec).map((s) => s.kind);

describe('recipes', () => {
  it('are chains ending in scaleByLearningRate', () => {
    expect(kinds(sgd({ lr: 1 }))).toEqual(['scaleByLearningRate']);
    expect(kinds(sgd({ lr: 1, weightDecay: 0.1 }))).toEqual(['addDecayedWeights', 'scaleByLearningRate']);
    expect(kinds(momentum({ lr: 1, weightDecay: 0.1 }))).toEqual([
      'addDecayedWeights',
      'trace',
      'scaleByLearningRate',
    ]);
    expect(kinds(nesterov({ lr: 1 }))).toEqual(['trace', 'scaleByLearningRate']);
    expect(kinds(adagrad({ lr: 1 }))).toEqual(['scaleByAdagrad', 'scaleByLearningRate']);
    expect(kinds(rmsprop({ lr: 1 }))).toEqual(['scaleByRms', 'scaleByLearningRate']);
    expect(kinds(adam({ lr: 1 }))).toEqual(['scaleByAdam', 'scaleByLearningRate']);
    // decoupled: the decay comes after Adam's preconditioning, so lr multiplies it directly
    expect(kinds(adamw({ lr: 1 }))).toEqual(['scaleByAdam', 'addDecayedWeights', 'scaleByLearningRate']);
  });

  it('carry torch defaults', () => {
    expect(flattenChain(adam({ lr: 1 }))[0]).toEqual({ kind: 'scaleByAdam', b1: 0.9, b2: 0.999, eps: 1e-8 });
    expect(flattenChain(adamw({ lr: 1 }))[1]).toEqual({ kind: 'addDecayedWeights', weightDecay: 0.01 });
    expect(flattenChain(adagrad({ lr: 1 }))[0]).toEqual({ kind: 'scaleByAdagrad', eps: 1e-10 });
    expect(flattenChain(nesterov({ lr: 1 }))[0]).toEqual({ kind: 'trace', decay: 0.9, nesterov: true });
  });

  describe('adamw', () => {
    it("equals torch's p ← p(1 − lr·wd) then the Adam step", () => {
      const params = f32(2);
      const grads = f32(0.5);
      createOptimizer(adamw({ lr: 0.1, weightDecay: 0.5 }), { params, grads }).step();
      // torch: p = 2·(1 − 0.1·0.5) = 1.9; first Adam step moves by −lr·sign(g) = −0.1 → 1.8
      expectClose(params, [1.8]);
    });
  });

  describe('sgd', () => {
    it('adds weight decay to the gradient before the step', () => {
      const params = f32(2);
      const grads = f32(0.5);
      createOptimizer(sgd({ lr: 0.1, weightDecay: 0.5 }), { params, grads }).step();
      // g' = 0.5 + 0.5·2 = 1.5; p = 2 − 0.1·1.5 = 1.85
      expectClose(params, [1.85]);
    });
  });

  it('name themselves in errors', () => {
    expect(() => nesterov({ lr: 1, momentum: -0.5 })).toThrow(
      'nesterov: momentum must be a number in [0, 1), got -0.5',
    );
    expect(() => adagrad({ lr: 1, eps: -1 })).toThrow('adagrad: eps must be a number in (0, ∞), got -1');
    expect(() => adamw({ lr: 1, weightDecay: Number.NaN })).toThrow(
      'adamw: weightDecay must be a number in [0, ∞), got NaN',
    );
    expect(() => adam({ lr: { kind: 'cosine', init: 1, steps: 0 } })).toThrow(
      'adam: lr.steps must be an integer in [1, ∞), got 0',
    );
  });
});
