import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/validate.js';
import { checkCompatible } from '../../src/store/check-compatible.js';
import { makeCheckpoint } from './checkpoint-fixture.js';

const base = { model: { hidden: [16], batchNorm: true } };
const config = (input: object) => parseConfig(input, { checkFiles: false });

describe('checkCompatible', () => {
  it('accepts the config the checkpoint was made with, without warnings', () => {
    expect(checkCompatible(makeCheckpoint(base), config(base))).toEqual([]);
    // Training longer is the point of resuming: no warning either.
    expect(checkCompatible(makeCheckpoint(base), config({ ...base, epochs: 10, steps: 5000 }))).toEqual([]);
  });

  it('refuses a different model shape, naming the file and both values', () => {
    const fn = () =>
      checkCompatible(
        makeCheckpoint(base),
        config({ model: { hidden: [32], batchNorm: true } }),
        'runs/x/ckpt.gsc',
      );
    expect(fn).toThrow(
      expect.objectContaining({
        code: 'ERR_CHECKPOINT',
        message: expect.stringMatching(
          /^checkpoint runs\/x\/ckpt\.gsc does not match the config: model\.sizes is 784-16-10 in the checkpoint but 784-32-10 in the config; parameter count is 12764 in the checkpoint but 25516 in the config; buffer count is 32 in the checkpoint but 64 in the config$/,
        ),
      }),
    );
  });

  it('refuses a different activation, batch-norm setting or optimizer state', () => {
    const c = makeCheckpoint(base);
    expect(() => checkCompatible(c, config({ model: { ...base.model, activation: 'sigmoid' } }))).toThrow(
      'model.activation is "relu" in the checkpoint but "sigmoid" in the config',
    );
    expect(() => checkCompatible(c, config({ model: { hidden: [16] } }))).toThrow(
      'model.batchNorm is true in the checkpoint but false in the config',
    );
    expect(() => checkCompatible(c, config({ ...base, optimizer: { name: 'momentum', lr: 0.1 } }))).toThrow(
      'optimizer state slots is "scaleByAdam.mu, scaleByAdam.nu" in the checkpoint but "trace.v" in the config',
    );
  });

  it('refuses a checkpoint whose slot lengths disagree with its parameters', () => {
    const c = makeCheckpoint(base);
    const broken = { ...c, slots: { ...c.slots, 'scaleByAdam.mu': new Float32Array(3) } };
    expect(() => checkCompatible(broken, config(base))).toThrow(
      'optimizer slot scaleByAdam.mu has 3 values, not 12764',
    );
  });

  it('warns about allowed differences that make the resumed run inexact', () => {
    const warnings = checkCompatible(
      makeCheckpoint(base),
      config({ ...base, batchSize: 50, optimizer: { lr: 0.01 } }),
    );
    expect(warnings).toEqual([
      "optimizer.lr differs from the checkpoint's (0.001): the resumed run will not match an uninterrupted one",
      "batchSize differs from the checkpoint's (100): the resumed run will not match an uninterrupted one",
    ]);
  });
});
