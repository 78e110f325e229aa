import { describe, expect, it } from 'vitest';
import { adam, adamw, momentum, sgd } from '../../src/optim/alias.js';
import { OPTIMIZER_NAMES, optimizerFromConfig } from '../../src/optim/from-config.js';

describe('optimizerFromConfig', () => {
  it('maps camelCase config fields onto the recipes', () => {
    expect(optimizerFromConfig({ name: 'adam', lr: 0.001, beta1: 0.8, beta2: 0.99, eps: 1e-6 })).toEqual(
      adam({ lr: 0.001, b1: 0.8, b2: 0.99, eps: 1e-6 }),
    );
    expect(optimizerFromConfig({ name: 'momentum', lr: 0.1, momentum: 0.5, weightDecay: 0.01 })).toEqual(
      momentum({ lr: 0.1, momentum: 0.5, weightDecay: 0.01 }),
    );
    expect(optimizerFromConfig({ name: 'adamw', lr: 0.1 })).toEqual(adamw({ lr: 0.1, weightDecay: 0.01 }));
    expect(optimizerFromConfig({ name: 'sgd', lr: 0.1, momentum: undefined })).toEqual(sgd({ lr: 0.1 }));
  });

  it('lists the names for an unknown optimizer', () => {
    const fn = () => optimizerFromConfig({ name: 'lion', lr: 0.1 });
    expect(fn).toThrow(
      `optimizerFromConfig: unknown optimizer "lion"; allowed: ${OPTIMIZER_NAMES.join(', ')}`,
    );
    expect(fn).toThrow(expect.objectContaining({ code: 'ERR_UNKNOWN_KIND' }));
    expect(() => optimizerFromConfig({ name: 'toString', lr: 0.1 })).toThrow('unknown optimizer "toString"');
  });

  it('rejects lr ≤ 0 and NaN, naming the optimizer', () => {
    expect(() => optimizerFromConfig({ name: 'adam', lr: -1 })).toThrow(
      'adam: lr must be a number in (0, ∞), got -1',
    );
    expect(() => optimizerFromConfig({ name: 'sgd', lr: 0 })).toThrow(
      'sgd: lr must be a number in (0, ∞), got 0',
    );
    expect(() => optimizerFromConfig({ name: 'rmsprop', lr: Number.NaN })).toThrow(
      expect.objectContaining({
        code: 'ERR_INVALID_OPTION',
        message: 'rmsprop: lr must be a number in (0, ∞), got NaN',
      }),
    );
  });

  it('rejects out-of-range hyperparameters', () => {
    expect(() => optimizerFromConfig({ name: 'adam', lr: 0.1, beta1: 1.2 })).toThrow(
      'adam: b1 must be a number in [0, 1), got 1.2',
    );
    expect(() => optimizerFromConfig({ name: 'momentum', lr: 0.1, momentum: 1 })).toThrow(
      'momentum: momentum must be a number in [0, 1), got 1',
    );
    expect(() => optimizerFromConfig({ name: 'rmsprop', lr: 0.1, alpha: 2 })).toThrow(
      'rmsprop: alpha must be a number in [0, 1), got 2',
    );
    expect(() => optimizerFromConfig({ name: 'sgd', lr: 0.1, weightDecay: -0.1 })).toThrow(
      'sgd: weightDecay must be a number in [0, ∞), got -0.1',
    );
  });

  it('rejects a hyperparameter the optimizer does not use', () => {
    expect(() => optimizerFromConfig({ name: 'adam', lr: 0.1, momentum: 0.9 })).toThrow(
      'adam: momentum must be absent (adam takes lr, beta1, beta2, eps), got 0.9',
    );
  });
});
