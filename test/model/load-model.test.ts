// loadModel: a checkpoint and its safetensors export predict the same bits, and those bits are the
// checkpoint's own Network's (inference forward, softmax, argmax) on the same kernels; batches larger
// than the pass size run in passes with the same results; same-size batches get the same buffers
// back; table models take raw rows (objects or arrays, unseen categories as zeros) and name a bad
// cell's row and column; a regression model returns its outputs.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/mnist.js';
import type { Preprocessing } from '../../src/data/preprocessing.js';
import type { GradstreamError } from '../../src/errors.js';
import { encodeSafetensors, safetensorsMetadata, sequentialStateDict } from '../../src/export/safetensors.js';
import { selectKernels } from '../../src/kernels/select.js';
import { loadModel, modelFromParts } from '../../src/model/load-model.js';
import { mlp } from '../../src/nn/mlp.js';
import { declareModelState, declareNetworkScratch, Network } from '../../src/nn/network.js';
import { Rng } from '../../src/random/rng.js';
import { saveCheckpoint } from '../../src/store/checkpoint.js';
import type { Checkpoint } from '../../src/store/run-state.js';
import { ArenaBuilder } from '../../src/tensor/arena.js';
import { makeCheckpoint } from '../store/checkpoint-fixture.js';

let dir = '';
let checkpoint: Checkpoint;
let ckptPath = '';
let stPath = '';
const N = 50;
const pixels = loadMnist({ testLimit: N }).test.x as Uint8Array;

