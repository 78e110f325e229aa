// The two ways out agree: a run's `gradstream predict` CSV and its `gradstream export --format onnx`
// file run by the real ONNX Runtime (onnxruntime-web, WebAssembly) on the same raw data. A batch-norm
// MNIST model on all 10,000 test images (raw bytes into the graph), a CSV classifier with a text column
// and standardized numbers (raw cells into the graph), and a CSV regression model: the same argmax on
// every row, probabilities (or outputs) within 1e-5. Every step is the real CLI as a child process.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/mnist.js';
import { floatInput, onnxSession, runOnnx, stringInput } from '../helpers/onnx-runtime.js';
import { regressionCsv } from '../helpers/regression-csv.js';
import { spiralsCsv } from '../helpers/spirals-csv.js';
import { runCli } from './cli-child.js';

const dir = mkdtempSync(join(tmpdir(), 'gradstream-predict-onnx-'));

/** Trains with `args` into a fresh store; exports its ONNX file and predicts `data`; returns both paths. */
async function trainExportPredict(name: string, args: readonly string[], data: readonly string[]) {
  const store = join(dir, name);
  const trained = await runCli([
    'train',
    '--store',
    store,
    '--name',
    name,
    '--no-dashboard',
    '--no-wait',
    ...args,
  ]);
  expect(trained.status, trained.stderr).toBe(0);
  const onnx = join(dir, `${name}.onnx`);
  const exported = await runCli(['export', name, '--store', store, '--format', 'onnx', '--out', onnx]);
  expect(exported.status, exported.stderr).toBe(0);
  const csv = join(dir, `${name}.csv`);
  const predicted = await runCli(['predict', name, '--store', store, ...data, '--out', csv]);
  expect(predicted.status, predicted.stderr).toBe(0);
  const rows = parse(readFileSync(csv, 'utf8'), { columns: true }) as Record<string, string>[];
  return { session: await onnxSession(readFileSync(onnx)), rows, stderr: predicted.stderr };
}

/** A CSV file's raw cells as the graph's inputs: one [N, 1] tensor per column, float or string. */
function rawColumns(file: string, numbers: readonly string[], texts: readonly string[]) {
  const cells = parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
  return Object.fromEntries([
    ...numbers.map((c) => [
      c,
      floatInput(
        Float32Array.from(cells, (row) => Number(row[c])),
        cells.length,
        1,
      ),
    ]),
    ...texts.map((c) => [c, stringInput(cells.map((row) => row[c]))]),
  ]);
}

/** The largest |a − b| over two equally long lists. */
function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

function argmaxRows(values: Float32Array, width: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < values.length / width; r++) {
    let best = 0;
    for (let j = 1; j < width; j++) if (values[r * width + j] > values[r * width + best]) best = j;
    out.push(best);
  }
  return out;
}

describe('gradstream predict and the ONNX export agree', () => {
  it('MNIST, batch norm: all 10,000 test images, same argmax, probabilities within 1e-5', async () => {
    const { session, rows } = await trainExportPredict(
      'mnist-bn',
      ['--steps', '150', '--hidden', '32', '--batch-norm', '--train-limit', '3000'],
      [],
    );
    const test = loadMnist().test;
    expect(rows).toHaveLength(test.n);
    const onnx = await runOnnx(
      session,
      { input: floatInput(Float32Array.from(test.x), test.n, 784) },
      'probabilities',
    );
    const classes = Array.from({ length: 10 }, (_, c) => `p_${c}`);
    const predicted = Float32Array.from(rows.flatMap((row) => classes.map((c) => Number(row[c]))));
    const worst = maxDiff(predicted, onnx.values);
    expect(worst).toBeLessThanOrEqual(1e-5);
    expect(argmaxRows(onnx.values, 10).map(String)).toEqual(rows.map((row) => row.prediction));
    process.stdout.write(
      `predict vs onnx, MNIST batch norm: max |Δp| ${worst.toExponential(2)} on ${test.n} images\n`,
    );
  });

  it('a CSV classifier: raw cells (numbers and text) into the graph, the same classes and probabilities', async () => {
    const table = join(dir, 'spirals.csv');
    const fresh = join(dir, 'spirals-fresh.csv');
    writeFileSync(table, spiralsCsv(2000, 3));
    writeFileSync(fresh, spiralsCsv(500, 9));
    const { session, rows, stderr } = await trainExportPredict(
      'spirals',
      ['--data', table, '--label', 'class', '--hidden', '64,64', '--lr', '0.01', '--epochs', '10'],
      ['--data', fresh],
    );
    expect(stderr).toMatch(/accuracy \d+\.\d+%/);
    const onnx = await runOnnx(session, rawColumns(fresh, ['x', 'y'], ['colour']), 'probabilities');
    const names = ['inner', 'outer']; // the classes, sorted
    const predicted = Float32Array.from(rows.flatMap((row) => names.map((n) => Number(row[`p_${n}`]))));
    const worst = maxDiff(predicted, onnx.values);
    expect(worst).toBeLessThanOrEqual(1e-5);
    expect(argmaxRows(onnx.values, 2).map((k) => names[k])).toEqual(rows.map((row) => row.prediction));
    // The model learned the table (so agreeing is not agreeing on noise).
    const correct = rows.filter((row) => row.prediction === row.label).length;
    expect(correct / rows.length).toBeGreaterThan(0.9);
  });

  it('a CSV regression model: raw cells in, the same outputs within 1e-5', async () => {
    const table = join(dir, 'regression.csv');
    const fresh = join(dir, 'regression-fresh.csv');
    writeFileSync(table, regressionCsv(2000, 1));
    writeFileSync(fresh, regressionCsv(300, 7));
    const { session, rows, stderr } = await trainExportPredict(
      'regression',
      ['--data', table, '--label', 'y', '--hidden', '32,32', '--lr', '0.003', '--epochs', '10'],
      ['--data', fresh],
    );
    expect(stderr).toMatch(/RMSE \d/);
    const onnx = await runOnnx(session, rawColumns(fresh, ['a', 'b'], ['colour']), 'predictions');
    const predicted = Float32Array.from(rows, (row) => Number(row.prediction));
    expect(maxDiff(predicted, onnx.values)).toBeLessThanOrEqual(1e-5);
  });
});
