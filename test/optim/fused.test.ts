// Fused steps: compile recognises the named recipes' chains (and only those), the JS fused step gives
// the same bits as the composed chain + applyUpdates, and the runtime takes the fused path.

import { describe, expect, it } from 'vitest';
import type { OptimizerKernels } from '../../src/kernels/optimizer-kernels.js';
import { createWasmKernels } from '../../src/kernels/wasm/index.js';
import { addDecayedWeights } from '../../src/optim/add-decayed-weights.js';
import { adagrad, adam, adamw, momentum, nesterov, rmsprop, sgd } from '../../src/optim/alias.js';
import { chain } from '../../src/optim/chain.js';
import { clipByGlobalNorm } from '../../src/optim/clip-by-global-norm.js';
import { compile } from '../../src/optim/compile.js';
import { jsOptimizerKernels } from '../../src/optim/kernels.js';
import { allocateSlots, applyUpdates, createOptimizer, optimizerStep } from '../../src/optim/optimizer.js';
import { scale } from '../../src/optim/scale.js';
import { scaleByAdam } from '../../src/optim/scale-by-adam.js';
import { scaleByLearningRate } from '../../src/optim/scale-by-learning-rate.js';
import { trace } from '../../src/optim/trace.js';
import type { TransformSpec } from '../../src/optim/transform.js';
import { Rng } from '../../src/random/rng.js';
import { ctx, f32 } from './helpers.js';

const cosine = { kind: 'cosine', init: 0.05, steps: 5, min: 0.001 } as const;

/** Every chain that fuses: the recipes, with decay, clipping (tight and loose), schedules. */
const FUSED: ReadonlyArray<[string, TransformSpec]> = [
  ['sgd', sgd({ lr: 0.1 })],
  ['sgd + weight decay', sgd({ lr: 0.1, weightDecay: 0.05 })],
  ['momentum', momentum({ lr: 0.05 })],
  ['momentum + weight decay', momentum({ lr: 0.05, momentum: 0.5, weightDecay: 0.1 })],
  ['nesterov', nesterov({ lr: 0.05 })],
  ['nesterov + weight decay', nesterov({ lr: 0.05, weightDecay: 0.01 })],
  ['adagrad', adagrad({ lr: 0.3 })],
  ['rmsprop', rmsprop({ lr: 0.01, alpha: 0.9 })],
  ['adam', adam({ lr: 0.01 })],
  ['adam, own betas and eps', adam({ lr: 0.01, b1: 0.5, b2: 0.9, eps: 1e-3 })],
  ['adam on a cosine schedule', adam({ lr: cosine })],
  ['adamw', adamw({ lr: 0.01, weightDecay: 0.1 })],
  ['clipped momentum (clips)', chain(clipByGlobalNorm({ maxNorm: 0.5 }), momentum({ lr: 0.05 }))],
  ['clipped adam (does not clip)', chain(clipByGlobalNorm({ maxNorm: 1e6 }), adam({ lr: 0.01 }))],
  ['hand-built adam chain', chain(scaleByAdam(), scaleByLearningRate(1e-3))],
  ['a bare scaleByLearningRate', scaleByLearningRate(0.1)],
];

/** Chains that keep the composed path. */
const COMPOSED: ReadonlyArray<[string, TransformSpec]> = [
  ['scaleByAdam without a learning rate', scaleByAdam()],
  ['an extra scale', chain(scale(0.5), adam({ lr: 0.01 }))],
  ['two traces', chain(trace(), trace(), scaleByLearningRate(0.1))],
  ['adamw with weightDecay 0', adamw({ lr: 0.01, weightDecay: 0 })],
  ['a zero decay block before sgd', chain(addDecayedWeights({ weightDecay: 0 }), scaleByLearningRate(0.1))],
];

/** Random normals with exact zeros, −0 and large values mixed in. */
function vector(rng: Rng, n: number): Float32Array {
  const x = rng.fillNormal(new Float32Array(n), 1);
  for (let i = 0; i < n; i += 7) x[i] = [0, -0, 1e4, -3e-5][(i / 7) % 4];
  return x;
}

const bits = (x: Float32Array) => Array.from(new Uint32Array(x.buffer, x.byteOffset, x.length));

