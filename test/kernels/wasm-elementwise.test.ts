// The wasm elementwise kernels against the JS reference: exact where both round once, within a
// few ulp where wasm evaluates e^x in float32 (sigmoid) and the JS reference in float64
// (measured worst case over 1M inputs in [−30, 30]: 2.0e−7 relative; the bound is twice that).

import { beforeAll, describe, expect, it } from 'vitest';
import { jsKernels } from '../../src/kernels/js/index.js';
import type { Kernels } from '../../src/kernels/kernels.js';
import { detectWasmFeatures } from '../../src/kernels/wasm/index.js';
import { Rng } from '../../src/random/rng.js';
import type { Arena } from '../../src/tensor/arena.js';
import { fillUniform, wasmWithArena, worst } from './helpers.js';

const LENGTHS = [1, 3, 4, 127, 129, 1000];
const SHAPES: Array<[number, number]> = [
  [1, 1],
  [3, 127],
  [129, 3],
  [127, 129],
  [128, 10],
  [2, 16],
  [5, 33],
];
const features = detectWasmFeatures();
const SENTINEL = -777.25;

describe.each([
  { relaxed: false, shared: false },
  { relaxed: true, shared: true },
])('wasm elementwise kernels (relaxed: $relaxed, shared: $shared)', (variant) => {
  describe.runIf(!variant.relaxed || features.relaxedSimd)('on seeded random inputs', () => {
    const rng = new Rng(3);
    let arena: Arena;
    let kernels: Kernels;
    let a: Float32Array;
    let b: Float32Array;
    let c: Float32Array;
    beforeAll(() => {
      ({ arena, kernels } = wasmWithArena(variant));
      [a, b, c] = [arena.f32('a'), arena.f32('b'), arena.f32('c')];
    });

    /** Fills x with values in [−scale, scale), a few exact zeros, and ±0. */
    function inputs(len: number, scale = 1): Float32Array {
      const x = fillUniform(rng, a.subarray(0, len));
      for (let i = 0; i < len; i++) x[i] *= scale;
      if (len > 2) x[1] = 0;
      if (len > 3) x[2] = -0;
      return x;
    }

    it('addRowVector equals the reference exactly and writes only m×n', () => {
      for (const [m, n] of SHAPES) {
        const bias = fillUniform(rng, b.subarray(0, n));
        const x = fillUniform(rng, c.subarray(0, m * n + 1));
        x[m * n] = SENTINEL;
        const ref = x.slice(0, m * n);
        jsKernels.addRowVector(ref, bias, m, n);
        kernels.addRowVector(x.subarray(0, m * n), bias, m, n);
        expect(Array.from(x.subarray(0, m * n))).toEqual(Array.from(ref));
        expect(x[m * n]).toBe(SENTINEL);
      }
    });

    it('sumRows equals the reference exactly (same summation order)', () => {
      for (const [m, n] of SHAPES) {
        const x = fillUniform(rng, a.subarray(0, m * n));
        const out = c.subarray(0, n + 1);
        out.fill(SENTINEL);
        const ref = new Float32Array(n);
        jsKernels.sumRows(x, ref, m, n);
        kernels.sumRows(x, out.subarray(0, n), m, n);
        expect(Array.from(out.subarray(0, n))).toEqual(Array.from(ref));
        expect(out[n]).toBe(SENTINEL);
      }
    });

    it('reluForward and reluBackward equal the reference bit for bit', () => {
      for (const len of LENGTHS) {
        const x = inputs(len);
        const y = b.subarray(0, len + 1);
        y[len] = SENTINEL;
        const ref = new Float32Array(len);
        jsKernels.reluForward(x, ref, len);
        kernels.reluForward(x, y.subarray(0, len), len);
        expect(Array.from(y.subarray(0, len))).toEqual(Array.from(ref));
        expect(y[len]).toBe(SENTINEL);
        const dy = fillUniform(rng, c.subarray(0, len));
        const dx = arena.f32('d').subarray(0, len);
        const refDx = new Float32Array(len);
        jsKernels.reluBackward(dy, y, refDx, len);
        kernels.reluBackward(dy, y, dx, len);
        expect(Array.from(dx)).toEqual(Array.from(refDx));
      }
    });

    it('sigmoidForward is within 4e-7 relative (≈ 3 float32 ulp) of the reference, also for large |x|', () => {
      for (const len of LENGTHS) {
        const x = inputs(len, 12);
        if (len > 4) x.set([-100, 100, -87.5, 88.5], len - 4);
        const y = b.subarray(0, len);
        const ref = new Float32Array(len);
        jsKernels.sigmoidForward(x, ref, len);
        kernels.sigmoidForward(x, y, len);
        // Absolute 1e-37: below e^−87 the wasm exponential saturates where float64 keeps going.
        expect(worst(y, ref, (i) => 4e-7 * Math.abs(ref[i]) + 1e-37)).toBeNull();
      }
    });

    it('sigmoidBackward is within 4e-7 relative of the reference', () => {
      for (const len of LENGTHS) {
        const y = b.subarray(0, len);
        jsKernels.sigmoidForward(inputs(len, 6), y, len);
        const dy = fillUniform(rng, c.subarray(0, len));
        const dx = arena.f32('d').subarray(0, len);
        const ref = new Float32Array(len);
        jsKernels.sigmoidBackward(dy, y, ref, len);
        kernels.sigmoidBackward(dy, y, dx, len);
        expect(worst(dx, ref, (i) => 4e-7 * Math.abs(ref[i]) + 1e-45)).toBeNull();
      }
    });

    it.each(['labels8', 'labels32'] as const)(
      'softmaxCrossEntropy matches the reference with %s',
      (labelsName) => {
        for (const [m, n] of SHAPES) {
          const logits = inputs(m * n, 8);
          const labels = labelsName === 'labels8' ? arena.u8('labels8') : arena.i32('labels32');
          for (let i = 0; i < m; i++) labels[i] = rng.int(n);
          const dlogits = b.subarray(0, m * n);
          const refD = new Float32Array(m * n);
          const refLoss = jsKernels.softmaxCrossEntropy(logits, labels.subarray(0, m), refD, m, n);
          const loss = kernels.softmaxCrossEntropy(logits, labels.subarray(0, m), dlogits, m, n);
          expect(Math.abs(loss - refLoss)).toBeLessThanOrEqual(1e-6 * Math.abs(refLoss) + 1e-12);
          expect(worst(dlogits, refD, (i) => 1e-6 * Math.abs(refD[i]) + 1e-9 / m)).toBeNull();
        }
      },
    );

    it('softmaxCrossEntropy allows dlogits to alias logits', () => {
      const [m, n] = [64, 10];
      const logits = inputs(m * n, 5);
      const labels = arena.u8('labels8').subarray(0, m);
      for (let i = 0; i < m; i++) labels[i] = (i * 7) % n;
      const refD = new Float32Array(m * n);
      const refLoss = jsKernels.softmaxCrossEntropy(logits, labels, refD, m, n);
      const loss = kernels.softmaxCrossEntropy(logits, labels, logits, m, n);
      expect(Math.abs(loss - refLoss)).toBeLessThanOrEqual(1e-6 * refLoss);
      expect(worst(logits, refD, (i) => 1e-6 * Math.abs(refD[i]) + 1e-9 / m)).toBeNull();
    });

    it('softmaxCrossEntropy rejects a label outside [0, n), naming the row', () => {
      const labels = arena.i32('labels32').subarray(0, 4);
      labels.set([0, 1, 10, 2]);
      const logits = inputs(40);
      expect(() => kernels.softmaxCrossEntropy(logits, labels, b.subarray(0, 40), 4, 10)).toThrow(
        /labels\[2\] must be an integer in \[0, 10\), got 10/,
      );
      labels[2] = -1;
      expect(() => kernels.softmaxCrossEntropy(logits, labels, b.subarray(0, 40), 4, 10)).toThrow(/got -1/);
    });
  });
});
