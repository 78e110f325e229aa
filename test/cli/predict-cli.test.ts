// `gradstream predict`, the real CLI as a child: a tiny batch-norm MNIST run trained in a temp store,
// predicted by run id and from its safetensors export (the same CSV byte for byte); the CSV's rows and
// columns; the printed accuracy equal to the CSV's own prediction-vs-label count and to the run's own
// test accuracy at that step; a CSV table through a table model's stored preprocessing; refusals
// (unknown run, truncated file, images of another size) as one line, exit 2.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/mnist.js';
import type { Preprocessing } from '../../src/data/preprocessing.js';
import { encodeSafetensors, safetensorsMetadata, sequentialStateDict } from '../../src/export/safetensors.js';
import { loadModel } from '../../src/model/load-model.js';
import { mlp, mlpLayouts } from '../../src/nn/mlp.js';
import { Rng } from '../../src/random/rng.js';
import { hasStackTrace, runCli, stderrLines } from './cli-child.js';

let dir = '';
let runId = '';
let testAccuracy = Number.NaN;
const labels = loadMnist().test.labels;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gradstream-predict-'));
  const r = await runCli([
    'train',
    '--store',
    dir,
    '--name',
    'tiny',
    '--steps',
    '60',
    '--hidden',
    '16',
    '--batch-norm',
    '--train-limit',
    '1000',
    '--no-dashboard',
    '--no-wait',
    '--json',
  ]);
  expect(r.status, r.stderr).toBe(0);
  const events = r.stdout
    .trim()
    .split('\n')
    .map(
      (line) =>
        JSON.parse(line) as {
          type: string;
          split?: string;
          accuracy?: number;
          runId?: string;
          step?: number;
        },
    );
  const test = events.find((e) => e.type === 'eval' && e.split === 'test');
  expect(test?.step).toBe(60);
  testAccuracy = test!.accuracy!;
  runId = /run (\S+) completed/.exec(r.stderr)![1];
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The CSV as header and rows of cells. */
function readCsv(path: string) {
  const [head, ...rows] = readFileSync(path, 'utf8').trimEnd().split('\n');
  return { head: head.split(','), rows: rows.map((r) => r.split(',')) };
}

/** The `(correct/rows correct; fraction)` of the accuracy line. */
function printedAccuracy(stderr: string): { correct: number; rows: number; fraction: number } {
  const m = /accuracy [\d.]+% \((\d+)\/(\d+) correct; ([\d.e-]+)\)/.exec(stderr);
  expect(m, stderr).not.toBeNull();
  return { correct: Number(m![1]), rows: Number(m![2]), fraction: Number(m![3]) };
}

