import { describe, expect, it } from 'vitest';
import { compile } from '../../src/optim/compile.js';
import { allocateSlots } from '../../src/optim/optimizer.js';
import { scaleByAdagrad } from '../../src/optim/scale-by-adagrad.js';
import { ctx, expectClose, f32 } from './helpers.js';

describe('scaleByAdagrad', () => {
  describe('#update', () => {
    it('divides by the root of the summed squares', () => {
      const t = compile(scaleByAdagrad());
      const s = allocateSlots(t, 2);
      const u = f32(3, -4);
      t.update(u, s, f32(0, 0), ctx(1));
      // step 1: h = [9, 16]; u = [3/3, −4/4] = [1, −1] (eps 1e-10 is negligible)
      expectClose(s.h, [9, 16]);
      expectClose(u, [1, -1]);
      u.set([4, 3]);
      t.update(u, s, f32(0, 0), ctx(2));
      // step 2: h = [9 + 16, 16 + 9] = [25, 25]; u = [4/5, 3/5]
      expectClose(s.h, [25, 25]);
      expectClose(u, [0.8, 0.6]);
    });

    it('adds eps after the square root', () => {
      const t = compile(scaleByAdagrad({ eps: 1 }));
      const s = allocateSlots(t, 1);
      const u = f32(3);
      t.update(u, s, f32(0), ctx(1));
      // h = 9; u = 3 / (√9 + 1) = 0.75
      expectClose(u, [0.75]);
    });
  });

  it('rejects eps ≤ 0', () => {
    expect(() => scaleByAdagrad({ eps: 0 })).toThrow('scaleByAdagrad: eps must be a number in (0, ∞), got 0');
  });
});