/** A checkpoint of a batch-norm MLP with finite weights of a useful size and positive running variances. */
function finiteCheckpoint(): Checkpoint {
  const c = makeCheckpoint({ model: { hidden: [24, 12], batchNorm: true } }, 100, 7);
  const rng = new Rng(3);
  rng.fillNormal(c.params, 0.1);
  for (let i = 0; i < c.buffers.length; i++) c.buffers[i] = 0.2 + Math.abs(c.buffers[i]);
  return c;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gradstream-load-model-'));
  checkpoint = finiteCheckpoint();
  ckptPath = saveCheckpoint(dir, checkpoint);
  stPath = join(dir, 'model.safetensors');
  const tensors = sequentialStateDict(
    checkpoint.model,
    checkpoint.params,
    checkpoint.buffers,
    checkpoint.updates,
  );
  writeFileSync(stPath, encodeSafetensors(tensors, safetensorsMetadata(checkpoint, 'r')));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The checkpoint's Network on `prefer`'s kernels: its inference logits for the pixels × 1/255. */
function referenceLogits(prefer: 'js' | 'auto', skipInputZeros: boolean): Float32Array {
  const selection = selectKernels({ prefer });
  const builder = new ArenaBuilder();
  declareModelState(builder, checkpoint.model);
  declareNetworkScratch(builder, checkpoint.model, N);
  const net = new Network(checkpoint.model, builder.build(selection.allocation), {
    capacity: N,
    kernels: selection.kernels,
    skipInputZeros,
  });
  net.params.set(checkpoint.params);
  net.buffers.set(checkpoint.buffers);
  const s = Math.fround(1 / 255);
  for (let i = 0; i < pixels.length; i++) net.input[i] = pixels[i] * s;
  net.skipInputZeros = skipInputZeros;
  return net.forward({ n: N, train: false, step: 0 }).slice(0, N * 10);
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('loadModel', () => {
  it('predicts from a checkpoint what its Network computes: softmax of the logits and their argmax', () => {
    for (const prefer of ['js', 'auto'] as const) {
      const logits = referenceLogits(prefer, true);
      const model = loadModel(ckptPath, { kernels: prefer });
      const { n, values, classes } = model.predict(pixels);
      expect(n).toBe(N);
      for (let i = 0; i < N; i++) {
        const row = Array.from(logits.subarray(i * 10, i * 10 + 10));
        const best = row.indexOf(Math.max(...row));
        expect(classes[i]).toBe(best);
        const exp = row.map((v) => Math.exp(v - row[best]));
        const sum = exp.reduce((a, b) => a + b, 0);
        expect(Array.from(values.subarray(i * 10, i * 10 + 10))).toEqual(
          Array.from(new Float32Array(exp.map((e) => e / sum))),
        );
      }
      // MNIST is mostly zeros: 'auto' skips them, as training's 'auto' does; forced off it is the dense product.
      const dense = loadModel(ckptPath, { kernels: prefer, skipInputZeros: false }).predict(pixels);
      expect(Array.from(dense.classes)).toEqual(Array.from(classes));
    }
  });

  it('predicts the same bits from the safetensors export as from the checkpoint', () => {
    const fromCkpt = loadModel(ckptPath).predict(pixels);
    const fromSt = loadModel(stPath);
    expect(fromSt.spec).toEqual(checkpoint.model);
    expect(fromSt.preprocessing).toEqual({
      version: 1,
      input: { kind: 'scale', features: 784, scale: 1 / 255 },
      output: { kind: 'classes', names: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'] },
    });
    const p = fromSt.predict(pixels);
    expect(bits(p.values)).toEqual(bits(fromCkpt.values));
    expect(Array.from(p.classes)).toEqual(Array.from(fromCkpt.classes));
  });

  it('returns the same prediction object and buffers for same-size batches, and runs larger inputs in passes', () => {
    const model = loadModel(stPath, { batchSize: 8 });
    const first = model.predict(pixels.subarray(0, 8 * 784));
    const firstValues = first.values;
    const again = model.predict(pixels.subarray(8 * 784, 16 * 784));
    expect(again).toBe(first);
    expect(again.values).toBe(firstValues);
    // 50 rows in passes of 8 (the last of 2): the same bits as one pass of 50.
    const passes = model.predict(pixels);
    const whole = loadModel(stPath).predict(pixels);
    expect(passes.n).toBe(N);
    expect(bits(passes.values)).toEqual(bits(whole.values));
  });

  it('refuses input that is not whole rows, and raw rows for a pixel model, in one line', () => {
    const model = loadModel(stPath);
    expect(() => model.predict(new Float32Array(785))).toThrow(
      /predict: 785 values are not whole rows of the model's 784 features/,
    );
    expect(() => model.predict([{ a: 1 }])).toThrow(/takes rows of 784 numbers/);
  });

  it('names the file when it is missing or of another model', () => {
    expect(() => loadModel(join(dir, 'none.safetensors'))).toThrow(
      `safetensors ${join(dir, 'none.safetensors')}: file not found`,
    );
    const other = makeCheckpoint({ model: { hidden: [24, 13], batchNorm: true } }, 100, 7);
    const path = join(dir, 'other.safetensors');
    const tensors = sequentialStateDict(other.model, other.params, other.buffers, 1);
    writeFileSync(
      path,
      encodeSafetensors(tensors, {
        ...safetensorsMetadata(other, 'o'),
        model: JSON.stringify(checkpoint.model),
      }),
    );
    expect(() => loadModel(path)).toThrow(
      `safetensors ${path}: tensor 3.weight has shape [13, 24], the model needs [12, 24]`,
    );
  });
});

describe('a table model', () => {
  const preprocessing: Preprocessing = {
    version: 1,
    input: {
      kind: 'table',
      columns: [
        { kind: 'number', name: 'age', mean: 40, std: 10 },
        { kind: 'category', name: 'colour', values: ['red', 'green', 'blue'] },
        { kind: 'number', name: 'height', mean: 1.7, std: 0.1 },
      ],
    },
    output: { kind: 'classes', names: ['no', 'yes'] },
  };
  const spec = mlp({ sizes: [5, 6, 2] });
  const params = new Rng(9).fillNormal(new Float32Array(5 * 6 + 6 + 6 * 2 + 2), 0.5);
  const parts = { spec, preprocessing, source: 'table', params, buffers: new Float32Array(0) };

  it('encodes raw rows (objects or arrays, numbers or text) as the encoded features would predict', () => {
    const model = modelFromParts(parts, { kernels: 'js' });
    expect(model.inputColumns).toBe(3);
    const encoded = new Float32Array([
      ...[(50 - 40) / 10, 1, 0, 0, (1.8 - 1.7) / 0.1],
      ...[(30 - 40) / 10, 0, 0, 1, (1.6 - 1.7) / 0.1],
      ...[0, 0, 0, 0, 0], // an unseen colour: all zeros
    ]);
    const expected = Array.from(modelFromParts(parts, { kernels: 'js' }).predict(encoded).values);
    const raw = model.predict([
      { age: 50, colour: 'red', height: 1.8 },
      ['30', 'blue', '1.6'],
      { age: '40', colour: 'purple', height: 1.7 },
    ]);
    expect(Array.from(raw.values)).toEqual(expected);
  });

  it("names the row and column of a value it cannot encode, and an array row's wrong length", () => {
    const model = modelFromParts(parts, { kernels: 'js' });
    const refuse = (rows: Parameters<typeof model.predict>[0]) => {
      try {
        model.predict(rows);
      } catch (error) {
        expect((error as GradstreamError).code).toBe('ERR_DATA_FORMAT');
        return (error as Error).message;
      }
      throw new Error('expected a refusal');
    };
    expect(
      refuse([
        { age: 1, colour: 'red', height: 1 },
        { age: 'old', colour: 'red', height: 1 },
      ]),
    ).toBe('row 1, column "age": "old" is not a number (a number column)');
    expect(refuse([{ age: 1, colour: 'red' }])).toBe('row 0, column "height": missing value ""');
    expect(refuse([[1, 'red']])).toBe('row 0 has 2 values, the model takes 3 columns (age, colour, height)');
  });

  it('returns the outputs of a regression model', () => {
    const regression = mlp({ sizes: [5, 6, 2], loss: 'mse' });
    const targets: Preprocessing = {
      ...preprocessing,
      output: { kind: 'targets', names: ['price', 'rent'] },
    };
    const model = modelFromParts({ ...parts, spec: regression, preprocessing: targets }, { kernels: 'js' });
    const net = Network.create(regression, { capacity: 1 });
    net.params.set(params);
    net.input.set([1, 0, 1, 0, -1]);
    const logits = net.forward({ n: 1, train: false, step: 0 });
    const p = model.predict(new Float32Array([1, 0, 1, 0, -1]));
    expect(Array.from(p.values)).toEqual(Array.from(logits.subarray(0, 2)));
    expect(p.classes.length).toBe(0);
  });
});
