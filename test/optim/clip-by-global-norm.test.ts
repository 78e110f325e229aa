import { describe, expect, it } from 'vitest';
import { chain } from '../../src/optim/chain.js';
import { clipByGlobalNorm } from '../../src/optim/clip-by-global-norm.js';
import { compile } from '../../src/optim/compile.js';
import { scale } from '../../src/optim/scale.js';
import { ctx, expectClose, f32 } from './helpers.js';

describe('clipByGlobalNorm', () => {
  describe('#update', () => {
    it('rescales to maxNorm when the norm is larger', () => {
      const t = compile(clipByGlobalNorm({ maxNorm: 1 }));
      const u = f32(3, 4);
      t.update(u, {}, f32(0, 0), ctx(1, { gradNorm: 5 }));
      // factor = 1/(5 + 1e-6) = 0.19999996; u = [0.59999988, 0.79999984]
      expectClose(u, [0.59999988, 0.79999984], 1e-7);
      const u2 = f32(6, 8);
      t.update(u2, {}, f32(0, 0), ctx(2, { gradNorm: 10 }));
      // factor = 1/(10 + 1e-6); u = [0.59999994, 0.79999992]
      expectClose(u2, [0.59999994, 0.79999992], 1e-7);
    });

    it('leaves the updates alone when the norm is within maxNorm', () => {
      const t = compile(clipByGlobalNorm({ maxNorm: 1 }));
      const u = f32(0.3, 0.4);
      t.update(u, {}, f32(0, 0), ctx(1, { gradNorm: 0.5 }));
      // factor = 1/0.500001 > 1, so no change
      expectClose(u, [0.3, 0.4]);
    });
  });

  it('asks the runtime for the gradient norm', () => {
    expect(compile(clipByGlobalNorm({ maxNorm: 1 })).needsGradNorm).toBe(true);
    expect(compile(chain(clipByGlobalNorm({ maxNorm: 1 }), scale(2))).needsGradNorm).toBe(true);
    expect(compile(scale(2)).needsGradNorm).toBe(false);
  });

  it('must be the first item of a chain', () => {
    expect(() => chain(scale(2), clipByGlobalNorm({ maxNorm: 1 }))).toThrow(
      'chain: clipByGlobalNorm index must be 0 (it uses the norm of the raw gradient), got 1',
    );
    const raw = {
      kind: 'chain',
      items: [
        { kind: 'scale', factor: 2 },
        { kind: 'clipByGlobalNorm', maxNorm: 1 },
      ],
    };
    expect(() => compile(raw)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_OPTION' }));
  });

  it('rejects maxNorm ≤ 0', () => {
    expect(() => clipByGlobalNorm({ maxNorm: 0 })).toThrow(
      'clipByGlobalNorm: maxNorm must be a number in (0, ∞), got 0',
    );
  });
});
