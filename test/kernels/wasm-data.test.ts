// The data-path and reduction kernels, wasm against the JS reference: gathering scaled dataset rows
// (bit for bit: both round f32(x)·f32(scale) once), y ← a·x + b·y, and the float64 sum of squares.

import { beforeAll, describe, expect, it } from 'vitest';
import { gatherBatch } from '../../src/data/batch.js';
import { fromArrays } from '../../src/data/dataset.js';
import { declareDataset, placeDataset } from '../../src/data/in-arena.js';
import { jsKernels } from '../../src/kernels/js/index.js';
import type { Kernels } from '../../src/kernels/kernels.js';
import { createWasmKernels, detectWasmFeatures } from '../../src/kernels/wasm/index.js';
import { mlp } from '../../src/nn/mlp.js';
import { declareModelState, declareNetworkScratch, Network } from '../../src/nn/network.js';
import { Rng } from '../../src/random/rng.js';
import { type Arena, ArenaBuilder } from '../../src/tensor/arena.js';
import { fillUniform, wasmWithArena } from './helpers.js';

const features = detectWasmFeatures();
const SENTINEL = -777.25;

describe.each([
  { relaxed: false, shared: false },
  { relaxed: true, shared: true },
])('wasm data kernels (relaxed: $relaxed, shared: $shared)', (variant) => {
  describe.runIf(!variant.relaxed || features.relaxedSimd)('on seeded random inputs', () => {
    const rng = new Rng(11);
    let arena: Arena;
    let kernels: Kernels;
    beforeAll(() => {
      ({ arena, kernels } = wasmWithArena(variant));
    });

    it('gatherRows gathers and scales byte rows bit for bit, writing only count × features', () => {
      const bytes = arena.u8('labels8');
      for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(256);
      const rows = arena.i32('labels32');
      for (const [n, f, count] of [
        [5, 1, 3],
        [9, 3, 9],
        [40, 17, 13],
        [100, 784, 64],
        [30, 33, 1],
      ]) {
        const x = bytes.subarray(0, n * f);
        for (let i = 0; i < count; i++) rows[i] = rng.int(n);
        const out = arena.f32('c').subarray(0, count * f + 1);
        out.fill(SENTINEL);
        const ref = new Float32Array(count * f);
        jsKernels.gatherRows(x, rows, ref, count, f, 1 / 255);
        kernels.gatherRows(x, rows, out, count, f, 1 / 255);
        expect(Array.from(out.subarray(0, count * f))).toEqual(Array.from(ref));
        expect(out[count * f]).toBe(SENTINEL);
        expect(ref[0]).toBe(Math.fround(x[rows[0] * f] * Math.fround(1 / 255)));
      }
    });

    it('gatherRows gathers and scales float rows bit for bit', () => {
      const rows = arena.i32('labels32');
      const [n, f, count] = [50, 129, 31];
      const x = fillUniform(rng, arena.f32('a').subarray(0, n * f));
      for (let i = 0; i < count; i++) rows[i] = rng.int(n);
      const out = arena.f32('c').subarray(0, count * f);
      const ref = new Float32Array(count * f);
      jsKernels.gatherRows(x, rows, ref, count, f, 0.3);
      kernels.gatherRows(x, rows, out, count, f, 0.3);
      expect(Array.from(out)).toEqual(Array.from(ref));
    });

    it('gatherRows refuses a row outside the data, naming it, and data outside its memory', () => {
      const rows = arena.i32('labels32');
      rows[0] = 0;
      rows[1] = 10;
      const x = arena.u8('labels8').subarray(0, 10 * 4);
      expect(() => kernels.gatherRows(x, rows, arena.f32('c'), 2, 4, 1)).toThrow(
        /rows\[1\] is 10, expected an integer in \[0, 10\)/,
      );
      expect(() => kernels.gatherRows(new Uint8Array(40), rows, arena.f32('c'), 1, 4, 1)).toThrow(
        /gatherRows: x must be a view inside the wasm kernels' memory/,
      );
    });

    it('axpby agrees with the reference within two float32 roundings', () => {
      for (const n of [1, 3, 4, 127, 129, 1000]) {
        for (const [a, b] of [
          [0.5, 0.5],
          [0.25, 1],
          [0, 0.75],
          [1.5, -2],
        ]) {
          const x = fillUniform(rng, arena.f32('a').subarray(0, n));
          const y = fillUniform(rng, arena.f32('b').subarray(0, n + 1));
          y[n] = SENTINEL;
          const ref = y.slice(0, n);
          jsKernels.axpby(a, x, b, ref, n);
          const before = y.slice(0, n);
          kernels.axpby(a, x, b, y.subarray(0, n), n);
          for (let i = 0; i < n; i++) {
            const bound = 2 ** -23 * (Math.abs(a * x[i]) + Math.abs(b * before[i])) + 1e-38;
            expect(Math.abs(y[i] - ref[i])).toBeLessThanOrEqual(bound);
          }
          expect(y[n]).toBe(SENTINEL);
        }
      }
    });

    it('sumSquares equals the float64 reference up to summation order, and sees a non-finite value', () => {
      for (const n of [0, 1, 3, 4, 5, 127, 129, 100_000]) {
        const x = fillUniform(rng, arena.f32('a').subarray(0, Math.max(n, 1)));
        const ref = jsKernels.sumSquares(x, n);
        expect(Math.abs(kernels.sumSquares(x, n) - ref)).toBeLessThanOrEqual(1e-13 * ref + 1e-300);
      }
      const x = fillUniform(rng, arena.f32('a').subarray(0, 129));
      x[128] = Number.POSITIVE_INFINITY;
      expect(kernels.sumSquares(x, 129)).toBe(Number.POSITIVE_INFINITY);
      x[128] = Number.NaN;
      expect(kernels.sumSquares(x, 129)).toBeNaN();
    });
  });
});

