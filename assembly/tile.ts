// The 4 × 8 micro-kernels of the products: a tile of C held in eight v128 locals while k runs, fed
// from a packed panel of op(B) (the fast path) or straight from B (when no panel is free).

import { loadPartial, madd, storePartial } from './simd';

/** Writes (or adds, after the first k-block) one row of a tile: two vectors, `cols` ≤ 8 valid. */
function storeRow(c: usize, v0: v128, v1: v128, cols: i32, accumulate: bool): void {
  if (cols === 8) {
    if (accumulate) {
      v0 = f32x4.add(v128.load(c), v0);
      v1 = f32x4.add(v128.load(c, 16), v1);
    }
    v128.store(c, v0);
    v128.store(c, v1, 16);
    return;
  }
  const lanes0 = min(cols, 4);
  if (accumulate) v0 = f32x4.add(loadPartial(c, lanes0), v0);
  storePartial(c, v0, lanes0);
  if (cols > 4) {
    if (accumulate) v1 = f32x4.add(loadPartial(c + 16, cols - 4), v1);
    storePartial(c + 16, v1, cols - 4);
  }
}

/**
 * The micro-kernel: C[0..rows, 0..cols) (+)= Σₚ A[r, p] · panel[p, 0..8) over `kc` steps, with
 * A's element (r, p) at a + r·rsA + p·csA (bytes) so one loop serves A and Aᵀ. Rows past the edge
 * re-read the last valid row (wasted lanes, but no branch in the loop) and are not stored.
 */
export function tile(
  a: usize,
  rsA: usize,
  csA: usize,
  panel: usize,
  c: usize,
  ldc: usize,
  kc: i32,
  rows: i32,
  cols: i32,
  accumulate: bool,
): void {
  let a0 = a;
  let a1 = a + rsA * <usize>min(1, rows - 1);
  let a2 = a + rsA * <usize>min(2, rows - 1);
  let a3 = a + rsA * <usize>min(3, rows - 1);
  // The 4 × 8 tile: row r of C in (cr0, cr1).
  const zero = f32x4.splat(0);
  let c00 = zero;
  let c01 = zero;
  let c10 = zero;
  let c11 = zero;
  let c20 = zero;
  let c21 = zero;
  let c30 = zero;
  let c31 = zero;
  let b = panel;
  const end = panel + ((<usize>kc) << 5);
  // Eight accumulators cover the 4-cycle latency of two multiply-adds per cycle; more (5 or 6
  // rows) made V8 spill registers and ran 30–60% slower in bench/kernels.bench.ts.
  while (b < end) {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let av = v128.load32_splat(a0);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    av = v128.load32_splat(a1);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    av = v128.load32_splat(a2);
    c20 = madd(av, b0, c20);
    c21 = madd(av, b1, c21);
    av = v128.load32_splat(a3);
    c30 = madd(av, b0, c30);
    c31 = madd(av, b1, c31);
    a0 += csA;
    a1 += csA;
    a2 += csA;
    a3 += csA;
    b += 32;
  }
  storeRow(c, c00, c01, cols, accumulate);
  if (rows > 1) storeRow(c + ldc, c10, c11, cols, accumulate);
  if (rows > 2) storeRow(c + 2 * ldc, c20, c21, cols, accumulate);
  if (rows > 3) storeRow(c + 3 * ldc, c30, c31, cols, accumulate);
}

/** Up to four floats B(p, j..j+lanes) spaced `csB` bytes apart, zeros after. */
function gather(b: usize, csB: usize, lanes: i32): v128 {
  if (csB === 4) return loadPartial(b, lanes);
  let v = v128.load32_zero(b);
  if (lanes > 1) v = v128.load32_lane(b + csB, v, 1);
  if (lanes > 2) v = v128.load32_lane(b + 2 * csB, v, 2);
  if (lanes > 3) v = v128.load32_lane(b + 3 * csB, v, 3);
  return v;
}

/** The same tile without a panel, reading B(p, j) at b + p·rsB + j·csB directly (the slow path). */
export function tileDirect(
  a: usize,
  rsA: usize,
  csA: usize,
  b: usize,
  rsB: usize,
  csB: usize,
  c: usize,
  ldc: usize,
  kc: i32,
  rows: i32,
  cols: i32,
  accumulate: bool,
): void {
  let a0 = a;
  let a1 = a + rsA * <usize>min(1, rows - 1);
  let a2 = a + rsA * <usize>min(2, rows - 1);
  let a3 = a + rsA * <usize>min(3, rows - 1);
  // The 4 × 8 tile: row r of C in (cr0, cr1).
  const zero = f32x4.splat(0);
  let c00 = zero;
  let c01 = zero;
  let c10 = zero;
  let c11 = zero;
  let c20 = zero;
  let c21 = zero;
  let c30 = zero;
  let c31 = zero;
  const lanes0 = min(cols, 4);
  for (let p = 0; p < kc; p++) {
    const b0 = gather(b, csB, lanes0);
    const b1 = cols > 4 ? gather(b + 4 * csB, csB, cols - 4) : f32x4.splat(0);
    let av = v128.load32_splat(a0);
    c00 = madd(av, b0, c00);
    c01 = madd(av, b1, c01);
    av = v128.load32_splat(a1);
    c10 = madd(av, b0, c10);
    c11 = madd(av, b1, c11);
    av = v128.load32_splat(a2);
    c20 = madd(av, b0, c20);
    c21 = madd(av, b1, c21);
    av = v128.load32_splat(a3);
    c30 = madd(av, b0, c30);
    c31 = madd(av, b1, c31);
    a0 += csA;
    a1 += csA;
    a2 += csA;
    a3 += csA;
    b += rsB;
  }
  storeRow(c, c00, c01, cols, accumulate);
  if (rows > 1) storeRow(c + ldc, c10, c11, cols, accumulate);
  if (rows > 2) storeRow(c + 2 * ldc, c20, c21, cols, accumulate);
  if (rows > 3) storeRow(c + 3 * ldc, c30, c31, cols, accumulate);
}
