// The zero-skipping products of the first layer (matmulSparseA, matmulTransASparseA): equal to the
// dense JS products — exactly for the JS set (same order, and a skipped term adds an exact zero),
// within float32 rounding for wasm — on odd shapes at several shares of zeros.

import { describe, expect, it } from 'vitest';
import { fromArrays } from '../../src/data/dataset.js';
import { loadMnist } from '../../src/data/mnist.js';
import { isMostlyZeros, zeroFraction } from '../../src/data/sparsity.js';
import { jsKernels } from '../../src/kernels/js/index.js';
import { detectWasmFeatures } from '../../src/kernels/wasm/index.js';
import { mlp } from '../../src/nn/mlp.js';
import { Network } from '../../src/nn/network.js';
import { sgd } from '../../src/optim/alias.js';
import { createPlan } from '../../src/pipeline/plan.js';
import { Rng } from '../../src/random/rng.js';
import { trainLoop } from '../../src/train/train-loop.js';
import { absProduct, accessors, productBound, wasmWithArena, worst } from './helpers.js';

const PAIRS = [
  ['matmulSparseA', 'matmul'],
  ['matmulTransASparseA', 'matmulTransA'],
] as const;
const ODD = [1, 3, 127, 129];
const SHAPES: Array<[number, number, number]> = [
  ...ODD.flatMap((m) => ODD.flatMap((k) => ODD.map((n): [number, number, number] => [m, k, n]))),
  [64, 784, 100], // the first layer of the book's net on a micro-batch
  [5, 33, 32],
  [17, 0, 5],
];
const ZERO_SHARES = [0, 0.8, 1];
const SENTINEL = 12345.5;
const features = detectWasmFeatures();

/** Uniform values in [−1, 1), each replaced by 0 with probability `zeros`. */
function sparseUniform(rng: Rng, out: Float32Array, zeros: number): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = rng.uniform(0, 1) < zeros ? 0 : rng.uniform(-1, 1);
  return out;
}

describe.each(PAIRS)('%s', (sparse, dense) => {
  it('equals the dense JS product exactly in the JS set', () => {
    const rng = new Rng(3);
    for (const zeros of ZERO_SHARES) {
      for (const [m, k, n] of SHAPES) {
        const a = sparseUniform(rng, new Float32Array(m * k), zeros);
        const b = sparseUniform(rng, new Float32Array(k * n), 0);
        const want = new Float32Array(m * n);
        const got = new Float32Array(m * n).fill(SENTINEL);
        jsKernels[dense](a, b, want, m, k, n);
        jsKernels[sparse](a, b, got, m, k, n);
        expect(got, `${m}×${k}·${k}×${n}, ${zeros} zeros`).toEqual(want);
      }
    }
  });

  describe.each([
    { relaxed: false, shared: false },
    { relaxed: true, shared: true },
  ])('wasm (relaxed: $relaxed, shared: $shared)', (variant) => {
    it.runIf(!variant.relaxed || features.relaxedSimd)(
      'equals the dense JS product within float32 rounding, and writes nothing past the result',
      () => {
        const { arena, kernels } = wasmWithArena(variant);
        const rng = new Rng(5);
        for (const zeros of ZERO_SHARES) {
          for (const [m, k, n] of SHAPES) {
            const a = sparseUniform(rng, arena.f32('a').subarray(0, m * k), zeros);
            const b = sparseUniform(rng, arena.f32('b').subarray(0, k * n), 0);
            const c = arena.f32('c');
            c.fill(SENTINEL);
            const ref = new Float32Array(m * n);
            jsKernels[dense](a, b, ref, m, k, n);
            kernels[sparse](a, b, c.subarray(0, m * n), m, k, n);
            const { at, bt } = accessors(dense, a, b, m, k, n);
            const sums = absProduct(at, bt, m, k, n);
            const bad = worst(c.subarray(0, m * n), ref, (i) => productBound(k, sums[i]));
            expect(bad, `${m}×${k}·${k}×${n}, ${zeros} zeros`).toBeNull();
            expect(c[m * n]).toBe(SENTINEL);
          }
        }
      },
    );

    it.runIf(!variant.relaxed || features.relaxedSimd)(
      'falls back to the dense product when no scratch panel is free',
      () => {
        const { set, arena, kernels } = wasmWithArena(variant);
        const rng = new Rng(9);
        const [m, k, n] = [37, 300, 21];
        const a = sparseUniform(rng, arena.f32('a').subarray(0, m * k), 0.8);
        const b = sparseUniform(rng, arena.f32('b').subarray(0, k * n), 0);
        const listed = arena.f32('c').subarray(0, m * n);
        const fallback = arena.f32('d').subarray(0, m * n);
        kernels[sparse](a, b, listed, m, k, n);
        const busy = new Int32Array(set.memory.buffer, 0, 1);
        expect(busy[0]).toBe(0); // the panel was released
        busy[0] = -1;
        kernels[sparse](a, b, fallback, m, k, n);
        busy[0] = 0;
        const { at, bt } = accessors(dense, a, b, m, k, n);
        const sums = absProduct(at, bt, m, k, n);
        expect(worst(fallback, listed, (i) => productBound(k, sums[i]))).toBeNull();
      },
    );
  });
});

