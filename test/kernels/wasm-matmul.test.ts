// The wasm products against the JS reference products, within float32 rounding bounds, on odd shapes.

import { describe, expect, it } from 'vitest';
import { jsKernels } from '../../src/kernels/js/index.js';
import { detectWasmFeatures } from '../../src/kernels/wasm/index.js';
import { Rng } from '../../src/random/rng.js';
import {
  absProduct,
  accessors,
  fillUniform,
  type Product,
  productBound,
  wasmWithArena,
  worst,
} from './helpers.js';

const PRODUCTS: readonly Product[] = ['matmul', 'matmulTransA', 'matmulTransB'];
const ODD = [1, 3, 127, 129];
// Every combination of the odd sizes, then shapes that cross the 256-deep k-blocks, the 8-wide
// panels and the 64-row blocks.
const SHAPES: Array<[number, number, number]> = [
  ...ODD.flatMap((m) => ODD.flatMap((k) => ODD.map((n): [number, number, number] => [m, k, n]))),
  [64, 513, 100],
  [5, 256, 8],
  [6, 257, 9],
  [7, 784, 10],
  [17, 0, 5],
  // m a multiple of 512: Aᵀ is packed in 64-row blocks (see assembly/matmul.ts).
  [512, 260, 9],
  [1024, 33, 17],
];
const features = detectWasmFeatures();
const SENTINEL = 12345.5;

describe.each([
  { relaxed: false, shared: false },
  { relaxed: false, shared: true },
  { relaxed: true, shared: false },
  { relaxed: true, shared: true },
])('wasm products (relaxed: $relaxed, shared: $shared)', (variant) => {
  const available = !variant.relaxed || features.relaxedSimd;

  describe.runIf(available).each(PRODUCTS)('%s', (op) => {
    it('equals the JS reference within float32 rounding on odd shapes', () => {
      const { arena, kernels } = wasmWithArena(variant);
      const rng = new Rng(7);
      for (const [m, k, n] of SHAPES) {
        const a = fillUniform(rng, arena.f32('a').subarray(0, m * k));
        const b = fillUniform(rng, arena.f32('b').subarray(0, k * n));
        const c = arena.f32('c');
        c.fill(SENTINEL);
        const ref = new Float32Array(m * n);
        jsKernels[op](a, b, ref, m, k, n);
        kernels[op](a, b, c.subarray(0, m * n), m, k, n);
        const { at, bt } = accessors(op, a, b, m, k, n);
        const sums = absProduct(at, bt, m, k, n);
        const bad = worst(c.subarray(0, m * n), ref, (i) => productBound(k, sums[i]));
        expect(bad, `${op} ${m}×${k}·${k}×${n}`).toBeNull();
        // Nothing past the m×n result is written.
        expect(c[m * n]).toBe(SENTINEL);
      }
    });

    it('gives the same result on the unpacked path taken when every packing panel is busy', () => {
      const { set, arena, kernels } = wasmWithArena(variant);
      const rng = new Rng(11);
      const [m, k, n] = [37, 300, 21];
      const a = fillUniform(rng, arena.f32('a').subarray(0, m * k));
      const b = fillUniform(rng, arena.f32('b').subarray(0, k * n));
      const packed = arena.f32('c').subarray(0, m * n);
      const direct = arena.f32('d').subarray(0, m * n);
      kernels[op](a, b, packed, m, k, n);
      const busy = new Int32Array(set.memory.buffer, 0, 1);
      expect(busy[0]).toBe(0); // the panel was released
      busy[0] = -1; // all 32 panels taken, e.g. by 32 other threads
      kernels[op](a, b, direct, m, k, n);
      busy[0] = 0;
      const { at, bt } = accessors(op, a, b, m, k, n);
      const sums = absProduct(at, bt, m, k, n);
      expect(worst(direct, packed, (i) => productBound(k, sums[i]))).toBeNull();
    });
  });
});
