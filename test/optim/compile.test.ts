import { describe, expect, it } from 'vitest';
import { GradstreamError } from '../../src/errors.js';
import { compile, TRANSFORM_KINDS } from '../../src/optim/compile.js';
import { ctx, expectClose, f32 } from './helpers.js';

describe('compile', () => {
  it('builds a transform from JSON, filling defaults', () => {
    const t = compile(JSON.parse('{"kind":"scaleByAdam"}'));
    expect(t.slots).toEqual(['mu', 'nu']);
    const s = { mu: f32(0), nu: f32(0) };
    const u = f32(-3);
    t.update(u, s, f32(0), ctx(1));
    // first Adam step: sign of the gradient
    expectClose(u, [-1]);
  });

  it('lists the allowed kinds for an unknown kind', () => {
    expect(() => compile({ kind: 'lion' })).toThrow(
      `compile: unknown transform kind "lion"; allowed: ${TRANSFORM_KINDS.join(', ')}`,
    );
    expect(() => compile({ kind: 'lion' })).toThrow(expect.objectContaining({ code: 'ERR_UNKNOWN_KIND' }));
  });

  it('rejects a field the kind does not have', () => {
    expect(() => compile({ kind: 'scaleByAdam', beta1: 0.9 })).toThrow(
      'scaleByAdam: each field must be one of kind, b1, b2, eps, got "beta1"',
    );
  });

  it('validates hyperparameters again', () => {
    expect(() => compile({ kind: 'scaleByAdam', b1: 1.2 })).toThrow(
      'scaleByAdam: b1 must be a number in [0, 1), got 1.2',
    );
    expect(() => compile({ kind: 'scaleByLearningRate', lr: -1 })).toThrow(GradstreamError);
    expect(() => compile({ kind: 'scaleByLearningRate', lr: { kind: 'linear' } })).toThrow(
      'scaleByLearningRate: unknown lr kind "linear"; allowed: constant, step, exponential, cosine, warmup',
    );
  });

  it('rejects a spec that is not an object', () => {
    expect(() => compile(null as never)).toThrow('compile: spec must be a transform spec object, got null');
  });
});
