// The ONNX export run by the real ONNX Runtime (onnxruntime-web in Node): models trained on real
// MNIST (ReLU, batch norm, sigmoid) give on all 10,000 test images, fed as raw bytes 0–255, the same
// argmax as gradstream's own eval-mode forward and probabilities within 1e-5; a table model (number
// and category columns, unseen values) and a regression model take raw rows and match the rows
// encoded by hand here and the same forward.

import onnxProto from 'onnx-proto';
import { beforeAll, describe, expect, it } from 'vitest';
import { gatherBatch } from '../../src/data/batch.js';
import { createRowEncoder } from '../../src/data/csv/index.js';
import { type Dataset, subset } from '../../src/data/dataset.js';
import { loadMnist } from '../../src/data/mnist.js';
import {
  type ColumnEncoding,
  encodedWidth,
  type Preprocessing,
  scalePreprocessing,
} from '../../src/data/preprocessing.js';
import { GradstreamError } from '../../src/errors.js';
import { ONNX_OPSET, onnxInputs, onnxModel } from '../../src/export/onnx.js';
import { type MlpOptions, type MlpSpec, mlp } from '../../src/nn/mlp.js';
import { Network } from '../../src/nn/network.js';
import { adam } from '../../src/optim/alias.js';
import { Rng } from '../../src/random/rng.js';
import { entryView } from '../../src/tensor/layout.js';
import { trainLoop } from '../../src/train/train-loop.js';
import { floatInput, onnxSession, runOnnx, stringInput } from '../helpers/onnx-runtime.js';

const { onnx } = onnxProto;

/** gradstream's inference: a fresh Network in eval mode over `params`/`buffers`, on `rows` encoded rows. */
function gradstreamForward(
  spec: MlpSpec,
  params: Float32Array,
  buffers: Float32Array,
  rows: number,
  fill: (input: Float32Array, labels: Int32Array) => void,
): Float32Array {
  const net = Network.create(spec, { capacity: rows });
  net.params.set(params);
  net.buffers.set(buffers);
  fill(net.input, net.labels);
  const out = spec.sizes[spec.sizes.length - 1];
  return net.forward({ n: rows, train: false, step: 0 }).slice(0, rows * out);
}

/** Row-wise softmax in float64. */
function softmax(logits: Float32Array, width: number): Float64Array {
  const out = new Float64Array(logits.length);
  for (let r = 0; r < logits.length / width; r++) {
    let max = -Infinity;
    for (let k = 0; k < width; k++) max = Math.max(max, logits[r * width + k]);
    let sum = 0;
    for (let k = 0; k < width; k++) sum += out[r * width + k] = Math.exp(logits[r * width + k] - max);
    for (let k = 0; k < width; k++) out[r * width + k] /= sum;
  }
  return out;
}

const argmax = (values: ArrayLike<number>, row: number, width: number): number => {
  let best = 0;
  for (let k = 1; k < width; k++) if (values[row * width + k] > values[row * width + best]) best = k;
  return best;
};

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
};

describe('ONNX export of MNIST models, run by onnxruntime on the 10,000 test images', () => {
  let train: Dataset;
  let test: Dataset;
  beforeAll(() => {
    const mnist = loadMnist();
    train = subset(mnist.train, 0, 3000);
    test = mnist.test;
  });

  const cases: [string, Omit<MlpOptions, 'sizes'>][] = [
    ['relu', { activation: 'relu' }],
    ['batch norm', { activation: 'relu', batchNorm: true }],
    ['sigmoid', { activation: 'sigmoid' }],
  ];
  it.each(cases)('%s: the same argmax on every image, probabilities within 1e-5', async (label, options) => {
    const spec = mlp({ sizes: [784, 32, 10], ...options });
    const { network } = trainLoop({
      model: spec,
      optimizer: adam({ lr: 3e-3 }),
      train,
      epochs: 2,
      batchSize: 100,
      seed: 7,
    });
    if (spec.batchNorm) {
      // The running statistics moved off their initial 0 and 1: the export must carry them.
      expect(network.buffers.some((v) => v !== 0 && v !== 1)).toBe(true);
    }
    const preprocessing = scalePreprocessing(784, test.scale, 10);
    const model = onnxModel(spec, network.params, network.buffers, preprocessing, { run: label, step: 60 });

    const session = await onnxSession(model);
    expect(session.inputNames).toEqual(['input']);
    expect(session.outputNames).toEqual(['probabilities']);
    const pixels = Float32Array.from(test.x); // raw bytes 0–255, as a user's runtime gets them
    const started = performance.now();
    const { values, dims } = await runOnnx(
      session,
      { input: floatInput(pixels, test.n, 784) },
      'probabilities',
    );
    const ms = performance.now() - started;
    expect(dims).toEqual([10_000, 10]);

    const order = Uint32Array.from({ length: test.n }, (_, i) => i);
    const logits = gradstreamForward(spec, network.params, network.buffers, test.n, (input, labels) =>
      gatherBatch(test, order, 0, test.n, input, labels),
    );
    const expected = softmax(logits, 10);
    let agree = 0;
    let correct = 0;
    for (let r = 0; r < test.n; r++) {
      const mine = argmax(expected, r, 10);
      if (argmax(values, r, 10) === mine) agree++;
      if (mine === test.labels[r]) correct++;
    }
    const delta = maxAbsDiff(values, expected);
    console.log(
      `onnx ${label}: max |Δprob| ${delta.toExponential(2)} over 10,000 images, argmax agrees on ${agree}, ` +
        `accuracy ${(correct / test.n).toFixed(4)}, onnxruntime ${ms.toFixed(0)} ms`,
    );
    expect(agree).toBe(10_000);
    expect(delta).toBeLessThan(1e-5);
    expect(correct / test.n).toBeGreaterThan(0.75); // a trained model (chance is 0.1)
  });
});