describe('gradstream predict', () => {
  it("writes one row per MNIST test sample and prints the run's own test accuracy", async () => {
    const out = join(dir, 'run.csv');
    const r = await runCli(['predict', 'tiny', '--store', dir, '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`predicted 10000 rows of mnist/test with run ${runId} at step 60`);
    const { head, rows } = readCsv(out);
    expect(head).toEqual(['index', 'label', 'prediction', ...Array.from({ length: 10 }, (_, i) => `p_${i}`)]);
    expect(rows.length).toBe(10000);
    let correct = 0;
    rows.forEach((row, i) => {
      expect(row[0]).toBe(String(i));
      expect(row[1]).toBe(String(labels[i]));
      const p = row.slice(3).map(Number);
      // Probabilities: a distribution whose largest entry is the prediction.
      expect(Math.abs(p.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
      expect(p[Number(row[2])]).toBe(Math.max(...p));
      if (row[2] === row[1]) correct++;
    });
    const printed = printedAccuracy(r.stderr);
    expect(printed).toEqual({ correct, rows: 10000, fraction: correct / 10000 });
    expect(printed.fraction).toBe(testAccuracy);
  });

  it('predicts the same CSV from the run and from its safetensors export', async () => {
    const file = join(dir, 'tiny.safetensors');
    const e = await runCli(['export', 'tiny', '--store', dir, '--format', 'safetensors', '--out', file]);
    expect(e.status, e.stderr).toBe(0);
    const out = join(dir, 'file.csv');
    const r = await runCli(['predict', file, '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(dir, 'run.csv'), 'utf8'));
    expect(printedAccuracy(r.stderr).fraction).toBe(testAccuracy);
  });

  it('reads a CSV table through a table model’s stored preprocessing, scoring its label column', async () => {
    const preprocessing: Preprocessing = {
      version: 1,
      input: {
        kind: 'table',
        columns: [
          { kind: 'number', name: 'size', mean: 5, std: 2 },
          { kind: 'category', name: 'colour', values: ['blue', 'red'] },
        ],
      },
      output: { kind: 'classes', names: ['cat', 'dog'] },
    };
    const spec = mlp({ sizes: [3, 4, 2] });
    const params = new Rng(5).fillNormal(new Float32Array(mlpLayouts(spec).params.size), 1);
    const file = join(dir, 'table.safetensors');
    const tensors = sequentialStateDict(spec, params, new Float32Array(0), 0);
    writeFileSync(
      file,
      encodeSafetensors(tensors, safetensorsMetadata({ model: spec, preprocessing, step: 1 }, 't')),
    );
    const table = [
      ['colour', 'label', 'size'],
      ['red', 'dog', '7'],
      ['blue', 'cat', '1.5'],
      ['green', 'dog', '5'], // an unseen colour: zeros
      ['"red"', 'cat', '3e0'],
    ];
    const csv = join(dir, 'pets.csv');
    writeFileSync(csv, `${table.map((r) => r.join(',')).join('\n')}\n`);
    const out = join(dir, 'pets-out.csv');
    const r = await runCli(['predict', file, '--data', csv, '--label', 'label', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const { head, rows } = readCsv(out);
    expect(head).toEqual(['index', 'label', 'prediction', 'p_cat', 'p_dog']);
    const expected = loadModel(file, { kernels: 'js' }).predict([
      { size: 7, colour: 'red' },
      { size: 1.5, colour: 'blue' },
      { size: 5, colour: 'green' },
      { size: 3, colour: 'red' },
    ]);
    expect(rows.map((row) => row[1])).toEqual(['dog', 'cat', 'dog', 'cat']);
    expect(rows.map((row) => row[2])).toEqual(Array.from(expected.classes, (c) => ['cat', 'dog'][c]));
    for (const [i, row] of rows.entries())
      expect(row.slice(3).map(Number)).toEqual(
        Array.from(expected.values.subarray(2 * i, 2 * i + 2), (v) => Number(v.toPrecision(9))),
      );
    const correct = rows.filter((row) => row[1] === row[2]).length;
    expect(printedAccuracy(r.stderr)).toEqual({ correct, rows: 4, fraction: correct / 4 });
    // A cell the preprocessing cannot encode: its line and column.
    writeFileSync(csv, 'size,colour\n1,red\nbig,blue\n');
    const bad = await runCli(['predict', file, '--data', csv]);
    expect(bad.status).toBe(2);
    expect(stderrLines(bad)).toEqual([
      `gradstream: ${csv}: row 3, column "size": "big" is not a number (the model's preprocessing cannot encode it)`,
    ]);
  });

  it("writes a regression model's targets and predictions and prints the RMSE and MAE of the file's rows", async () => {
    const preprocessing: Preprocessing = {
      version: 1,
      input: {
        kind: 'table',
        columns: [
          { kind: 'number', name: 'a', mean: 1, std: 2 },
          { kind: 'number', name: 'b', mean: -1, std: 0.5 },
        ],
      },
      output: { kind: 'targets', names: ['y'] },
    };
    const spec = mlp({ sizes: [2, 5, 1], loss: 'mse' });
    const params = new Rng(6).fillNormal(new Float32Array(mlpLayouts(spec).params.size), 1);
    const file = join(dir, 'regression.safetensors');
    const tensors = sequentialStateDict(spec, params, new Float32Array(0), 0);
    writeFileSync(
      file,
      encodeSafetensors(tensors, safetensorsMetadata({ model: spec, preprocessing, step: 1 }, 'r')),
    );
    const csv = join(dir, 'y.csv');
    writeFileSync(csv, 'a,b,y\n0,1,0.5\n2,-1,3\n-4,0.25,-2\n');
    const out = join(dir, 'y-out.csv');
    const r = await runCli(['predict', file, '--data', csv, '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const { head, rows } = readCsv(out);
    expect(head).toEqual(['index', 'y', 'prediction']);
    expect(rows.map((row) => row[1])).toEqual(['0.5', '3', '-2']);
    const expected = loadModel(file, { kernels: 'js' }).predict([
      [0, 1],
      [2, -1],
      [-4, 0.25],
    ]);
    expect(rows.map((row) => Number(row[2]))).toEqual(
      Array.from(expected.values, (v) => Number(v.toPrecision(9))),
    );
    const errors = rows.map((row) => Number(row[2]) - Number(row[1]));
    const rmse = Math.sqrt(errors.reduce((a, e) => a + e * e, 0) / 3);
    const mae = errors.reduce((a, e) => a + Math.abs(e), 0) / 3;
    const m = /RMSE ([\d.e-]+), MAE ([\d.e-]+) \(3 rows\)/.exec(r.stderr);
    expect(m, r.stderr).not.toBeNull();
    // Printed to 4 significant digits.
    expect(Math.abs(Number(m![1]) - rmse)).toBeLessThanOrEqual(5e-4 * rmse);
    expect(Math.abs(Number(m![2]) - mae)).toBeLessThanOrEqual(5e-4 * mae);
  });

  it('refuses an unknown run, a truncated file and images of another size in one line, exit 2', async () => {
    const unknown = await runCli(['predict', 'nope', '--store', dir]);
    expect(unknown.status).toBe(2);
    expect(stderrLines(unknown)).toEqual([`gradstream: unknown run "nope" in ${join(dir, 'gradstream.db')}`]);

    const truncated = join(dir, 'cut.safetensors');
    writeFileSync(truncated, readFileSync(join(dir, 'tiny.safetensors')).subarray(0, 100));
    const cut = await runCli(['predict', truncated]);
    expect(cut.status).toBe(2);
    expect(stderrLines(cut)).toEqual([
      expect.stringMatching(
        /^gradstream: safetensors .*cut\.safetensors: header length \d+ exceeds the 92 bytes after it/,
      ),
    ]);

    // A 3×3-pixel IDX pair: 9 features where the model takes 784.
    const idx = join(dir, 'small-idx');
    mkdirSync(idx);
    const header = (magic: number, dims: number[]) => {
      const b = Buffer.alloc(4 + 4 * dims.length);
      b.writeUInt32BE(magic, 0);
      for (const [i, d] of dims.entries()) b.writeUInt32BE(d, 4 + 4 * i);
      return b;
    };
    writeFileSync(
      join(idx, 't10k-images-idx3-ubyte'),
      Buffer.concat([header(0x803, [2, 3, 3]), Buffer.alloc(18)]),
    );
    writeFileSync(
      join(idx, 't10k-labels-idx1-ubyte'),
      Buffer.concat([header(0x801, [2]), Buffer.from([1, 2])]),
    );
    const small = await runCli(['predict', 'tiny', '--store', dir, '--data', idx]);
    expect(small.status).toBe(2);
    expect(stderrLines(small)).toEqual([
      expect.stringMatching(
        /^gradstream: predict: .*t10k-images-idx3-ubyte has 9 features per sample, the model .* takes 784$/,
      ),
    ]);
    const nowhere = join(dir, 'no-such-folder', 'p.csv');
    const badOut = await runCli(['predict', 'tiny', '--store', dir, '--out', nowhere]);
    expect(badOut.status).toBe(2);
    expect(stderrLines(badOut)).toEqual([
      `gradstream: predict: --out ${nowhere} cannot be opened for writing (ENOENT)`,
    ]);
    for (const r of [unknown, cut, small, badOut]) expect(hasStackTrace(r.stderr)).toBe(false);
  });
});
