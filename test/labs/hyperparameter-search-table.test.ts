// The hyperparameter search on a CSV table instead of MNIST: the trials train on the table's rows,
// split and fitted once (the test set untouched), a classifier's ranked by validation accuracy and a
// regression's by validation RMSE, lowest first; the flags that ask for it, refused when half given.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runLab } from '../../src/labs/run-lab.js';
import { RunStore } from '../../src/store/run-store.js';
import { regressionCsv } from '../helpers/regression-csv.js';
import { spiralsCsv } from '../helpers/spirals-csv.js';
import { quickOptions, tempDir } from './helpers.js';
import { runLabCli } from './lab-cli.js';

const dir = tempDir('gradstream-search-table-');
const spirals = join(dir, 'spirals.csv');
const regression = join(dir, 'regression.csv');
writeFileSync(spirals, spiralsCsv(600, 3));
writeFileSync(regression, regressionCsv(600, 1));

/** A short search with learning rates where SGD learns these tables in a few epochs. */
const search = {
  trials: 4,
  epochs: 8,
  batchSize: 20,
  hidden: [32, 32],
  lrExponents: [-2, 0] as [number, number],
};

describe('hyperparameter-search on a CSV table', () => {
  it('a classifier: trials on the table’s rows, ranked by validation accuracy, each a stored run', async () => {
    const storeDir = tempDir('gradstream-search-table-store-');
    const out = tempDir('gradstream-search-table-out-');
    const { data } = await runLab('hyperparameter-search', {
      ...quickOptions({ storeDir }),
      out,
      config: { ...search, table: { path: spirals, label: 'class' } },
    });
    expect(data.metric).toBe('accuracy');
    expect(data.sizes).toEqual([4, 32, 32, 2]); // x, y, two colours in; two classes out
    expect([data.trainSize, data.validationSize]).toEqual([480, 120]);
    expect(data.samples).toBe('rows of spirals.csv');
    const finals = data.ranked.map((t) => t.finalValidation);
    expect(finals).toEqual([...finals].sort((a, b) => b - a));
    expect(finals[0]).toBeGreaterThan(0.6);
    const page = readFileSync(join(out, 'results.md'), 'utf8');
    expect(page).toContain('MLP 4-32-32-2');
    expect(page).toContain('480 rows of spirals.csv; validation on 120 held-out rows of spirals.csv');
    const store = RunStore.open({ dir: storeDir, readonly: true });
    try {
      const best = data.ranked[0];
      expect(store.getRun(best.storeId!)?.config).toMatchObject({
        lr: best.lr,
        model: { sizes: [4, 32, 32, 2] },
      });
      expect(store.series(best.storeId!, 'validation.accuracy').value.at(-1)).toBe(best.finalValidation);
    } finally {
      store.close();
    }
  });

  it('a regression table: ranked by validation RMSE, lowest first; early stopping (an accuracy rule) refused', async () => {
    const out = tempDir('gradstream-search-table-out-');
    const { data } = await runLab('hyperparameter-search', {
      ...quickOptions(),
      out,
      // Smaller steps: SGD at lr near 1 diverges on this table (such a trial would rank last).
      config: { ...search, lrExponents: [-3, -1.5], table: { path: regression, label: 'y' } },
    });
    expect(data.metric).toBe('rmse');
    expect(data.sizes).toEqual([5, 32, 32, 1]);
    const finals = data.ranked.map((t) => t.finalValidation);
    expect(finals.every(Number.isFinite)).toBe(true);
    expect(finals).toEqual([...finals].sort((a, b) => a - b));
    // Each trial's curve is its RMSE per epoch, and its last value what it is ranked by.
    for (const t of data.ranked) expect(t.validation.at(-1)).toBe(t.finalValidation);
    expect(readFileSync(join(out, 'results.md'), 'utf8')).toContain(
      'ranked by validation RMSE (lowest first)',
    );

    await expect(
      runLab('hyperparameter-search', {
        ...quickOptions(),
        config: {
          ...search,
          table: { path: regression, label: 'y' },
          earlyStop: { afterEpochs: 2, minAccuracy: 0.5 },
        },
      }),
    ).rejects.toThrow('earlyStop must be false for a regression table (its rule is a minimum accuracy)');
  });

  it('trials that diverge (a NaN RMSE) rank after every finite one', async () => {
    const { data } = await runLab('hyperparameter-search', {
      ...quickOptions(),
      config: {
        ...search,
        trials: 6,
        epochs: 4,
        lrExponents: [-2, 1],
        table: { path: regression, label: 'y' },
      },
    });
    const finals = data.ranked.map((t) => t.finalValidation);
    const finite = finals.filter(Number.isFinite);
    expect(finite.length).toBeGreaterThan(0);
    expect(finite.length).toBeLessThan(finals.length); // lr up to 10: some trials diverge
    expect(finals.slice(0, finite.length)).toEqual([...finite].sort((a, b) => a - b));
    expect(finals.slice(finite.length).every(Number.isNaN)).toBe(true);
  });

  it('--data and --label go together, and only this lab takes them', async () => {
    expect(await runLabCli(['hyperparameter-search', '--data', spirals, '--no-dashboard'])).toBe(2);
    expect(await runLabCli(['optimizers-2d', '--data', spirals, '--label', 'class', '--no-dashboard'])).toBe(
      2,
    );
  });
});