describe('isMostlyZeros and the skipInputZeros option', () => {
  it('finds MNIST mostly zeros and dense data not, and the network follows it when loading a batch', () => {
    const { train } = loadMnist({ trainLimit: 2000, testLimit: 1 });
    expect(zeroFraction(train)).toBeGreaterThan(0.7);
    expect(isMostlyZeros(train)).toBe(true);
    const dense = fromArrays(
      Array.from({ length: 100 }, (_, i) => Array.from({ length: 784 }, (_, j) => 1 + ((i + j) % 7))),
      Array.from({ length: 100 }, (_, i) => i % 10),
    );
    expect(zeroFraction(dense)).toBe(0);
    expect(isMostlyZeros(dense)).toBe(false);

    const net = Network.create(mlp({ sizes: [784, 16, 10] }), { capacity: 32 });
    const order = Uint32Array.from({ length: 32 }, (_, i) => i);
    expect(net.skipInputZeros).toBe(false);
    net.loadBatch(train, order, 0, 32);
    expect(net.skipInputZeros).toBe(true);
    const sparseLoss = net.lossAndGradient(32, 1);
    const sparseGrads = net.grads.slice();
    net.skipInputZeros = false; // the same batch through the dense products
    expect(net.lossAndGradient(32, 1)).toBe(sparseLoss); // the JS set: bit-identical
    expect(net.grads).toEqual(sparseGrads);
    net.loadBatch(dense, order, 0, 32);
    expect(net.skipInputZeros).toBe(false);
    net.inputFrom(train); // what evaluate() does before gathering rows itself
    expect(net.skipInputZeros).toBe(true);
  });

  it('is a trainLoop and train option, checked, and with the JS kernels changes no bit', () => {
    const { train } = loadMnist({ trainLimit: 640, testLimit: 1 });
    const run = (skipInputZeros: boolean | 'auto') =>
      trainLoop({
        model: mlp({ sizes: [784, 16, 10] }),
        optimizer: sgd({ lr: 0.1 }),
        train,
        batchSize: 64,
        kernels: 'js',
        skipInputZeros,
      }).network.params.slice();
    expect(run('auto')).toEqual(run(false));
    expect(() => run('yes' as unknown as boolean)).toThrow(
      "trainLoop: skipInputZeros must be 'auto', true or false, got",
    );
    expect(() =>
      createPlan({
        model: mlp({ sizes: [4, 2] }),
        optimizer: sgd({ lr: 1 }),
        batchSize: 4,
        workers: 1,
        skipInputZeros: 1 as unknown as boolean,
      }),
    ).toThrow("train: skipInputZeros must be 'auto', true or false, got 1");
  });
});