describe('a dataset placed in the arena and loaded by Network.loadBatch', () => {
  const n = 23;
  const ds = fromArrays(
    Array.from({ length: n }, (_, i) => Array.from({ length: 6 }, (_, j) => (i * 7 + j * 13) % 256)),
    Array.from({ length: n }, (_, i) => i % 4),
    { name: 'tiny', classes: 4 },
  );
  const bytes = { ...ds, x: Uint8Array.from(ds.x), scale: 1 / 255 };
  const model = mlp({ sizes: [6, 5, 4] });
  const order = Uint32Array.from({ length: n }, (_, i) => (i * 5) % n);

  it.each(['js', 'wasm'] as const)(
    'gives the rows, labels and ids gatherBatch gives (%s kernels)',
    (kind) => {
      const wasm = kind === 'wasm' ? createWasmKernels() : null;
      const builder = new ArenaBuilder();
      declareModelState(builder, model);
      declareNetworkScratch(builder, model, 8);
      declareDataset(builder, 'train', bytes);
      const arena = builder.build(wasm ? wasm.allocation : {});
      const data = placeDataset(arena, 'train', bytes);
      expect(data.x.buffer).toBe(arena.u8('data/train.x').buffer);
      const net = new Network(model, arena, { capacity: 8, kernels: wasm ? wasm.kernels : jsKernels });
      net.loadBatch(data, order, 3, 7);
      const x = new Float32Array(7 * 6);
      const labels = new Int32Array(7);
      gatherBatch(bytes, order, 3, 7, x, labels);
      expect(Array.from(net.input.subarray(0, 42))).toEqual(Array.from(x));
      expect(Array.from(net.labels.subarray(0, 7))).toEqual(Array.from(labels));
      expect(Array.from(net.sampleIds.subarray(0, 7))).toEqual(Array.from(order.subarray(3, 10)));
      expect(() => net.loadBatch(data, Uint32Array.from([1, n]), 0, 2)).toThrow(
        /order\[1\] is 23, expected < 23/,
      );
      expect(() => net.loadBatch(data, order, 0, 9)).toThrow(/capacity 8/);
    },
  );
});
