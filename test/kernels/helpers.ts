// Shared helpers of the kernel tests: seeded data, error bounds, and a wasm set with one big arena.

import { createWasmKernels, type WasmKernelSet } from '../../src/kernels/wasm/index.js';
import type { Rng } from '../../src/random/rng.js';
import { ArenaBuilder } from '../../src/tensor/arena.js';

/** Largest element count any test region needs (129 × 513 and friends fit). */
export const REGION = 140_000;

/** A wasm kernel set whose arena has regions a, b, c, d of REGION floats and labels of REGION ints. */
export function wasmWithArena(options: { relaxed: boolean; shared: boolean }) {
  const set: WasmKernelSet = createWasmKernels(options);
  const builder = new ArenaBuilder();
  for (const name of ['a', 'b', 'c', 'd']) builder.f32(name, REGION);
  builder.i32('labels32', REGION).u8('labels8', REGION);
  const arena = builder.build(set.allocation);
  return { set, arena, kernels: set.kernels };
}

/** Fills `out` with uniform values in [−1, 1) from a seeded stream. */
export function fillUniform(rng: Rng, out: Float32Array): Float32Array {
  for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-1, 1);
  return out;
}

/**
 * Bound on |wasm − js| for one entry of a product: each result differs from the exact sum by at
 * most ≈ k·u·Σₚ|a||b| (u = 2⁻²⁴, Higham's γ_k), so two results differ by at most twice that.
 */
export function productBound(k: number, absSum: number): number {
  return 2 * (k + 2) * 2 ** -24 * absSum + 1e-30;
}

/** Σₚ |op(A)[i, p]| · |op(B)[p, j]| for every (i, j), in float64, for the bounds above. */
export function absProduct(
  at: (i: number, p: number) => number,
  bt: (p: number, j: number) => number,
  m: number,
  k: number,
  n: number,
): Float64Array {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += Math.abs(at(i, p) * bt(p, j));
      out[i * n + j] = s;
    }
  }
  return out;
}

/** Index and size of the worst violation of |x − y| ≤ bound(i), or null when all hold. */
export function worst(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  bound: (i: number) => number,
): { index: number; x: number; y: number; bound: number } | null {
  let found: { index: number; x: number; y: number; bound: number } | null = null;
  let excess = 0;
  for (let i = 0; i < y.length; i++) {
    const d = Math.abs(x[i] - y[i]);
    const b = bound(i);
    if (!(d <= b) && !(Number.isNaN(x[i]) && Number.isNaN(y[i])) && (found === null || d - b > excess)) {
      found = { index: i, x: x[i], y: y[i], bound: b };
      excess = d - b;
    }
  }
  return found;
}

/** A product of the kernel interface: which operand is stored transposed. */
export type Product = 'matmul' | 'matmulTransA' | 'matmulTransB';

/** Element accessors of op(A) and op(B) over the stored layouts, as the kernel interface defines them. */
export function accessors(op: Product, a: Float32Array, b: Float32Array, m: number, k: number, n: number) {
  const at =
    op === 'matmulTransA' ? (i: number, p: number) => a[p * m + i] : (i: number, p: number) => a[i * k + p];
  const bt =
    op === 'matmulTransB' ? (p: number, j: number) => b[j * k + p] : (p: number, j: number) => b[p * n + j];
  return { at, bt };
}
