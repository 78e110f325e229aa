// initialWeights + TrainConfig.initial: a session started from an exported batch-norm model holds the
// file's parameters and running statistics bit for bit in its shared memory (the seed's are
// replaced), and evaluates to the accuracy loadModel predicts from the file; a file whose sizes or
// batch norm differ from the run's is one error naming both models.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/mnist.js';
import { encodeSafetensors, safetensorsMetadata, sequentialStateDict } from '../../src/export/safetensors.js';
import { initialWeights } from '../../src/model/init-from.js';
import { loadModel } from '../../src/model/load-model.js';
import { evaluate } from '../../src/nn/evaluate.js';
import { mlp, mlpLayouts } from '../../src/nn/mlp.js';
import { adam } from '../../src/optim/alias.js';
import { createTrainingSession } from '../../src/pipeline/train.js';
import { Rng } from '../../src/random/rng.js';
import { entryView } from '../../src/tensor/layout.js';
import { makeCheckpoint } from '../store/checkpoint-fixture.js';

let dir = '';
let path = '';
const checkpoint = makeCheckpoint({ model: { hidden: [24], batchNorm: true } }, 100, 4);
new Rng(2).fillNormal(checkpoint.params, 0.1);
for (let i = 0; i < checkpoint.buffers.length; i++)
  checkpoint.buffers[i] = 0.5 + Math.abs(checkpoint.buffers[i]);
const { train, test } = loadMnist({ trainLimit: 200, testLimit: 500 });

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gradstream-init-from-'));
  path = join(dir, 'bn.safetensors');
  const { model, params, buffers, updates } = checkpoint;
  writeFileSync(
    path,
    encodeSafetensors(
      sequentialStateDict(model, params, buffers, updates),
      safetensorsMetadata(checkpoint, 'r'),
    ),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('initialWeights', () => {
  it("puts the file's parameters and running statistics into the session, which evaluates as the file predicts", () => {
    const spec = mlp({ sizes: [784, 24, 10], batchNorm: true });
    const session = createTrainingSession({
      model: spec,
      optimizer: adam({ lr: 1e-3 }),
      train,
      batchSize: 50,
      initial: initialWeights(path, spec),
    });
    // Entry by entry: the alignment padding between entries is no weight (the file has none).
    const layouts = mlpLayouts(spec);
    for (const region of ['params', 'buffers'] as const)
      for (const { name } of layouts[region].entries)
        expect(bits(entryView(layouts[region], session.memory.f32(region), name)), name).toEqual(
          bits(entryView(layouts[region], checkpoint[region], name)),
        );
    const { accuracy } = evaluate(session.network, test);
    const predicted = loadModel(path).predict(test.x as Uint8Array);
    let correct = 0;
    for (let i = 0; i < test.n; i++) if (predicted.classes[i] === test.labels[i]) correct++;
    expect(accuracy).toBe(correct / test.n);
  });

  it('refuses a file whose sizes or batch norm differ from the run, naming both models', () => {
    expect(() => initialWeights(path, mlp({ sizes: [784, 24, 10] }))).toThrow(
      `model.initFrom ${path}: the file's model is 784-24-10 with batch norm, the run's is 784-24-10 without batch norm`,
    );
    expect(() => initialWeights(path, mlp({ sizes: [784, 30, 10], batchNorm: true }))).toThrow(
      "the file's model is 784-24-10 with batch norm, the run's is 784-30-10 with batch norm",
    );
  });
});
