import { describe, expect, it } from 'vitest';
import { adam, momentum, sgd } from '../../src/optim/alias.js';
import { chain } from '../../src/optim/chain.js';
import { clipByGlobalNorm } from '../../src/optim/clip-by-global-norm.js';
import { compile } from '../../src/optim/compile.js';
import {
  allocateSlots,
  applyUpdates,
  createOptimizer,
  globalNormSquared,
  learningRateAt,
  optimizerSlotNames,
  optimizerStep,
} from '../../src/optim/optimizer.js';
import { expectClose, f32 } from './helpers.js';

describe('globalNormSquared', () => {
  it('sums squares over a range, so shard partial sums add up to the whole', () => {
    const u = f32(1, 2, 3, 4);
    // 1 + 4 + 9 + 16 = 30
    expect(globalNormSquared(u)).toBe(30);
    // [0, 1) → 1 + 4 = 5; [2, 4) → 9 + 16 = 25
    expect(globalNormSquared(u, 0, 2)).toBe(5);
    expect(globalNormSquared(u, 2, 4)).toBe(25);
  });
});

describe('applyUpdates', () => {
  it('adds the updates to the parameters', () => {
    const p = f32(1, 2);
    applyUpdates(p, f32(0.5, -3));
    expectClose(p, [1.5, -1]);
  });
});

describe('optimizerSlotNames', () => {
  it('lists the slots to allocate', () => {
    expect(optimizerSlotNames(adam({ lr: 1 }))).toEqual(['scaleByAdam.mu', 'scaleByAdam.nu']);
    expect(optimizerSlotNames(sgd({ lr: 1 }))).toEqual([]);
    expect(Object.keys(allocateSlots(momentum({ lr: 1 }), 3))).toEqual(['trace.v']);
    expect(allocateSlots(momentum({ lr: 1 }), 3)['trace.v']).toEqual(new Float32Array(3));
  });
});

describe('optimizerStep', () => {
  it('updates each shard the same as the whole vector', () => {
    const spec = chain(clipByGlobalNorm({ maxNorm: 1 }), momentum({ lr: 0.1 }));
    const t = compile(spec);
    const whole = { p: f32(1, 2, 3, 4), s: allocateSlots(t, 4) };
    const sharded = { p: f32(1, 2, 3, 4), s: allocateSlots(t, 4) };
    for (let step = 1; step <= 3; step++) {
      const g = f32(3, -4, 12, 0);
      // ‖g‖ = 13, computed once over all shards
      const norm = Math.sqrt(globalNormSquared(g, 0, 2) + globalNormSquared(g, 2, 4));
      expect(norm).toBe(13);
      optimizerStep(t, g.slice(), whole.s, whole.p, { step, gradNorm: norm });
      for (const [a, b] of [
        [0, 2],
        [2, 4],
      ]) {
        const shardSlots = { 'trace.v': sharded.s['trace.v'].subarray(a, b) };
        optimizerStep(t, g.slice(a, b), shardSlots, sharded.p.subarray(a, b), { step, gradNorm: norm });
      }
    }
    expect(sharded.p).toEqual(whole.p);
    // step 1 moves p by −0.1·g/13: p[0] = 1 − 0.1·3/13 ≈ 0.97692
    expect(whole.p[0]).toBeLessThan(1);
  });

  it('names the buffer whose length differs', () => {
    const t = compile(momentum({ lr: 0.1 }));
    const s = allocateSlots(t, 2);
    const err = (fn: () => void) =>
      expect(fn).toThrow(expect.objectContaining({ code: 'ERR_SHAPE_MISMATCH' }));
    err(() => optimizerStep(t, f32(1, 2, 3), s, f32(0, 0), { step: 1, gradNorm: 0 }));
    expect(() => optimizerStep(t, f32(1, 2, 3), s, f32(0, 0), { step: 1, gradNorm: 0 })).toThrow(
      'optimizerStep: updates has length 3, expected 2',
    );
    expect(() =>
      optimizerStep(t, f32(1), { 'trace.v': f32(0) }, f32(0, 0), { step: 1, gradNorm: 0 }),
    ).toThrow('optimizerStep: updates has length 1, expected 2');
    expect(() =>
      optimizerStep(t, f32(1, 2), { 'trace.v': f32(0) }, f32(0, 0), { step: 1, gradNorm: 0 }),
    ).toThrow('optimizerStep: slots["trace.v"] has length 1, expected 2');
  });

  it('rejects a missing slot and a step below 1', () => {
    const t = compile(momentum({ lr: 0.1 }));
    expect(() => optimizerStep(t, f32(1), {}, f32(0), { step: 1, gradNorm: 0 })).toThrow(
      'optimizerStep: slots["trace.v"] must be a Float32Array, got []',
    );
    expect(() => optimizerStep(t, f32(1), allocateSlots(t, 1), f32(0), { step: 0, gradNorm: 0 })).toThrow(
      'optimizerStep: ctx.step must be an integer in [1, ∞), got 0',
    );
  });
});

