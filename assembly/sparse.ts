// Products whose left operand is mostly zeros: the first layer's input (about 81% of MNIST's pixels are
// 0), in the forward product x·W and the weight gradient xᵀ·dy. Zeros are skipped, not multiplied:
// each row of x is listed once as (column, value) pairs of its nonzeros, then every output column
// block accumulates only those terms, in increasing column order (one multiply-add per term).
// The list lives in a scratch panel; without a free panel, or for rows too long for one, the dense
// products run instead.

import { matmul, matmulTransA } from './matmul';
import { B_PANEL_BYTES, claimPanel, MC, KC, releasePanel } from './scratch';
import { loadPartial, madd, storePartial } from './simd';

/** Bytes of a scratch panel (see scratch.ts): room for the (column, value) list of one row. */
const PANEL_BYTES: usize = B_PANEL_BYTES + <usize>MC * <usize>KC * 4;

/**
 * Lists the nonzeros of the `len` floats at `row`: columns (i32) at `cols`, values at `vals`.
 * Four floats at a time; a group of four zeros (most of them, in runs) costs one compare.
 * Returns how many there are.
 */
function listNonZeros(row: usize, len: i32, cols: usize, vals: usize): i32 {
  const zero = f32x4.splat(0);
  let count = 0;
  let p = 0;
  for (; p + 4 <= len; p += 4) {
    let mask = i32x4.bitmask(f32x4.ne(v128.load(row + ((<usize>p) << 2)), zero));
    while (mask !== 0) {
      const lane = ctz<i32>(mask);
      mask &= mask - 1;
      const q = p + lane;
      store<i32>(cols + ((<usize>count) << 2), q);
      store<f32>(vals + ((<usize>count) << 2), load<f32>(row + ((<usize>q) << 2)));
      count++;
    }
  }
  for (; p < len; p++) {
    const v = load<f32>(row + ((<usize>p) << 2));
    if (v !== 0) {
      store<i32>(cols + ((<usize>count) << 2), p);
      store<f32>(vals + ((<usize>count) << 2), v);
      count++;
    }
  }
  return count;
}

/** c[m×n] = a[m×k] · b[k×n], skipping a's zeros; every pointer is a byte offset into linear memory. */
export function matmulSparseA(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32): void {
  const panel = (<usize>k) * 8 <= PANEL_BYTES ? claimPanel() : 0;
  if (panel === 0) {
    matmul(a, b, c, m, k, n);
    return;
  }
  const cols = panel;
  const vals = panel + ((<usize>k) << 2);
  const ldb = (<usize>n) << 2;
  for (let i = 0; i < m; i++) {
    const nnz = listNonZeros(a + <usize>i * ((<usize>k) << 2), k, cols, vals);
    const cRow = c + <usize>i * ldb;
    let j = 0;
    // 32 columns (eight vectors) per pass over the list: eight accumulators stay in registers.
    for (; j + 32 <= n; j += 32) {
      let c0 = f32x4.splat(0);
      let c1 = c0;
      let c2 = c0;
      let c3 = c0;
      let c4 = c0;
      let c5 = c0;
      let c6 = c0;
      let c7 = c0;
      const bCol = b + ((<usize>j) << 2);
      for (let t = 0; t < nnz; t++) {
        const x = v128.load32_splat(vals + ((<usize>t) << 2));
        const r = bCol + <usize>load<i32>(cols + ((<usize>t) << 2)) * ldb;
        c0 = madd(x, v128.load(r), c0);
        c1 = madd(x, v128.load(r, 16), c1);
        c2 = madd(x, v128.load(r, 32), c2);
        c3 = madd(x, v128.load(r, 48), c3);
        c4 = madd(x, v128.load(r, 64), c4);
        c5 = madd(x, v128.load(r, 80), c5);
        c6 = madd(x, v128.load(r, 96), c6);
        c7 = madd(x, v128.load(r, 112), c7);
      }
      const out = cRow + ((<usize>j) << 2);
      v128.store(out, c0);
      v128.store(out, c1, 16);
      v128.store(out, c2, 32);
      v128.store(out, c3, 48);
      v128.store(out, c4, 64);
      v128.store(out, c5, 80);
      v128.store(out, c6, 96);
      v128.store(out, c7, 112);
    }
    // The rest, four columns (the last one ragged) per pass.
    for (; j < n; j += 4) {
      const lanes = min(4, n - j);
      let acc = f32x4.splat(0);
      const bCol = b + ((<usize>j) << 2);
      for (let t = 0; t < nnz; t++) {
        const x = v128.load32_splat(vals + ((<usize>t) << 2));
        acc = madd(x, loadPartial(bCol + <usize>load<i32>(cols + ((<usize>t) << 2)) * ldb, lanes), acc);
      }
      storePartial(cRow + ((<usize>j) << 2), acc, lanes);
    }
  }
  releasePanel(panel);
}

