import { describe, expect, it } from 'vitest';
import { addDecayedWeights } from '../../src/optim/add-decayed-weights.js';
import { compile } from '../../src/optim/compile.js';
import { ctx, expectClose, f32 } from './helpers.js';

describe('addDecayedWeights', () => {
  describe('#update', () => {
    it('adds wd·p to the updates', () => {
      const t = compile(addDecayedWeights({ weightDecay: 0.1 }));
      const p = f32(10, -20);
      const u = f32(1, 2);
      t.update(u, {}, p, ctx(1));
      // [1 + 0.1·10, 2 + 0.1·(−20)] = [2, 0]
      expectClose(u, [2, 0]);
      t.update(u, {}, p, ctx(2));
      // [2 + 1, 0 − 2] = [3, −2]; p is read, never written
      expectClose(u, [3, -2]);
      expectClose(p, [10, -20]);
    });
  });

  it('rejects a negative weightDecay', () => {
    expect(() => addDecayedWeights({ weightDecay: -1 })).toThrow(
      'addDecayedWeights: weightDecay must be a number in [0, ∞), got -1',
    );
  });
});
