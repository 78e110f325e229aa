import { describe, expect, it } from 'vitest';
import { buildRun } from '../../src/config/build.js';
import type { RunDataShape } from '../../src/config/data-shape.js';
import {
  estimateRunMemory,
  formatBytes,
  memoryLimit,
  sizeProblems,
  splitSizes,
} from '../../src/config/run-memory.js';
import { parseConfig } from '../../src/config/validate.js';
import { declareDataset } from '../../src/data/in-arena.js';
import { createPlan, declarePipelineMemory } from '../../src/pipeline/plan.js';
import { ArenaBuilder } from '../../src/tensor/arena.js';

/** MNIST's shape as its headers give it (the package's files). */
const MNIST: RunDataShape = {
  train: { path: 'train-images-idx3-ubyte', field: 'data.dir', n: 60_000, features: 784, bytesPerValue: 1 },
  test: { path: 't10k-images-idx3-ubyte', field: 'data.dir', n: 10_000, features: 784, bytesPerValue: 1 },
  classes: 10,
};

const config = (input: object) => parseConfig(input, { checkFiles: false });

/** The byte length of the arena the pipeline lays out for `input` (allocated: keep the runs small). */
function realArenaBytes(input: object, shape: RunDataShape): number {
  const c = config(input);
  const run = buildRun(c, { inputSize: shape.train.features, classes: shape.classes });
  const plan = createPlan(run.plan);
  const builder = new ArenaBuilder();
  declarePipelineMemory(builder, plan);
  const sizes = splitSizes(c, shape);
  const fake = (n: number, bytes: 1 | 4) => {
    const length = n * shape.train.features;
    return { x: bytes === 1 ? new Uint8Array(length) : new Float32Array(length) } as never;
  };
  declareDataset(builder, 'train', fake(sizes.train, shape.train.bytesPerValue));
  if (sizes.validation > 0)
    declareDataset(builder, 'validation', fake(sizes.validation, shape.train.bytesPerValue));
  if (shape.test) declareDataset(builder, 'test', fake(sizes.test, shape.test.bytesPerValue));
  return builder.build().descriptor.byteLength;
}

const small: RunDataShape = {
  train: { path: 'x', field: 'data.images', n: 500, features: 20, bytesPerValue: 4 },
  test: { path: 'y', field: 'data.testImages', n: 50, features: 20, bytesPerValue: 4 },
  classes: 10,
};

describe('estimateRunMemory', () => {
  it.each([
    [{}, MNIST],
    [{ model: { sizes: [20, 30, 10] }, batchSize: 64, workers: 3 }, small],
    [
      { model: { sizes: [20, 30, 30, 10], batchNorm: true, dropout: 0.5 }, batchSize: 33, microBatches: 4 },
      small,
    ],
    [
      { model: { sizes: [20, 16, 10] }, mode: 'async', staleness: 3, optimizer: { name: 'sgd', lr: 0.1 } },
      small,
    ],
    [{ model: { sizes: [20, 16, 10] }, batchSize: 10, data: { validation: 0, trainLimit: 100 } }, small],
  ])('is the arena the pipeline lays out for %j, less its few KiB of counters', (input, shape) => {
    const estimate = estimateRunMemory(config(input), shape);
    const real = realArenaBytes(input, shape);
    expect(real - estimate.total).toBeGreaterThanOrEqual(0);
    expect(real - estimate.total).toBeLessThan(16 * 1024);
  });

  it('counts the default MNIST run by its parts', () => {
    const m = estimateRunMemory(config({}), MNIST);
    expect(m.data).toBeGreaterThan(60_000 * 784); // 54,000 + 6,000 + 10,000 samples of 784 bytes
    expect(m.optimizer).toBe(2 * (m.parameters / 2)); // Adam's two slots, each parameter-sized
    expect(formatBytes(m.total)).toMatch(/^\d+\.?\d* MiB$/);
  });
});

describe('sizeProblems', () => {
  const limit = { bytes: 1024 ** 3, why: 'a test limit' };

  it('refuses a batch larger than the training set, with the memory it would need', () => {
    expect(sizeProblems(config({ batchSize: 1e12 }), MNIST, limit)).toEqual([
      expect.stringMatching(
        /^batchSize: must be at most the 54000 training samples \(60000, less 6000 held out for validation\), got 1000000000000; a run with that batch also needs [\d.]+ PiB of shared memory \(.*activations of batch 1000000000000 [\d.]+ PiB.*\), more than the 1.00 GiB a run may have here \(a test limit\)$/,
      ),
    ]);
    expect(sizeProblems(config({ batchSize: 100_000, data: { trainLimit: 300 } }), MNIST, limit)[0]).toMatch(
      /^batchSize: must be at most the 270 training samples \(60000, 300 after data.trainLimit, less 30 held out for validation\), got 100000/,
    );
  });

  it('names model.hidden when the parameters do not fit, batchSize when the activations do not', () => {
    const [hidden] = sizeProblems(config({ model: { hidden: [1e9] } }), MNIST, limit);
    expect(hidden).toMatch(
      /^model\.hidden: the run needs [\d.]+ TiB of shared memory \(parameters [\d.]+ TiB, optimizer state [\d.]+ TiB, /,
    );
    const [sizes] = sizeProblems(config({ model: { sizes: [784, 1e9, 10] } }), MNIST, limit);
    expect(sizes).toMatch(/^model\.sizes: the run needs/);
    const [batch] = sizeProblems(config({ batchSize: 50_000, model: { hidden: [4000] } }), MNIST, limit);
    expect(batch).toMatch(/^batchSize: the run needs [\d.]+ GiB of shared memory/);
    expect(sizeProblems(config({}), MNIST, limit)).toEqual([]);
  });

  it('blames data.validation for a split that leaves a part empty', () => {
    expect(sizeProblems(config({ data: { validation: 0.999, trainLimit: 300 } }), MNIST, limit)).toEqual([
      'data.validation: must leave at least 1 sample in each part of the 300 training samples, got 0.999 (300 held out, 0 left to train on)',
    ]);
  });
});

describe('memoryLimit', () => {
  it('is the smallest of the machine, the largest array and, with wasm, the kernels’ memory', () => {
    const js = memoryLimit('js', {});
    expect(js.bytes).toBeLessThanOrEqual(2 ** 32);
    expect(["this machine's memory", 'the largest typed array']).toContain(js.why);
    const wasm = memoryLimit('auto', { GRADSTREAM_KERNELS: 'wasm' });
    expect(wasm).toEqual({ bytes: 1024 ** 3 - 4 * 1024 ** 2, why: "the wasm kernels' memory" });
    expect(memoryLimit('wasm', { GRADSTREAM_KERNELS: 'js' }).why).not.toContain('wasm');
  });
});