/**
 * c[m×n] = aᵀ · b with a stored k×m (the weight gradient xᵀ·dy), skipping a's zeros: row i of a adds
 * a[i, p]·b[i, :] to row p of c for its nonzero columns p, rows i in increasing order.
 */
export function matmulTransASparseA(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32): void {
  const panel = (<usize>m) * 8 <= PANEL_BYTES ? claimPanel() : 0;
  if (panel === 0) {
    matmulTransA(a, b, c, m, k, n);
    return;
  }
  const cols = panel;
  const vals = panel + ((<usize>m) << 2);
  const ldc = (<usize>n) << 2;
  memory.fill(c, 0, <usize>m * ldc);
  for (let i = 0; i < k; i++) {
    const nnz = listNonZeros(a + <usize>i * ((<usize>m) << 2), m, cols, vals);
    const bRow = b + <usize>i * ldc;
    let j = 0;
    // b's 32 columns (eight vectors) stay in registers while the list's rows of c are updated.
    for (; j + 32 <= n; j += 32) {
      const b0 = v128.load(bRow + ((<usize>j) << 2));
      const b1 = v128.load(bRow + ((<usize>j) << 2), 16);
      const b2 = v128.load(bRow + ((<usize>j) << 2), 32);
      const b3 = v128.load(bRow + ((<usize>j) << 2), 48);
      const b4 = v128.load(bRow + ((<usize>j) << 2), 64);
      const b5 = v128.load(bRow + ((<usize>j) << 2), 80);
      const b6 = v128.load(bRow + ((<usize>j) << 2), 96);
      const b7 = v128.load(bRow + ((<usize>j) << 2), 112);
      const cCol = c + ((<usize>j) << 2);
      for (let t = 0; t < nnz; t++) {
        const x = v128.load32_splat(vals + ((<usize>t) << 2));
        const r = cCol + <usize>load<i32>(cols + ((<usize>t) << 2)) * ldc;
        v128.store(r, madd(x, b0, v128.load(r)));
        v128.store(r, madd(x, b1, v128.load(r, 16)), 16);
        v128.store(r, madd(x, b2, v128.load(r, 32)), 32);
        v128.store(r, madd(x, b3, v128.load(r, 48)), 48);
        v128.store(r, madd(x, b4, v128.load(r, 64)), 64);
        v128.store(r, madd(x, b5, v128.load(r, 80)), 80);
        v128.store(r, madd(x, b6, v128.load(r, 96)), 96);
        v128.store(r, madd(x, b7, v128.load(r, 112)), 112);
      }
    }
    for (; j < n; j += 4) {
      const lanes = min(4, n - j);
      const bv = loadPartial(bRow + ((<usize>j) << 2), lanes);
      const cCol = c + ((<usize>j) << 2);
      for (let t = 0; t < nnz; t++) {
        const x = v128.load32_splat(vals + ((<usize>t) << 2));
        const r = cCol + <usize>load<i32>(cols + ((<usize>t) << 2)) * ldc;
        storePartial(r, madd(x, bv, loadPartial(r, lanes)), lanes);
      }
    }
  }
  releasePanel(panel);
}
