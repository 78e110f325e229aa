import { describe, expect, it } from 'vitest';
import { compile } from '../../src/optim/compile.js';
import { scale } from '../../src/optim/scale.js';
import { ctx, expectClose, f32 } from './helpers.js';

describe('scale', () => {
  describe('#update', () => {
    it('multiplies the updates by the factor on every step', () => {
      const t = compile(scale(3));
      const u = f32(1, -2, 0.5);
      t.update(u, {}, f32(0, 0, 0), ctx(1));
      // step 1: 3·[1, −2, 0.5] = [3, −6, 1.5]
      expectClose(u, [3, -6, 1.5]);
      t.update(u, {}, f32(0, 0, 0), ctx(2));
      // step 2 (stateless): 3·[3, −6, 1.5] = [9, −18, 4.5]
      expectClose(u, [9, -18, 4.5]);
      expect(t.slots).toEqual([]);
    });
  });

  it('rejects a non-finite factor, naming it', () => {
    expect(() => scale(Number.NaN)).toThrow('scale: factor must be a number in (-∞, ∞), got NaN');
  });
});
