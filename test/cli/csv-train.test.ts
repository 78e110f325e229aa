// `gradstream train --data table.csv --label …` as a real child process: two interleaved spirals whose
// class needs a text column (the arm XOR the colour) learned to ≥ 95% validation and test accuracy,
// the same table without the colour left at chance, a bad cell refused naming its row and column
// (exit 2), dropped rows counted, and the fitted preprocessing stored in the run's checkpoint.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointDir, latestCheckpoint } from '../../src/store/checkpoint.js';
import { CLI } from '../helpers/cli.js';
import { spiralsCsv } from '../helpers/spirals-csv.js';

const dir = mkdtempSync(join(tmpdir(), 'gradstream-csv-cli-'));
const spirals = join(dir, 'spirals.csv');
const spiralsTest = join(dir, 'spirals-test.csv');
writeFileSync(spirals, spiralsCsv(2000, 3));
writeFileSync(spiralsTest, spiralsCsv(500, 4));

const gradstream = (...args: string[]) =>
  spawnSync(process.execPath, [...CLI, ...args], { encoding: 'utf8', timeout: 180_000 });

interface EvalEvent {
  readonly type: 'eval';
  readonly split: string;
  readonly accuracy: number;
}

/** Trains on `data` with the spirals' settings; returns the result, the eval events and the run id. */
function train(data: string, ...more: string[]) {
  const store = mkdtempSync(join(dir, 'store-'));
  const result = gradstream(
    'train',
    '--data',
    data,
    '--label',
    'class',
    '--hidden',
    '64,64',
    '--lr',
    '0.01',
    '--epochs',
    '15',
    '--batch-size',
    '50',
    '--no-dashboard',
    '--store',
    store,
    '--json',
    ...more,
  );
  const evals = result.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { type: string })
    .filter((e): e is EvalEvent => e.type === 'eval');
  const runId = /gradstream: run (\S+):/.exec(result.stderr)?.[1];
  return { result, evals, runId, store };
}

const last = (evals: readonly EvalEvent[], split: string) => evals.filter((e) => e.split === split).at(-1);

describe('gradstream train --data table.csv', () => {
  it('learns two spirals whose class needs the text column, and stores the preprocessing in the checkpoint', () => {
    const { result, evals, runId, store } = train(spirals, '--test', spiralsTest);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/MLP 4-64-64-2, .* 1800 train \/ 200 validation \/ 500 test samples/);
    expect(last(evals, 'validation')?.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(last(evals, 'test')?.accuracy).toBeGreaterThanOrEqual(0.95);

    const found = latestCheckpoint(checkpointDir(store, runId!));
    const p = found?.checkpoint.preprocessing;
    expect(p?.output).toEqual({ kind: 'classes', names: ['inner', 'outer'] });
    expect(p?.input.kind === 'table' && p.input.columns.map((c) => [c.kind, c.name])).toEqual([
      ['number', 'x'],
      ['number', 'y'],
      ['category', 'colour'],
    ]);
    expect(p?.input.kind === 'table' && p.input.columns[2]).toEqual({
      kind: 'category',
      name: 'colour',
      values: ['blue', 'red'],
    });
  }, 120_000);

  it('stays at chance without the colour column', () => {
    const { result, evals } = train(spirals, '--features', 'x,y');
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/MLP 2-64-64-2/);
    expect(last(evals, 'validation')?.accuracy).toBeLessThan(0.7);
  }, 120_000);

  it('refuses a bad cell with one line naming the row and column (exit 2), or drops and counts it', () => {
    const bad = join(dir, 'bad.csv');
    const lines = spiralsCsv(200, 5).split('\n');
    lines[7] = '0.1,oops,red,inner';
    writeFileSync(bad, lines.join('\n'));
    const refused = train(bad);
    expect(refused.result.status).toBe(2);
    expect(refused.result.stderr.trim()).toBe(
      `gradstream: ${bad}: row 8, column "y": "oops" is not a number (the column is numeric: its first value, row 2, is a number)`,
    );
    const dropped = train(bad, '--missing', 'drop');
    expect(dropped.result.status, dropped.result.stderr).toBe(0);
    expect(dropped.result.stderr).toContain(
      `gradstream: data.dir: ${bad}: dropped 1 row(s) with a missing or unparsable cell (the first: row 8, column "y": "oops" is not a number`,
    );
    expect(dropped.result.stderr).toMatch(/179 train \/ 20 validation/);
  }, 120_000);

  it('refuses CSV options without a table, and a table without a label, before any work', () => {
    const noLabel = gradstream('train', '--data', spirals, '--no-dashboard', '--store', join(dir, 'none'));
    expect(noLabel.status).toBe(2);
    expect(noLabel.stderr).toContain(`data.label: required with a CSV table (data.dir ${spirals})`);
    const noTable = gradstream('train', '--label', 'class', '--no-dashboard', '--store', join(dir, 'none'));
    expect(noTable.status).toBe(2);
    expect(noTable.stderr).toContain('data.label: only for a CSV table (data.dir a file ending in .csv)');
  });
});