describe('ONNX export of a table model: raw numbers and strings in, the graph encodes them', () => {
  const columns: ColumnEncoding[] = [
    { kind: 'number', name: 'age', mean: 41.5, std: 12.25 },
    { kind: 'category', name: 'colour', values: ['red', 'green', 'blue'] },
    { kind: 'number', name: 'height (cm)', mean: 171, std: 9.5 },
    { kind: 'category', name: 'city/region', values: ['Zürich', 'Bern'] },
  ];
  const input = { kind: 'table', columns } as const;
  const width = encodedWidth(input);
  const rng = new Rng(17).fork('rows');
  const colours = ['red', 'green', 'blue', 'purple', 'Red'];
  const cities = ['Zürich', 'Bern', 'zürich', 'Basel'];
  const n = 64;
  const rows = Array.from({ length: n }, () => ({
    age: Math.fround(rng.uniform(18, 80)),
    colour: colours[rng.int(colours.length)],
    height: Math.fround(rng.uniform(150, 200)),
    city: cities[rng.int(cities.length)],
  }));

  /** The rows encoded by hand: standardized numbers, one-hot categories (unseen: zeros). */
  function encodeByHand(out: Float32Array): void {
    rows.forEach((row, r) => {
      const at = r * width;
      out[at] = (row.age - 41.5) / 12.25;
      for (const [k, v] of ['red', 'green', 'blue'].entries()) out[at + 1 + k] = row.colour === v ? 1 : 0;
      out[at + 4] = (row.height - 171) / 9.5;
      for (const [k, v] of ['Zürich', 'Bern'].entries()) out[at + 5 + k] = row.city === v ? 1 : 0;
    });
  }

  /** A spec with seeded random parameters and (for batch norm) running statistics. */
  function randomModel(spec: MlpSpec, seed: number) {
    const net = Network.create(spec, { capacity: 1 });
    const r = new Rng(seed).fork('params');
    r.fillNormal(net.params, 0.5);
    for (const entry of net.bufferLayout.entries) {
      const view = entryView(net.bufferLayout, net.buffers, entry.name);
      // Running means anywhere, running variances > 0.
      for (let i = 0; i < view.length; i++)
        view[i] = entry.role === 'scale' ? Math.abs(r.normal()) + 0.1 : r.normal();
    }
    return { params: net.params, buffers: net.buffers };
  }

  const feeds = (names: readonly string[]) => ({
    [names[0]]: floatInput(
      Float32Array.from(rows, (x) => x.age),
      n,
      1,
    ),
    [names[1]]: stringInput(rows.map((x) => x.colour)),
    [names[2]]: floatInput(
      Float32Array.from(rows, (x) => x.height),
      n,
      1,
    ),
    [names[3]]: stringInput(rows.map((x) => x.city)),
  });

  it('classification: one input per column (names made safe), probabilities within 1e-5', async () => {
    const spec = mlp({ sizes: [width, 16, 8, 3], batchNorm: true });
    const { params, buffers } = randomModel(spec, 3);
    const preprocessing: Preprocessing = {
      version: 1,
      input,
      output: { kind: 'classes', names: ['a', 'b', 'c'] },
    };
    const session = await onnxSession(onnxModel(spec, params, buffers, preprocessing));
    expect(session.inputNames).toEqual(['age', 'colour', 'height_cm', 'city_region']);
    expect(session.outputNames).toEqual(['probabilities']);
    const { values, dims } = await runOnnx(session, feeds(session.inputNames), 'probabilities');
    expect(dims).toEqual([n, 3]);
    const expected = softmax(
      gradstreamForward(spec, params, buffers, n, (x) => encodeByHand(x)),
      3,
    );
    expect(maxAbsDiff(values, expected)).toBeLessThan(1e-5);
    // Not a constant answer: the rows' classes differ.
    const classes = new Set(rows.map((_, r) => argmax(values, r, 3)));
    console.log(
      `onnx table: classes ${[...classes]}, max |Δprob| ${maxAbsDiff(values, expected).toExponential(2)}`,
    );
    expect(classes.size).toBeGreaterThan(1);
  });

  it("the hand encoding is the CSV row encoder's (what gradstream trains and predicts on)", () => {
    const preprocessing: Preprocessing = {
      version: 1,
      input,
      output: { kind: 'classes', names: ['a', 'b'] },
    };
    const encoder = createRowEncoder(preprocessing);
    const byEncoder = new Float32Array(n * width);
    rows.forEach((row, r) => {
      const cells = [String(row.age), row.colour, String(row.height), row.city];
      expect(encoder.encode(cells, byEncoder, r * width)).toBe(-1);
    });
    const byHand = new Float32Array(n * width);
    encodeByHand(byHand);
    expect(byHand).toEqual(byEncoder);
  });

  it('regression: the linear outputs as `predictions`, no softmax', async () => {
    const spec = mlp({ sizes: [width, 12, 2], activation: 'sigmoid', loss: 'mse' });
    const { params, buffers } = randomModel(spec, 4);
    const preprocessing: Preprocessing = {
      version: 1,
      input,
      output: { kind: 'targets', names: ['price', 'size'] },
    };
    const session = await onnxSession(onnxModel(spec, params, buffers, preprocessing));
    expect(session.outputNames).toEqual(['predictions']);
    const { values } = await runOnnx(session, feeds(session.inputNames), 'predictions');
    const expected = gradstreamForward(spec, params, buffers, n, (x) => encodeByHand(x));
    expect(maxAbsDiff(values, expected)).toBeLessThan(1e-5);
    expect(values.some((v) => v < 0 || v > 1)).toBe(true); // linear: not squashed into (0, 1)
  });
});

