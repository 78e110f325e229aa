// Matrix products C = op(A) · op(B) with 128-bit SIMD. Register blocking: a 4 × 8 tile of C lives in
// eight v128 locals. Cache blocking: k is cut into KC-deep blocks and each 8-column panel of op(B)
// is packed once per block into a contiguous L1-resident buffer, then reused by every 4-row tile of A.

import { packColumns, packRows, packTransposed } from './pack';
import { B_PANEL_BYTES, claimPanel, KC, MC, releasePanel } from './scratch';
import { tile, tileDirect } from './tile';

/**
 * C[m×n] = op(A) · op(B), with op(A)[i, p] at a + i·rsA + p·csA and op(B) either B (k×n, row-major)
 * or Bᵀ (B stored n×k). Loop order: k-block → (row block of A) → 8-column panel (packed) → 4-row tiles.
 */
function gemm(
  a: usize,
  rsA: usize,
  csA: usize,
  b: usize,
  transB: bool,
  c: usize,
  m: i32,
  k: i32,
  n: i32,
): void {
  if (m <= 0 || n <= 0) return;
  const ldc = (<usize>n) << 2;
  if (k <= 0) {
    memory.fill(c, 0, <usize>m * ldc);
    return;
  }
  // op(B)(p, j) sits at b + p·rsB + j·csB.
  const rsB: usize = transB ? 4 : (<usize>n) << 2;
  const csB: usize = transB ? (<usize>k) << 2 : 4;
  // Packing costs one pass over B: with at most 4 rows of A only one tile would reuse the panel,
  // so B (unless it needs transposing) is read in place.
  const panel = m > 4 || transB ? claimPanel() : 0;
  // Aᵀ with a row stride that is a multiple of 2 KiB (m a multiple of 512) maps the kc rows a tile
  // reads onto one or two L1 sets, so they are evicted before the next tile reuses them: pack such
  // A in blocks of MC rows instead (1024×128·128×1024 went from 27 to 40 GFLOP/s with FMA). Other
  // shapes read A in place, which was 5–10% faster than packing it.
  const packA = panel !== 0 && rsA === 4 && (csA & 2047) === 0;
  const aPacked = panel + B_PANEL_BYTES;
  const mcMax = packA ? MC : m;
  for (let pc = 0; pc < k; pc += KC) {
    const kc = min(KC, k - pc);
    const accumulate = pc > 0;
    for (let ic = 0; ic < m; ic += mcMax) {
      const mc = min(mcMax, m - ic);
      const aBlock = a + <usize>pc * csA + <usize>ic * rsA;
      if (packA) packColumns(aBlock, csA, kc, mc, aPacked);
      const cRows = c + <usize>ic * ldc;
      for (let j = 0; j < n; j += 8) {
        const cols = min(8, n - j);
        const bBlock = b + <usize>pc * rsB + <usize>j * csB;
        if (panel) {
          if (transB) packTransposed(bBlock, csB, kc, cols, panel);
          else packRows(bBlock, rsB, kc, cols, panel);
        }
        const cBlock = cRows + ((<usize>j) << 2);
        for (let i = 0; i < mc; i += 4) {
          const rows = min(4, mc - i);
          const cTile = cBlock + <usize>i * ldc;
          if (packA) {
            const aTile = aPacked + <usize>(i >> 2) * ((<usize>kc) << 4);
            tile(aTile, 4, 16, panel, cTile, ldc, kc, rows, cols, accumulate);
          } else if (panel) {
            tile(aBlock + <usize>i * rsA, rsA, csA, panel, cTile, ldc, kc, rows, cols, accumulate);
          } else {
            tileDirect(
              aBlock + <usize>i * rsA,
              rsA,
              csA,
              bBlock,
              rsB,
              csB,
              cTile,
              ldc,
              kc,
              rows,
              cols,
              accumulate,
            );
          }
        }
      }
    }
  }
  if (panel) releasePanel(panel);
}

/** c[m×n] = a[m×k] · b[k×n]; every pointer is a byte offset into linear memory. */
export function matmul(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32): void {
  gemm(a, (<usize>k) << 2, 4, b, false, c, m, k, n);
}

/** c[m×n] = aᵀ · b with a stored k×m (the weight gradient xᵀ·dy). */
export function matmulTransA(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32): void {
  gemm(a, 4, (<usize>m) << 2, b, false, c, m, k, n);
}

/** c[m×n] = a · bᵀ with b stored n×k (the input gradient dy·Wᵀ). */
export function matmulTransB(a: usize, b: usize, c: usize, m: i32, k: i32, n: i32): void {
  gemm(a, (<usize>k) << 2, 4, b, true, c, m, k, n);
}
