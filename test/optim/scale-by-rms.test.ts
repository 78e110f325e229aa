import { describe, expect, it } from 'vitest';
import { compile } from '../../src/optim/compile.js';
import { allocateSlots } from '../../src/optim/optimizer.js';
import { scaleByRms } from '../../src/optim/scale-by-rms.js';
import { ctx, expectClose, f32 } from './helpers.js';

describe('scaleByRms', () => {
  describe('#update', () => {
    it('divides by the root of the moving average of g²', () => {
      const t = compile(scaleByRms({ decay: 0.5 }));
      const s = allocateSlots(t, 2);
      const u = f32(2, -4);
      t.update(u, s, f32(0, 0), ctx(1));
      // step 1: ν = 0.5·0 + 0.5·[4, 16] = [2, 8]; u = [2/√2, −4/√8] = [√2, −√2]
      expectClose(s.nu, [2, 8]);
      expectClose(u, [Math.SQRT2, -Math.SQRT2]);
      u.set([2, 0]);
      t.update(u, s, f32(0, 0), ctx(2));
      // step 2: ν = 0.5·[2, 8] + 0.5·[4, 0] = [3, 4]; u = [2/√3, 0]
      expectClose(s.nu, [3, 4]);
      expectClose(u, [2 / Math.sqrt(3), 0]);
    });
  });

  it('has torch defaults α = 0.99, eps = 1e-8', () => {
    expect(scaleByRms()).toEqual({ kind: 'scaleByRms', decay: 0.99, eps: 1e-8 });
  });

  it('rejects a decay outside [0, 1)', () => {
    expect(() => scaleByRms({ decay: -0.1 })).toThrow(
      'scaleByRms: decay must be a number in [0, 1), got -0.1',
    );
  });
});
