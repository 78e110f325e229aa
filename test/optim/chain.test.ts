import { describe, expect, it } from 'vitest';
import { adam, nesterov } from '../../src/optim/alias.js';
import { chain, flattenChain } from '../../src/optim/chain.js';
import { clipByGlobalNorm } from '../../src/optim/clip-by-global-norm.js';
import { compile } from '../../src/optim/compile.js';
import { allocateSlots } from '../../src/optim/optimizer.js';
import { scale } from '../../src/optim/scale.js';
import { trace } from '../../src/optim/trace.js';
import { ctx, expectClose, f32 } from './helpers.js';

describe('chain', () => {
  it('is plain data', () => {
    const spec = chain(scale(2), trace({ decay: 0.5 }));
    expect(JSON.parse(JSON.stringify(spec))).toEqual({
      kind: 'chain',
      items: [
        { kind: 'scale', factor: 2 },
        { kind: 'trace', decay: 0.5, nesterov: false },
      ],
    });
  });

  it('flattens nested chains', () => {
    const spec = chain(clipByGlobalNorm({ maxNorm: 1 }), adam({ lr: 0.1 }));
    expect(flattenChain(spec).map((s) => s.kind)).toEqual([
      'clipByGlobalNorm',
      'scaleByAdam',
      'scaleByLearningRate',
    ]);
  });

  describe('#update', () => {
    it('runs the items left to right', () => {
      const t = compile(chain(scale(2), trace({ decay: 0.5 }), scale(-1)));
      const s = allocateSlots(t, 1);
      const u = f32(1);
      t.update(u, s, f32(0), ctx(1));
      // 2·1 = 2; v = 0.5·0 + 2 = 2; −1·2 = −2
      expectClose(u, [-2]);
      u[0] = 1;
      t.update(u, s, f32(0), ctx(2));
      // 2; v = 0.5·2 + 2 = 3; −3 (the other order, trace first, would give v = 2, u = −4)
      expectClose(u, [-3]);
    });
  });

  describe('#slots', () => {
    it('prefixes each item slot with its kind', () => {
      expect(compile(adam({ lr: 1e-3 })).slots).toEqual(['scaleByAdam.mu', 'scaleByAdam.nu']);
      expect(compile(nesterov({ lr: 0.1 })).slots).toEqual(['trace.v']);
    });

    it('numbers a kind used twice', () => {
      expect(compile(chain(trace(), trace())).slots).toEqual(['trace.v', 'trace_2.v']);
    });

    it('keeps the state of repeated kinds apart', () => {
      const t = compile(chain(trace({ decay: 0.5 }), trace({ decay: 0.5 })));
      const s = allocateSlots(t, 1);
      const u = f32(1);
      t.update(u, s, f32(0), ctx(1));
      // first: v1 = 1, u = 1; second: v2 = 1, u = 1
      u[0] = 1;
      t.update(u, s, f32(0), ctx(2));
      // first: v1 = 0.5 + 1 = 1.5; second: v2 = 0.5·1 + 1.5 = 2
      expectClose(s['trace.v'], [1.5]);
      expectClose(s['trace_2.v'], [2]);
      expectClose(u, [2]);
    });
  });

  it('rejects items that are not specs', () => {
    expect(() => compile({ kind: 'chain', items: 'adam' })).toThrow(
      'chain: items must be an array of transform specs',
    );
  });
});