describe('compile', () => {
  describe('#step', () => {
    it.each(FUSED)('is offered for %s', (_name, spec) => {
      expect(compile(spec).step).toBeTypeOf('function');
    });

    it.each(COMPOSED)('is absent for %s', (_name, spec) => {
      expect(compile(spec).step).toBeUndefined();
    });

    it.each(FUSED)('gives the bits of update + applyUpdates for %s (JS kernels, 8 steps)', (name, spec) => {
      const rng = new Rng(21).fork(name);
      const n = 37;
      const t = compile(spec);
      const p0 = vector(rng, n);
      const [composed, fused] = [p0.slice(), p0.slice()];
      const [sc, sf] = [allocateSlots(t, n), allocateSlots(t, n)];
      for (let step = 1; step <= 8; step++) {
        const g = vector(rng, n);
        const c = ctx(step, { gradNorm: Math.hypot(...g), lrOverride: step === 6 ? 0.02 : undefined });
        const u = g.slice();
        t.update(u, sc, composed, c);
        applyUpdates(composed, u);
        const gf = g.slice();
        t.step?.(gf, sf, fused, c);
        expect(bits(gf), 'g is read only').toEqual(bits(g));
        expect(bits(fused), `params after step ${step}`).toEqual(bits(composed));
        for (const slot of t.slots) expect(bits(sf[slot]), slot).toEqual(bits(sc[slot]));
      }
    });
  });

  it('takes the kernels from options.kernels', () => {
    const calls: string[] = [];
    const spy = Object.fromEntries(
      Object.entries(jsOptimizerKernels).map(([key, value]) => [
        key,
        typeof value === 'function'
          ? (...args: unknown[]) => {
              calls.push(key);
              return (value as (...a: unknown[]) => void)(...args);
            }
          : value,
      ]),
    ) as unknown as OptimizerKernels;
    const t = compile(adamw({ lr: 0.1 }), { kernels: spy });
    t.step?.(f32(1, 2), allocateSlots(t, 2), f32(0, 0), ctx(1));
    expect(calls).toEqual(['adamStep']);
  });

  it('refuses kernels that are not OptimizerKernels', () => {
    expect(() => compile(adam({ lr: 0.1 }), { kernels: {} as OptimizerKernels })).toThrow(
      /compile: options\.kernels must be an OptimizerKernels object \(sgdStep, momentumStep/,
    );
  });

  it('hands wasm kernels views outside their memory back as an error, never copying them', () => {
    const wasm = createWasmKernels({ relaxed: false });
    const t = compile(adam({ lr: 0.1 }), { kernels: wasm.optimizer });
    expect(() => t.step?.(f32(1), allocateSlots(t, 1), f32(0), ctx(1))).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    );
  });
});

describe('createOptimizer', () => {
  describe('#step', () => {
    it('runs the fused step: p moves, the gradient buffer keeps the gradient', () => {
      // adam's first step is −lr·sign(g) (m̂ = g, v̂ = g², eps aside)
      const params = f32(1, 1);
      const grads = f32(0.5, -2);
      createOptimizer(adam({ lr: 0.1 }), { params, grads }).step();
      expect(Array.from(params)).toEqual([Math.fround(1 - 0.1), Math.fround(1 + 0.1)]);
      expect(Array.from(grads)).toEqual([0.5, -2]);
    });

    it('runs the composed chain when the spec does not fuse: the gradient becomes the update', () => {
      // u = 0.5·g, then −0.1·u: g = [2, −4] → u = [−0.1, 0.2]
      const params = f32(1, 1);
      const grads = f32(2, -4);
      createOptimizer(chain(scale(0.5), sgd({ lr: 0.1 })), { params, grads }).step();
      expect(Array.from(grads)).toEqual([Math.fround(-0.1), Math.fround(0.2)]);
      expect(Array.from(params)).toEqual([Math.fround(0.9), Math.fround(1.2)]);
    });
  });
});

describe('optimizerStep', () => {
  it('takes the fused path too and checks the buffers first', () => {
    const t = compile(sgd({ lr: 0.5 }));
    const params = f32(1, 2);
    const grads = f32(2, 2);
    optimizerStep(t, grads, {}, params, ctx(1));
    expect(Array.from(params)).toEqual([0, 1]);
    expect(Array.from(grads)).toEqual([2, 2]);
    expect(() => optimizerStep(t, f32(1), {}, params, ctx(1))).toThrow(
      expect.objectContaining({ code: 'ERR_SHAPE_MISMATCH' }),
    );
  });
});
