// Small SIMD helpers shared by the kernels: multiply-add (fused when built with relaxed SIMD),
// and loads/stores of the first `lanes` floats of a vector for the ragged edges of a matrix.

/** c + a·b; one fused instruction in the relaxed-SIMD build, a multiply and an add otherwise. */
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** Float32's smallest normal magnitude, 2⁻¹²⁶: anything nonzero below it is subnormal. */
export const FLT_MIN: f32 = 1.17549435e-38;

/**
 * x with its subnormal lanes set to +0 (normal values, ±∞ and NaN pass unchanged); `tiny` and
 * `negTiny` are ±FLT_MIN splatted by the caller, outside its loop. WebAssembly has no flush-to-zero
 * mode, and x86 computes on subnormals in microcode: an optimizer's decaying moments (m ← 0.9·m for a
 * weight whose gradient went quiet) pass through the subnormal range for ~150 steps each time, and a
 * few thousand steps into training the book's MNIST net its Adam update took 1.2–2.7× as long
 * (bench/step-parts, BENCHMARKS.md). The values dropped are below 2⁻¹²⁶; the update they would make is
 * smaller still.
 */
@inline
export function flushSubnormal(x: v128, tiny: v128, negTiny: v128): v128 {
  return v128.andnot(x, v128.and(f32x4.lt(x, tiny), f32x4.gt(x, negTiny)));
}

/** The first `lanes` (1–4) floats at `ptr`, zeros after; never reads past them. */
export function loadPartial(ptr: usize, lanes: i32): v128 {
  if (lanes >= 4) return v128.load(ptr);
  if (lanes === 3) return v128.load32_lane(ptr, v128.load64_zero(ptr), 2, 8);
  if (lanes === 2) return v128.load64_zero(ptr);
  return v128.load32_zero(ptr);
}

/** Stores the first `lanes` (1–4) floats of `v` at `ptr`; never writes past them. */
export function storePartial(ptr: usize, v: v128, lanes: i32): void {
  if (lanes >= 4) {
    v128.store(ptr, v);
  } else if (lanes === 3) {
    v128.store64_lane(ptr, v, 0);
    v128.store32_lane(ptr, v, 2, 8);
  } else if (lanes === 2) {
    v128.store64_lane(ptr, v, 0);
  } else {
    v128.store32_lane(ptr, v, 0);
  }
}

/**
 * Constants of `exp4`, as static data rather than `v128.const`: V8 rebuilds a v128 constant from
 * general registers at every use inside a loop (it does not hoist them), while `load32_splat`
 * is one broadcast load from L1. Measured: 22 µs instead of 38 µs for 12800 sigmoids.
 */
const EXP = memory.data<f32>([
  -87.0, // 0: lower clamp, e^−87 ≈ 1.6e−38 is still a normal float
  87.0, // 4: upper clamp, so 1 / (1 + e^87) stays normal too (denormals are slow)
  Mathf.LOG2E, // 8: log2(e)
  0.693359375, // 12: ln2, high part (few bits, so n·C1 is exact)
  -2.1219444e-4, // 16: ln2 − C1
  1.98756915e-4, // 20..40: Cephes expf polynomial, highest degree first
  1.3981999507e-3,
  8.3334519073e-3,
  4.1665795894e-2,
  1.6666665459e-1,
  5.0000001201e-1,
  1.0, // 44
]);

/**
 * e^x in each lane, to about 2 ulp: Cephes' expf (S. Moshier), i.e. x = n·ln2 + r with
 * |r| ≤ ln2/2, a degree-6 polynomial for e^r, and 2^n built in the exponent bits. Inputs are
 * clamped to [−87, 87], so results stay normal floats (e^x saturates near 1.6e−38 and 6.1e37).
 * `pmin`/`pmax` (one instruction each) keep a NaN input NaN, like the exact min/max would.
 */
export function exp4(x: v128): v128 {
  x = f32x4.pmin(f32x4.pmax(x, v128.load32_splat(EXP)), v128.load32_splat(EXP, 4));
  const fx = f32x4.nearest(f32x4.mul(x, v128.load32_splat(EXP, 8)));
  // r = x − n·ln2 in two steps (Cody–Waite) so the reduction loses no bits.
  let r = f32x4.sub(x, f32x4.mul(fx, v128.load32_splat(EXP, 12)));
  r = f32x4.sub(r, f32x4.mul(fx, v128.load32_splat(EXP, 16)));
  let y = v128.load32_splat(EXP, 20);
  y = madd(y, r, v128.load32_splat(EXP, 24));
  y = madd(y, r, v128.load32_splat(EXP, 28));
  y = madd(y, r, v128.load32_splat(EXP, 32));
  y = madd(y, r, v128.load32_splat(EXP, 36));
  y = madd(y, r, v128.load32_splat(EXP, 40));
  y = madd(y, f32x4.mul(r, r), f32x4.add(r, v128.load32_splat(EXP, 44)));
  const n = i32x4.trunc_sat_f32x4_s(fx);
  return f32x4.mul(y, i32x4.shl(i32x4.add(n, i32x4.splat(127)), 23));
}
