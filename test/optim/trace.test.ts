import { describe, expect, it } from 'vitest';
import { compile } from '../../src/optim/compile.js';
import { allocateSlots } from '../../src/optim/optimizer.js';
import { trace } from '../../src/optim/trace.js';
import { ctx, expectClose, f32 } from './helpers.js';

describe('trace', () => {
  describe('#update', () => {
    it('accumulates v = μv + g and outputs v', () => {
      const t = compile(trace({ decay: 0.9 }));
      const s = allocateSlots(t, 2);
      const u = f32(1, -2);
      t.update(u, s, f32(0, 0), ctx(1));
      // step 1: v = 0.9·0 + [1, −2] = [1, −2]; u = v
      expectClose(u, [1, -2]);
      expectClose(s.v, [1, -2]);
      u.set([0.5, 1]);
      t.update(u, s, f32(0, 0), ctx(2));
      // step 2: v = 0.9·[1, −2] + [0.5, 1] = [1.4, −0.8]
      expectClose(u, [1.4, -0.8]);
      expectClose(s.v, [1.4, -0.8]);
    });

    it('outputs g + μv with nesterov', () => {
      const t = compile(trace({ decay: 0.9, nesterov: true }));
      const s = allocateSlots(t, 2);
      const u = f32(1, -2);
      t.update(u, s, f32(0, 0), ctx(1));
      // step 1: v = [1, −2]; u = g + 0.9·v = [1.9, −3.8]
      expectClose(u, [1.9, -3.8]);
      u.set([0.5, 1]);
      t.update(u, s, f32(0, 0), ctx(2));
      // step 2: v = [1.4, −0.8]; u = [0.5 + 1.26, 1 − 0.72] = [1.76, 0.28]
      expectClose(u, [1.76, 0.28]);
    });
  });

  it('declares one slot, v', () => {
    expect(compile(trace()).slots).toEqual(['v']);
  });

  it('rejects a decay outside [0, 1)', () => {
    expect(() => trace({ decay: 1 })).toThrow('trace: decay must be a number in [0, 1), got 1');
  });
});
