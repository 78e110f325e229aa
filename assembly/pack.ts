// Packing into scratch memory: one panel of op(B) (kc × 8, zero-padded) so the product's inner loop
// reads two vectors per step whatever B's layout or width, and, for Aᵀ, a block of 4-row tiles.

import { loadPartial } from './simd';

/** Panel from row-major B: row p of the panel is B[p, 0..cols) (stride `ldb` bytes), zero-padded to 8. */
export function packRows(b: usize, ldb: usize, kc: i32, cols: i32, dst: usize): void {
  if (cols === 8) {
    for (let p = 0; p < kc; p++) {
      v128.store(dst, v128.load(b));
      v128.store(dst, v128.load(b, 16), 16);
      b += ldb;
      dst += 32;
    }
    return;
  }
  const lanes0 = min(cols, 4);
  for (let p = 0; p < kc; p++) {
    v128.store(dst, loadPartial(b, lanes0));
    v128.store(dst, cols > 4 ? loadPartial(b + 16, cols - 4) : f32x4.splat(0), 16);
    b += ldb;
    dst += 32;
  }
}

/** Four rows of B (row r at b + r·ldb, zeros for r ≥ rows), transposed into 4-float columns of the panel. */
function packTransposed4(b: usize, ldb: usize, kc: i32, rows: i32, dst: usize): void {
  const zero = f32x4.splat(0);
  let p = 0;
  for (; p + 4 <= kc; p += 4) {
    const at = b + ((<usize>p) << 2);
    const r0 = v128.load(at);
    const r1 = rows > 1 ? v128.load(at + ldb) : zero;
    const r2 = rows > 2 ? v128.load(at + 2 * ldb) : zero;
    const r3 = rows > 3 ? v128.load(at + 3 * ldb) : zero;
    // 4×4 transpose: interleave pairs of rows, then pairs of pairs.
    const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
    const t1 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
    const t2 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
    const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
    const out = dst + ((<usize>p) << 5);
    v128.store(out, v128.shuffle<f32>(t0, t2, 0, 1, 4, 5));
    v128.store(out, v128.shuffle<f32>(t0, t2, 2, 3, 6, 7), 32);
    v128.store(out, v128.shuffle<f32>(t1, t3, 0, 1, 4, 5), 64);
    v128.store(out, v128.shuffle<f32>(t1, t3, 2, 3, 6, 7), 96);
  }
  for (; p < kc; p++) {
    const out = dst + ((<usize>p) << 5);
    for (let r = 0; r < 4; r++) {
      store<f32>(out + ((<usize>r) << 2), r < rows ? load<f32>(b + <usize>r * ldb + ((<usize>p) << 2)) : 0);
    }
  }
}

/** Panel from B stored n×k (for a·bᵀ): column j of the panel is row j of B, zero-padded to 8 columns. */
export function packTransposed(b: usize, ldb: usize, kc: i32, cols: i32, dst: usize): void {
  packTransposed4(b, ldb, kc, min(cols, 4), dst);
  if (cols > 4) {
    packTransposed4(b + 4 * ldb, ldb, kc, cols - 4, dst + 16);
  } else {
    for (let p = 0; p < kc; p++) v128.store(dst + ((<usize>p) << 5), f32x4.splat(0), 16);
  }
}

/**
 * A block of Aᵀ (A stored k×m, op(A)(i, p) at a + 4i + p·csA), mc × kc, packed as 4-row tiles
 * [tile][p][4] so each tile reads 16 contiguous bytes per step. `mc` must be a multiple of 4.
 */
export function packColumns(a: usize, csA: usize, kc: i32, mc: i32, dst: usize): void {
  const tileBytes = (<usize>kc) << 4;
  for (let t = 0; t < mc; t += 4) {
    let src = a + ((<usize>t) << 2);
    let out = dst + <usize>(t >> 2) * tileBytes;
    const end = out + tileBytes;
    while (out < end) {
      v128.store(out, v128.load(src));
      src += csA;
      out += 16;
    }
  }
}
