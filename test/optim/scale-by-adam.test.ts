import { describe, expect, it } from 'vitest';
import { compile } from '../../src/optim/compile.js';
import { allocateSlots } from '../../src/optim/optimizer.js';
import { scaleByAdam } from '../../src/optim/scale-by-adam.js';
import { ctx, expectClose, f32 } from './helpers.js';

describe('scaleByAdam', () => {
  describe('#update', () => {
    it('bias-corrects the first step to the sign of the gradient', () => {
      const t = compile(scaleByAdam());
      const s = allocateSlots(t, 2);
      const u = f32(0.5, -2);
      t.update(u, s, f32(0, 0), ctx(1));
      // m = 0.1·g = [0.05, −0.2]; v = 0.001·g² = [0.00025, 0.004]
      // m̂ = m/0.1 = g; v̂ = v/0.001 = g²; u = g/(|g| + 1e-8) ≈ [1, −1]
      expectClose(s.mu, [0.05, -0.2]);
      expectClose(s.nu, [0.00025, 0.004]);
      expectClose(u, [1, -1]);
    });

    it('uses ctx.step for the bias correction of the second step', () => {
      const t = compile(scaleByAdam());
      const s = allocateSlots(t, 2);
      t.update(f32(0.5, -2), s, f32(0, 0), ctx(1));
      const u = f32(1, -2);
      t.update(u, s, f32(0, 0), ctx(2));
      // m = 0.9·[0.05, −0.2] + 0.1·[1, −2] = [0.145, −0.38]
      // v = 0.999·[0.00025, 0.004] + 0.001·[1, 4] = [0.00124975, 0.007996]
      // 1 − 0.9² = 0.19, 1 − 0.999² = 0.001999
      // m̂ = [0.763157894…, −2]; v̂ = [0.625187594…, 4]
      // u = m̂/(√v̂ + 1e-8) = [0.763157894/0.790688049, −2/2] = [0.965182014, −1]
      expectClose(s.mu, [0.145, -0.38]);
      expectClose(s.nu, [0.00124975, 0.007996]);
      expectClose(u, [0.965182014, -1]);
    });

    it('adds eps after the square root', () => {
      const t = compile(scaleByAdam({ eps: 1 }));
      const s = allocateSlots(t, 1);
      const u = f32(3);
      t.update(u, s, f32(0), ctx(1));
      // m̂ = 3, v̂ = 9: u = 3/(3 + 1) = 0.75 (eps inside the root would give 3/√10)
      expectClose(u, [0.75]);
    });
  });

  it('declares slots mu and nu', () => {
    expect(compile(scaleByAdam()).slots).toEqual(['mu', 'nu']);
  });

  it('rejects b1 outside [0, 1)', () => {
    expect(() => scaleByAdam({ b1: 1.2 })).toThrow('scaleByAdam: b1 must be a number in [0, 1), got 1.2');
  });
});
