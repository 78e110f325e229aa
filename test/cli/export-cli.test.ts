// `gradstream export RUN --format safetensors`: the file read back by an independent reader written
// here from the format's description (8-byte little-endian header length, JSON header, offsets into
// the data that follows), every tensor compared with the run's checkpoint: each Linear's weight as
// out × in (PyTorch's layout), batch norm's running statistics, the step chosen with --step.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mlpLayouts } from '../../src/nn/mlp.js';
import { checkpointDir, listCheckpoints, loadCheckpoint } from '../../src/store/checkpoint.js';
import { entryView } from '../../src/tensor/layout.js';
import { hasStackTrace, runCli, stderrLines } from './cli-child.js';

let dir = '';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gradstream-export-'));
  const r = await runCli([
    'train',
    '--store',
    dir,
    '--name',
    'bn-net',
    '--steps',
    '40',
    '--hidden',
    '12,6',
    '--batch-norm',
    '--train-limit',
    '500',
    '--checkpoint-every',
    '20',
    '--no-dashboard',
    '--no-wait',
  ]);
  expect(r.status, r.stderr).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Entry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** The file as the format describes it, checked on the way. */
function readSafetensors(path: string) {
  const bytes = readFileSync(path);
  const n = Number(bytes.readBigUInt64LE(0));
  expect(n).toBeLessThan(bytes.length - 8);
  expect((8 + n) % 8).toBe(0); // the data starts aligned
  const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')) as Record<string, Entry> & {
    __metadata__: Record<string, string>;
  };
  const { __metadata__: metadata, ...entries } = header;
  const data = bytes.subarray(8 + n);
  // Back to back, no holes, to the end of the file.
  const spans = Object.values(entries)
    .map((e) => e.data_offsets)
    .sort((a, b) => a[0] - b[0]);
  let at = 0;
  for (const [begin, end] of spans) {
    expect(begin).toBe(at);
    at = end;
  }
  expect(at).toBe(data.length);
  const tensor = (name: string) => {
    const e = entries[name];
    const slice = data.subarray(e.data_offsets[0], e.data_offsets[1]);
    const count = e.shape.reduce((a, b) => a * b, 1);
    if (e.dtype === 'I64') return { shape: e.shape, values: [Number(slice.readBigInt64LE(0))] };
    expect(e.dtype).toBe('F32');
    expect(slice.length).toBe(4 * count);
    return { shape: e.shape, values: Array.from({ length: count }, (_, i) => slice.readFloatLE(4 * i)) };
  };
  return { metadata, names: Object.keys(entries), tensor };
}

describe('gradstream export --format safetensors', () => {
  it('writes the nn.Sequential state dict of the newest checkpoint, tensor for tensor', async () => {
    const out = join(dir, 'model.safetensors');
    const r = await runCli(['export', 'bn-net', '--store', dir, '--format', 'safetensors', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(stderrLines(r)).toEqual([
      expect.stringMatching(/wrote .*model\.safetensors: run .* at step 40, model 784-12-6-10, 16 tensors/),
    ]);
    const file = readSafetensors(out);
    const runId = file.metadata.run;
    const [newest] = listCheckpoints(checkpointDir(dir, runId)).reverse();
    const checkpoint = loadCheckpoint(newest.path);
    expect(checkpoint.step).toBe(40);
    expect(file.metadata.sequential).toBe(
      'nn.Sequential(nn.Linear(784, 12), nn.BatchNorm1d(12, eps=0.00001, momentum=0.1), nn.ReLU(), ' +
        'nn.Linear(12, 6), nn.BatchNorm1d(6, eps=0.00001, momentum=0.1), nn.ReLU(), nn.Linear(6, 10))',
    );
    expect(file.names).toEqual([
      '0.weight',
      '0.bias',
      '1.weight',
      '1.bias',
      '1.running_mean',
      '1.running_var',
      '1.num_batches_tracked',
      '3.weight',
      '3.bias',
      '4.weight',
      '4.bias',
      '4.running_mean',
      '4.running_var',
      '4.num_batches_tracked',
      '6.weight',
      '6.bias',
    ]);
    const layouts = mlpLayouts(checkpoint.model);
    const param = (name: string) => Array.from(entryView(layouts.params, checkpoint.params, name));
    const buffer = (name: string) => Array.from(entryView(layouts.buffers, checkpoint.buffers, name));
    const sizes = [784, 12, 6, 10];
    // Linear l (Sequential index 0, 3, 6): weight out × in is W (in × out) transposed.
    [0, 3, 6].forEach((index, i) => {
      const [fanIn, units] = [sizes[i], sizes[i + 1]];
      const W = param(`layer${i + 1}.W`);
      const weight = file.tensor(`${index}.weight`);
      expect(weight.shape).toEqual([units, fanIn]);
      for (let o = 0; o < units; o++)
        for (let k = 0; k < fanIn; k++) expect(weight.values[o * fanIn + k]).toBe(W[k * units + o]);
      expect(file.tensor(`${index}.bias`).values).toEqual(param(`layer${i + 1}.b`));
    });
    [1, 4].forEach((index, i) => {
      const bn = `bn${i + 1}`;
      expect(file.tensor(`${index}.weight`).values).toEqual(param(`${bn}.gamma`));
      expect(file.tensor(`${index}.bias`).values).toEqual(param(`${bn}.beta`));
      expect(file.tensor(`${index}.running_mean`).values).toEqual(buffer(`${bn}.runningMean`));
      expect(file.tensor(`${index}.running_var`).values).toEqual(buffer(`${bn}.runningVar`));
      expect(file.tensor(`${index}.num_batches_tracked`)).toEqual({
        shape: [],
        values: [checkpoint.updates],
      });
    });
    // The running statistics moved: a check of real numbers, not of zeros.
    expect(buffer('bn1.runningMean').some((v) => v !== 0)).toBe(true);
  });

  it('takes an older checkpoint with --step, and refuses what it cannot do in one line (exit 2)', async () => {
    const out = join(dir, 'step20.safetensors');
    const r = await runCli([
      'export',
      'bn-net',
      '--store',
      dir,
      '--format',
      'safetensors',
      '--step',
      '20',
      '--out',
      out,
    ]);
    expect(r.status, r.stderr).toBe(0);
    expect(readSafetensors(out).metadata.step).toBe('20');
    const refusals = await Promise.all([
      runCli(['export', 'bn-net', '--store', dir, '--format', 'safetensors', '--step', '7', '--out', out]),
      runCli(['export', 'bn-net', '--store', dir, '--format', 'pickle', '--out', out]),
      runCli(['export', 'nope', '--store', dir, '--format', 'safetensors', '--out', out]),
    ]);
    for (const x of refusals) {
      expect(x.status, x.stderr).toBe(2);
      expect(stderrLines(x)).toHaveLength(1);
      expect(hasStackTrace(x.stderr)).toBe(false);
    }
    expect(refusals[0].stderr).toMatch(/no checkpoint of step 7/);
    expect(refusals[1].stderr).toMatch(/--format .*safetensors/);
    expect(refusals[2].stderr).toMatch(/nope/);
  });
});
