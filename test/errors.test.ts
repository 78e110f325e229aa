// Bad input gets one clear error naming the field, the allowed values and what was received.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromArrays } from '../src/data/dataset.js';
import { readIdxFile } from '../src/data/idx.js';
import { GradstreamError } from '../src/errors.js';
import { mlp } from '../src/nn/mlp.js';
import { adam } from '../src/optim/alias.js';
import { optimizerFromConfig } from '../src/optim/from-config.js';
import { createOptimizer } from '../src/optim/optimizer.js';
import { createPlan } from '../src/pipeline/plan.js';
import { createTrainingSession } from '../src/pipeline/train.js';

function errorOf(f: () => unknown): GradstreamError {
  try {
    f();
  } catch (error) {
    if (error instanceof GradstreamError) return error;
    throw error;
  }
  throw new Error('expected a GradstreamError');
}

describe('errors on bad input', () => {
  it('names the unknown optimizer and lists the allowed ones', () => {
    const e = errorOf(() => optimizerFromConfig({ name: 'adamx', lr: 0.1 }));
    expect(e.code).toBe('ERR_UNKNOWN_KIND');
    expect(e.message).toMatch(/adamx/);
    expect(e.message).toMatch(/sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw/);
  });

  it.each([0, -1, Number.NaN])('rejects lr %s with the allowed range', (lr) => {
    const e = errorOf(() => adam({ lr }));
    expect(e.code).toBe('ERR_INVALID_OPTION');
    expect(e.message).toMatch(new RegExp(`adam: lr must be a number in \\(0, ∞\\), got ${lr}`));
  });

  it('rejects batch size 0', () => {
    const e = errorOf(() =>
      createPlan({ model: mlp({ sizes: [4, 2] }), optimizer: adam({ lr: 0.1 }), batchSize: 0, workers: 1 }),
    );
    expect(e.message).toBe('train: batchSize must be an integer ≥ 1, got 0');
  });

  it('rejects pipeline timing options out of range before allocating anything', () => {
    const train = fromArrays(
      [
        [0, 0, 0, 1],
        [1, 0, 0, 0],
      ],
      [0, 1],
    );
    const base = { model: mlp({ sizes: [4, 2] }), optimizer: adam({ lr: 0.1 }), train, steps: 1, workers: 1 };
    expect(errorOf(() => createTrainingSession({ ...base, snapshotEvery: 0 })).message).toBe(
      'train: snapshotEvery must be an integer ≥ 1, got 0',
    );
    expect(errorOf(() => createTrainingSession({ ...base, snapshotEvery: 2.5 })).code).toBe(
      'ERR_INVALID_OPTION',
    );
    expect(errorOf(() => createTrainingSession({ ...base, barrierSpinMs: -1 })).message).toMatch(
      /^train: barrierSpinMs must be .*got -1$/,
    );
    // The same check guards createPlan, whose plan is what a runner driven by hand is made from.
    const plan = (o: object) =>
      createPlan({ model: mlp({ sizes: [4, 2] }), optimizer: adam({ lr: 0.1 }), ...o });
    expect(errorOf(() => plan({ snapshotEvery: -5 })).message).toBe(
      'train: snapshotEvery must be an integer ≥ 1, got -5',
    );
    expect(plan({})).toMatchObject({ snapshotEvery: 50, barrierSpinMs: 0.15, lanes: 2, seed: 1 });
  });

  it('names the buffer whose length does not match the parameters', () => {
    const e = errorOf(() =>
      createOptimizer(adam({ lr: 0.1 }), { params: new Float32Array(8), grads: new Float32Array(7) }),
    );
    expect(e.code).toBe('ERR_SHAPE_MISMATCH');
    expect(e.message).toMatch(/grads has length 7, expected 8/);
  });

  it('names the IDX file and what is wrong: wrong magic, truncated', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradstream-idx-'));
    writeFileSync(join(dir, 'gzipped-idx3-ubyte'), Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4]));
    const magic = errorOf(() => readIdxFile(join(dir, 'gzipped-idx3-ubyte')));
    expect(magic.code).toBe('ERR_DATA_FORMAT');
    expect(magic.message).toMatch(/gzipped-idx3-ubyte.*magic/);
    writeFileSync(join(dir, 'short-idx1-ubyte'), Buffer.from([0, 0, 8, 1, 0, 0, 0, 10, 1, 2, 3]));
    const truncated = errorOf(() => readIdxFile(join(dir, 'short-idx1-ubyte')));
    expect(truncated.code).toBe('ERR_DATA_FORMAT');
    expect(truncated.message).toMatch(/short-idx1-ubyte.*truncated/);
  });
});
