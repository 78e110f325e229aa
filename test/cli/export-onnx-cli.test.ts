// `gradstream export RUN --format onnx`: a run trained by the real CLI, exported, loaded by the real
// ONNX Runtime (onnxruntime-web) and run on MNIST test images fed as raw bytes: the probabilities of
// the checkpoint's model (gradstream's eval-mode forward on the pixels / 255, softmaxed) within 1e-5.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/mnist.js';
import { Network } from '../../src/nn/network.js';
import { checkpointDir, listCheckpoints, loadCheckpoint } from '../../src/store/checkpoint.js';
import { floatInput, onnxSession, runOnnx } from '../helpers/onnx-runtime.js';
import { runCli, stderrLines } from './cli-child.js';

let dir = '';
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gradstream-export-onnx-'));
  const r = await runCli([
    'train',
    '--store',
    dir,
    '--name',
    'onnx-net',
    '--steps',
    '30',
    '--hidden',
    '16',
    '--batch-norm',
    '--train-limit',
    '500',
    '--no-dashboard',
    '--no-wait',
  ]);
  expect(r.status, r.stderr).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('gradstream export --format onnx', () => {
  it("writes a model onnxruntime runs on raw pixels to the checkpoint's probabilities", async () => {
    const out = join(dir, 'model.onnx');
    const r = await runCli(['export', 'onnx-net', '--store', dir, '--format', 'onnx', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(stderrLines(r)).toEqual([
      expect.stringMatching(/wrote .*model\.onnx: run .* at step 30, model 784-16-10 \(ONNX, opset 19\)/),
    ]);
    const bytes = new Uint8Array(readFileSync(out));
    const meta = Object.fromEntries(
      onnxProto.onnx.ModelProto.decode(bytes).metadataProps.map((p) => [p.key, p.value]),
    );
    expect(meta.step).toBe('30');
    const [newest] = listCheckpoints(checkpointDir(dir, meta.run)).reverse();
    const checkpoint = loadCheckpoint(newest.path);
    expect(checkpoint.step).toBe(30);

    const { test } = loadMnist();
    const n = 64;
    const raw = test.x.subarray(0, n * 784);
    const session = await onnxSession(bytes);
    const { values } = await runOnnx(
      session,
      { input: floatInput(Float32Array.from(raw), n, 784) },
      'probabilities',
    );

    const net = Network.create(checkpoint.model, { capacity: n });
    net.params.set(checkpoint.params);
    net.buffers.set(checkpoint.buffers);
    for (let i = 0; i < raw.length; i++) net.input[i] = raw[i] / 255;
    const logits = net.forward({ n, train: false, step: 0 });
    let maxDelta = 0;
    for (let r = 0; r < n; r++) {
      const row = logits.subarray(r * 10, r * 10 + 10);
      const max = Math.max(...row);
      const exp = Array.from(row, (v) => Math.exp(v - max));
      const sum = exp.reduce((a, b) => a + b, 0);
      for (let k = 0; k < 10; k++) maxDelta = Math.max(maxDelta, Math.abs(values[r * 10 + k] - exp[k] / sum));
    }
    expect(maxDelta).toBeLessThan(1e-5);
    // The batch-norm statistics the graph uses are the trained ones, not the initial 0 and 1.
    expect(Array.from(checkpoint.buffers).some((v) => v !== 0 && v !== 1)).toBe(true);
  });
});
