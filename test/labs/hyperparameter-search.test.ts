import { describe, expect, it } from 'vitest';
import { isHopeless, log10Band, sampleTrials } from '../../src/labs/random-search.js';
import { runLab } from '../../src/labs/run-lab.js';
import { RunStore } from '../../src/store/run-store.js';
import { quickOptions, tempDir } from './helpers.js';

describe('hyperparameter-search (quick)', () => {
  it("narrows the best trials' learning rates to a band well inside the sampled range, each trial a stored run", async () => {
    const storeDir = tempDir('gradstream-labs-store-');
    const { data, config } = await runLab('hyperparameter-search', quickOptions({ storeDir }));
    expect(data.ranked).toHaveLength(config.trials);
    // 20% of the first 500 images for validation; the test set is never touched.
    expect([data.trainSize, data.validationSize]).toEqual([400, 100]);
    const width = ([a, b]: readonly [number, number]) => b - a;
    expect(width(data.lrBand.sampled)).toBeGreaterThan(3);
    expect(width(data.lrBand.top)).toBeLessThan(width(data.lrBand.sampled) / 2);
    expect(data.ranked[0].finalValidation).toBeGreaterThan(0.3);
    const store = RunStore.open({ dir: storeDir, readonly: true });
    try {
      const runs = store.listRuns();
      expect(runs).toHaveLength(config.trials);
      for (const t of data.ranked) {
        const run = store.getRun(t.storeId!)!;
        expect(run.status).toBe('completed');
        expect(run.config).toMatchObject({ lr: t.lr, weightDecay: t.weightDecay });
        expect(store.series(t.storeId!, 'validation.accuracy').value).toHaveLength(config.epochs);
      }
    } finally {
      store.close();
    }
  });

  it('stops hopeless trials early when asked', async () => {
    const { data } = await runLab('hyperparameter-search', {
      ...quickOptions(),
      config: { trials: 3, epochs: 6, earlyStop: { afterEpochs: 2, minAccuracy: 1 } },
    });
    for (const t of data.ranked) {
      expect(t.stoppedEarly).toBe(true);
      expect(t.validation).toHaveLength(2);
    }
  });
});

describe('random search pieces', () => {
  it('samples log-uniformly within the exponent ranges, the same for the same seed', () => {
    const a = sampleTrials(200, [-6, -2], [-8, -4], 7);
    expect(sampleTrials(200, [-6, -2], [-8, -4], 7)).toEqual(a);
    const [lo, hi] = log10Band(a.map((t) => t.lr));
    expect(lo).toBeGreaterThanOrEqual(-6);
    expect(hi).toBeLessThan(-2);
    expect(hi - lo).toBeGreaterThan(3.8);
    expect(log10Band(a.map((t) => t.weightDecay))[0]).toBeGreaterThanOrEqual(-8);
  });

  it('calls a trial hopeless only after enough epochs below the threshold', () => {
    const rule = { afterEpochs: 3, minAccuracy: 0.2 };
    expect(isHopeless([0.1, 0.1], rule)).toBe(false);
    expect(isHopeless([0.1, 0.1, 0.12], rule)).toBe(true);
    expect(isHopeless([0.1, 0.25, 0.12], rule)).toBe(false);
  });
});