describe('onnxModel', () => {
  it('names inputs safely: letters, digits and _ kept, unique, apart from the output', () => {
    const number = (name: string): ColumnEncoding => ({ kind: 'number', name, mean: 0, std: 1 });
    const names = onnxInputs(
      { kind: 'table', columns: ['a b', 'a-b', '', 'probabilities', ' température °C ', 'x'].map(number) },
      'probabilities',
    ).map((i) => i.name);
    expect(names).toEqual(['a_b', 'a_b_2', 'column_3', 'probabilities_2', 'température_C', 'x']);
  });

  it('carries opset, producer and what goes in and out in its metadata', () => {
    const spec = mlp({ sizes: [4, 3, 2] });
    const net = Network.create(spec, { capacity: 1 });
    net.initialize(1);
    const preprocessing = scalePreprocessing(4, 1 / 255, 2);
    const decoded = onnx.ModelProto.decode(
      onnxModel(spec, net.params, net.buffers, preprocessing, { run: 'r1', step: 12 }),
    );
    expect(decoded.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', ONNX_OPSET]]);
    expect(decoded.producerName).toBe('gradstream');
    const meta = Object.fromEntries(decoded.metadataProps.map((p) => [p.key, p.value]));
    expect(meta).toMatchObject({ run: 'r1', step: '12', classes: '["0","1"]' });
    expect(JSON.parse(meta.preprocessing)).toEqual(preprocessing);
    expect(JSON.parse(meta.model)).toEqual(spec);
    expect(decoded.docString).toMatch(/Input "input": float32 \[N, 4\].*\n.*Output "probabilities"/);
    expect(decoded.graph?.node?.map((x) => x.opType)).toEqual(['Mul', 'Gemm', 'Relu', 'Gemm', 'Softmax']);
  });

  it('refuses a regression model with a classes output, and the other way round', () => {
    const spec = mlp({ sizes: [4, 3, 2], loss: 'mse' });
    const net = Network.create(spec, { capacity: 1 });
    expect(() => onnxModel(spec, net.params, net.buffers, scalePreprocessing(4, 1, 2))).toThrow(
      /output is classes, the model's loss is mse \(allowed pairs: classes with cross-entropy, targets with mse\)/,
    );
  });

  it('refuses a preprocessing that does not fit the model, naming both widths', () => {
    const spec = mlp({ sizes: [4, 3, 2] });
    const net = Network.create(spec, { capacity: 1 });
    expect(() => onnxModel(spec, net.params, net.buffers, scalePreprocessing(5, 1, 2))).toThrow(
      new GradstreamError(
        'ERR_SHAPE_MISMATCH',
        'onnx export: the preprocessing gives 5 input features and 2 outputs (classes), the model 4-3-2 takes 4 and gives 2',
      ),
    );
  });
});
