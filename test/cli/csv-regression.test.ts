// `gradstream train --data table.csv --label y` on a regression table, as a real child process: the
// numeric, fractional label makes `--task auto` a regression; the model learns y = sin(a) + ab/2 +
// colour offset to a test RMSE under 0.1 (the label's own std is about 1.3), reported per evaluation
// with MAE, on the last line and in `runs list`.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gradstream, jsonEvents } from '../helpers/cli.js';
import { regressionCsv } from '../helpers/regression-csv.js';

const dir = mkdtempSync(join(tmpdir(), 'gradstream-csv-regression-'));
const table = join(dir, 'table.csv');
const tableTest = join(dir, 'table-test.csv');
writeFileSync(table, regressionCsv(3000, 1));
writeFileSync(tableTest, regressionCsv(1000, 2));

interface EvalLine {
  readonly type: 'eval';
  readonly split: string;
  readonly loss: number;
  readonly accuracy: number | null;
  readonly rmse: number;
  readonly mae: number;
}

describe('gradstream train on a regression table', () => {
  it('learns the rule to a test RMSE under 0.1, with MAE, on the last line and in runs list', () => {
    const store = join(dir, 'runs');
    const result = gradstream(
      'train',
      ...['--data', table, '--test', tableTest, '--label', 'y', '--hidden', '64,64', '--lr', '0.003'],
      ...['--epochs', '30', '--batch-size', '100', '--no-dashboard', '--store', store, '--json'],
    );
    expect(result.status, result.stderr).toBe(0);
    const evals = jsonEvents(result.stdout).filter((e): e is EvalLine => e.type === 'eval');
    const test = evals.filter((e) => e.split === 'test').at(-1)!;
    const validation = evals.filter((e) => e.split === 'validation');
    expect(test.rmse).toBeLessThan(0.1);
    expect(validation.at(-1)!.rmse).toBeLessThan(validation[0].rmse / 4);
    expect(test.mae).toBeLessThanOrEqual(test.rmse);
    expect(test.loss).toBeCloseTo(test.rmse ** 2, 5);
    expect(test.accuracy).toBeNull(); // NaN in the event, null in its JSON
    expect(result.stderr).toMatch(/completed; test RMSE 0\.0\d+/);

    const listed = gradstream('runs', 'list', '--store', store);
    expect(listed.stdout).toMatch(/RMSE 0\.0\d+/);
    process.stdout.write(`csv regression: test RMSE ${test.rmse.toFixed(4)}, MAE ${test.mae.toFixed(4)}\n`);
  });

  it('--task classification on a fractional label is refused, naming the field and the reason', () => {
    const result = gradstream(
      ...['train', '--data', table, '--label', 'y', '--task', 'classification', '--no-dashboard'],
      ...['--store', join(dir, 'runs-refused'), '--epochs', '1'],
    );
    expect(result.status).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(
      /label column "y" has \d+ distinct values, more than 256 classes; use task regression/,
    );
  });
});
