// `gradstream train --data table.csv --label …` as a real child process: two interleaved spirals whose
// class needs a text column (the arm XOR the colour) learned to ≥ 95% validation and test accuracy,
// the same table without the colour left at chance, a bad cell refused naming its row and column
// (exit 2), dropped rows counted, the fitted preprocessing stored in the run's checkpoint, and an
// interrupted run resumed to the same parameters (refused while its table differs).

import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointDir, latestCheckpoint } from '../../src/store/checkpoint.js';
import { RunStore } from '../../src/store/run-store.js';
import { gradstream, jsonEvents, signalAtStep, streamEvents } from '../helpers/cli.js';
import { spiralsCsv } from '../helpers/spirals-csv.js';

const dir = mkdtempSync(join(tmpdir(), 'gradstream-csv-cli-'));
const spirals = join(dir, 'spirals.csv');
const spiralsTest = join(dir, 'spirals-test.csv');
writeFileSync(spirals, spiralsCsv(2000, 3));
writeFileSync(spiralsTest, spiralsCsv(500, 4));

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
  const evals = jsonEvents(result.stdout).filter((e): e is EvalEvent => e.type === 'eval');
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
    const shown = gradstream('runs', 'show', runId!, '--store', store);
    expect(shown.status, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`preprocessing (checkpoint of step ${found?.checkpoint.step})`);
    expect(shown.stdout).toMatch(/colour +category +one-hot: blue, red/);
    expect(shown.stdout).toMatch(/x +number +standardized: mean -?[\d.e-]+, std [\d.e-]+/);
    expect(shown.stdout).toContain('classes: inner, outer');
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

  it('resumes an interrupted run to the same parameters, refusing while its table differs', async () => {
    const store = mkdtempSync(join(dir, 'resume-'));
    const table = join(dir, 'resumed.csv');
    copyFileSync(spirals, table);
    const common = [
      '--data',
      table,
      '--label',
      'class',
      '--hidden',
      '32',
      '--lr',
      '0.01',
      '--batch-size',
      '20',
    ];
    const args = [...common, '--steps', '1500', '--no-dashboard', '--store', store];
    expect(await streamEvents(['train', '--name', 'straight', ...args], () => {})).toBe(0);
    const code = await signalAtStep(['train', '--name', 'interrupted', ...args], 50, 'SIGINT');
    expect(code).toBe(130);
    const runs = RunStore.open({ dir: store });
    const straight = runs.findRun('straight')!;
    const interrupted = runs.findRun('interrupted')!;
    runs.close();
    const stopped = latestCheckpoint(checkpointDir(store, interrupted.id))!.checkpoint;
    expect(stopped.step).toBeLessThan(1500);
    expect(stopped.preprocessing?.input.kind).toBe('table');

    // Every blue made green: the refit's colour vocabulary is not the checkpoint's.
    const lines = spiralsCsv(2000, 3).split('\n');
    writeFileSync(table, lines.map((l) => l.replace(',blue,', ',green,')).join('\n'));
    const refused = gradstream('resume', 'interrupted', '--no-dashboard', '--store', store);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(
      /differs from the checkpoint's at preprocessing\.input\.columns\[2\]\.values\[0\] \("blue" in the checkpoint, "green" now\): the data or its options changed/,
    );

    copyFileSync(spirals, table);
    expect(await streamEvents(['resume', 'interrupted', '--no-dashboard', '--store', store], () => {})).toBe(
      0,
    );
    const a = latestCheckpoint(checkpointDir(store, straight.id))!.checkpoint;
    const b = latestCheckpoint(checkpointDir(store, interrupted.id))!.checkpoint;
    expect(b.step).toBe(1500);
    expect(Buffer.from(b.params.buffer).equals(Buffer.from(a.params.buffer))).toBe(true);
    expect(b.preprocessing).toEqual(a.preprocessing);
  }, 120_000);
});
