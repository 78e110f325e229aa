import { describe, expect, it } from 'vitest';
import { compile } from '../../src/optim/compile.js';
import { scaleByLearningRate } from '../../src/optim/scale-by-learning-rate.js';
import { ctx, expectClose, f32 } from './helpers.js';

describe('scaleByLearningRate', () => {
  describe('#update', () => {
    it('multiplies by −lr for a constant lr', () => {
      const t = compile(scaleByLearningRate(0.5));
      const u = f32(2, -4);
      t.update(u, {}, f32(0, 0), ctx(1));
      // −0.5·[2, −4] = [−1, 2]
      expectClose(u, [-1, 2]);
      const u2 = f32(1, 1);
      t.update(u2, {}, f32(0, 0), ctx(2));
      // constant: −0.5·[1, 1]
      expectClose(u2, [-0.5, -0.5]);
    });

    it('evaluates a schedule at count = step − 1', () => {
      const t = compile(scaleByLearningRate({ kind: 'step', init: 1, every: 1, gamma: 0.5 }));
      const u1 = f32(2);
      t.update(u1, {}, f32(0), ctx(1));
      // step 1 → count 0 → lr = 1·0.5⁰ = 1 → u = −2
      expectClose(u1, [-2]);
      const u2 = f32(2);
      t.update(u2, {}, f32(0), ctx(2));
      // step 2 → count 1 → lr = 0.5 → u = −1
      expectClose(u2, [-1]);
    });

    it('uses ctx.lrOverride instead of the schedule when set', () => {
      const t = compile(scaleByLearningRate({ kind: 'constant', value: 1 }));
      const u = f32(2);
      t.update(u, {}, f32(0), ctx(5, { lrOverride: 0.1 }));
      // −0.1·2
      expectClose(u, [-0.2]);
    });
  });

  it('rejects lr ≤ 0, NaN and malformed schedules', () => {
    expect(() => scaleByLearningRate(0)).toThrow('scaleByLearningRate: lr must be a number in (0, ∞), got 0');
    expect(() => scaleByLearningRate(Number.NaN)).toThrow('got NaN');
    expect(() => scaleByLearningRate({ kind: 'step', init: 1, every: 0, gamma: 0.5 })).toThrow(
      'scaleByLearningRate: lr.every must be an integer in [1, ∞), got 0',
    );
  });
});
