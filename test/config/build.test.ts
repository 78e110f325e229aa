import { describe, expect, it } from 'vitest';
import { buildRun, MNIST_SHAPE, modelFromConfig } from '../../src/config/build.js';
import { parseConfig } from '../../src/config/validate.js';
import { mlp } from '../../src/nn/mlp.js';
import { adam, momentum } from '../../src/optim/alias.js';
import { cosineSchedule, warmupSchedule } from '../../src/optim/schedules.js';
import { createPlan } from '../../src/pipeline/plan.js';

describe('buildRun', () => {
  it('builds the default job: MLP 784-100-100-10 with He init and Adam', () => {
    const run = buildRun(parseConfig({}));
    expect(run.model).toEqual(mlp({ sizes: [784, 100, 100, 10], activation: 'relu', init: 'he' }));
    expect(run.optimizer).toEqual(adam({ lr: 0.001 }));
    expect(run.lr).toBe(0.001);
    const plan = createPlan(run.plan);
    expect(plan).toMatchObject({ batchSize: 100, lanes: 2, mode: 'sync', seed: 1, nonFinite: 'stop' });
  });

  it('maps every model and optimizer field onto the library factories', () => {
    const config = parseConfig({
      model: {
        hidden: [50],
        activation: 'sigmoid',
        init: { std: 0.01 },
        batchNorm: { momentum: 0.2 },
        dropout: 0.3,
        weightDecay: 0.1,
      },
      optimizer: { name: 'momentum', lr: 0.1, momentum: 0.5, weightDecay: 0.01 },
      mode: 'async',
      staleness: 2,
      microBatches: 5,
      seed: 9,
    });
    const run = buildRun(config);
    expect(run.model).toEqual(
      mlp({
        sizes: [784, 50, 10],
        activation: 'sigmoid',
        init: { kind: 'std', std: 0.01 },
        batchNorm: { momentum: 0.2 },
        dropout: 0.3,
        weightDecay: 0.1,
      }),
    );
    expect(run.optimizer).toEqual(momentum({ lr: 0.1, momentum: 0.5, weightDecay: 0.01 }));
    expect(run.plan).toMatchObject({ mode: 'async', staleness: 2, microBatches: 5, seed: 9 });
  });

  it('expands the schedule from optimizer.lr', () => {
    const config = parseConfig({
      optimizer: {
        lr: 0.002,
        schedule: { kind: 'warmup', steps: 10, schedule: { kind: 'cosine', steps: 90 } },
      },
    });
    const lr = warmupSchedule({ steps: 10, schedule: cosineSchedule({ init: 0.002, steps: 90 }) });
    expect(buildRun(config).lr).toEqual(lr);
    expect(buildRun(config).optimizer).toEqual(adam({ lr }));
  });

  it('takes input and class counts from the data shape, and refuses sizes that contradict it', () => {
    expect(
      buildRun(parseConfig({ model: { hidden: [8] } }), { inputSize: 12, classes: 3 }).model.sizes,
    ).toEqual([12, 8, 3]);
    const config = parseConfig({ model: { sizes: [100, 10] } }, { checkFiles: false });
    expect(() => modelFromConfig(config.model, MNIST_SHAPE)).toThrow(
      "config: model.sizes must be [784, …, 10] (the data's features and classes), got [100,10]",
    );
  });

  it('takes model.sizes as they are when no data shape is given (validation checked them against the files)', () => {
    // Before: sizes were checked against MNIST's 784 × 10, so an IDX set of other features could not
    // be trained through the CLI (its job builds the run without the data's shape).
    const config = parseConfig({ model: { sizes: [16, 8, 10] } }, { checkFiles: false });
    expect(buildRun(config).model.sizes).toEqual([16, 8, 10]);
    expect(buildRun(parseConfig({}, { checkFiles: false })).model.sizes).toEqual([784, 100, 100, 10]);
  });
});