describe('createOptimizer', () => {
  it('steps in place on the gradient buffer and counts updates', () => {
    const params = f32(1, -1);
    const grads = f32(0, 0);
    const opt = createOptimizer(sgd({ lr: 0.5 }), { params, grads });
    grads.set([2, 4]);
    opt.step();
    // p = [1 − 0.5·2, −1 − 0.5·4] = [0, −3]; sgd fuses, so the gradient buffer keeps the gradient
    expectClose(params, [0, -3]);
    expectClose(grads, [2, 4]);
    expect(opt.count).toBe(1);
    grads.set([2, 4]);
    opt.step(0.25);
    // lrOverride 0.25: p = [0 − 0.5, −3 − 1] = [−0.5, −4]
    expectClose(params, [-0.5, -4]);
    expect(opt.count).toBe(2);
  });

  it('computes the gradient norm when a transform needs it', () => {
    const params = f32(0, 0);
    const grads = f32(30, 40);
    createOptimizer(chain(clipByGlobalNorm({ maxNorm: 5 }), sgd({ lr: 1 })), { params, grads }).step();
    // ‖g‖ = 50 → g·5/50.000001 = [2.9999999, 3.9999999]; p = −that
    expectClose(params, [-3, -4], 1e-6);
  });

  it('resumes the step count for bias correction and schedules', () => {
    const run = (count: number) => {
      const params = f32(0);
      const grads = f32(1);
      const opt = createOptimizer(adam({ lr: 1 }), {
        params,
        grads,
        count,
        slots: { 'scaleByAdam.mu': f32(0.1), 'scaleByAdam.nu': f32(0.001) },
      });
      opt.step();
      return params[0];
    };
    // Resumed after one update with g = 1: m = 0.1, v = 0.001 → second step m = 0.19, v = 0.001999,
    // m̂ = 0.19/0.19 = 1, v̂ = 1 → p = −1. Without the count (treated as step 1) m̂ = 1.9, v̂ = 1.999 → −1.3438.
    expect(run(1)).toBeCloseTo(-1, 6);
    expect(run(0)).toBeCloseTo(-1.9 / Math.sqrt(1.999), 5);
  });

  it('checks the buffers once, naming the mismatched one', () => {
    expect(() => createOptimizer(sgd({ lr: 1 }), { params: f32(0, 0), grads: f32(0) })).toThrow(
      'createOptimizer: grads has length 1, expected 2',
    );
    expect(() =>
      createOptimizer(adam({ lr: 1 }), {
        params: f32(0, 0),
        grads: f32(0, 0),
        slots: { 'scaleByAdam.mu': f32(0, 0), 'scaleByAdam.nu': f32(0) },
      }),
    ).toThrow(
      expect.objectContaining({
        code: 'ERR_SHAPE_MISMATCH',
        message: expect.stringContaining('scaleByAdam.nu'),
      }),
    );
  });
});

describe('learningRateAt', () => {
  it('reports the scheduled lr of an update', () => {
    const spec = sgd({ lr: { kind: 'step', init: 1, every: 2, gamma: 0.1 } });
    // updates 1, 2 → count 0, 1 → 1; update 3 → count 2 → 0.1
    expect(learningRateAt(spec, 1)).toBe(1);
    expect(learningRateAt(spec, 2)).toBe(1);
    expect(learningRateAt(spec, 3)).toBeCloseTo(0.1, 15);
    expect(learningRateAt(spec, 3, 0.5)).toBe(0.5);
    expect(learningRateAt(clipByGlobalNorm({ maxNorm: 1 }), 1)).toBeUndefined();
  });
});
