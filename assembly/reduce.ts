// Reducing micro-batch gradients in the pipeline: y ← a·x + b·y over a lane's shard, and the sum of
// squares of a norm block in float64 (the global norm feeds clipping and the non-finite check).

import { loadPartial, madd, storePartial } from './simd';

/** y ← a·x + b·y over n floats (fused multiply-add in the relaxed build). */
export function axpby(a: f32, x: usize, b: f32, y: usize, n: i32): void {
  const va = f32x4.splat(a);
  const vb = f32x4.splat(b);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = (<usize>i) << 2;
    v128.store(y + at, madd(v128.load(x + at), va, f32x4.mul(v128.load(y + at), vb)));
  }
  if (i < n) {
    const at = (<usize>i) << 2;
    const lanes = n - i;
    storePartial(y + at, madd(loadPartial(x + at, lanes), va, f32x4.mul(loadPartial(y + at, lanes), vb)), lanes);
  }
}

/**
 * Σ x[i]² over n floats, each square and sum in float64: eight partial sums (four vectors of two),
 * so the adds of consecutive floats do not wait on each other.
 */
export function sumSquares(x: usize, n: i32): f64 {
  let s0 = f64x2.splat(0);
  let s1 = s0;
  let s2 = s0;
  let s3 = s0;
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const at = x + ((<usize>i) << 2);
    const v = v128.load(at);
    const w = v128.load(at, 16);
    const v0 = f64x2.promote_low_f32x4(v);
    const v1 = f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 2, 3));
    const w0 = f64x2.promote_low_f32x4(w);
    const w1 = f64x2.promote_low_f32x4(v128.shuffle<f32>(w, w, 2, 3, 2, 3));
    s0 = f64x2.add(s0, f64x2.mul(v0, v0));
    s1 = f64x2.add(s1, f64x2.mul(v1, v1));
    s2 = f64x2.add(s2, f64x2.mul(w0, w0));
    s3 = f64x2.add(s3, f64x2.mul(w1, w1));
  }
  const s = f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3));
  let sum = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  for (; i < n; i++) {
    const v = <f64>load<f32>(x + ((<usize>i) << 2));
    sum += v * v;
  }
  return sum;
}
