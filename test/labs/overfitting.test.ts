import { describe, expect, it } from 'vitest';
import { tailGap } from '../../src/labs/overfitting.js';
import { runLab } from '../../src/labs/run-lab.js';
import { quickOptions } from './helpers.js';

describe('overfitting (quick)', () => {
  it('leaves a larger train/test gap without regularization than with weight decay or dropout (figures 6-20 to 6-23)', async () => {
    const { data, config } = await runLab('overfitting', quickOptions());
    const run = (v: string) => data.runs.find((r) => r.variant === v)!;
    expect(run('none').train).toHaveLength(config.epochs);
    expect(run('none').test).toHaveLength(config.epochs);
    expect(run('none').meanGap).toBeGreaterThan(run('weight-decay').meanGap);
    expect(run('none').meanGap).toBeGreaterThan(run('dropout').meanGap);
    // The unregularised net (nearly) memorises its 300 images.
    expect(run('none').train.at(-1)!).toBeGreaterThan(0.9);
  });
});

describe('tailGap', () => {
  it('averages train − test over the last tenth of the epochs, at least 5', () => {
    const train = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1];
    const test = [0, 0, 0, 0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.7];
    expect(tailGap(train, test)).toBeCloseTo((0.5 * 4 + 0.3) / 5, 12);
  });
});

describe('a failed training run', () => {
  it('is named above the tables instead of passing for a result', async () => {
    const { markdown, data } = await runLab('overfitting', {
      ...quickOptions(),
      config: { variants: ['none'], epochs: 2, lr: 1e6, testLimit: 100 },
    });
    expect(data.runs[0].error).toMatch(/non-finite|NaN|Infinity/i);
    expect(markdown).toContain('**1 training run(s) failed:**');
    expect(markdown).toContain('- overfitting/none: ');
  });
});
