// Feeding a batch: gathers dataset rows (raw bytes or floats, in the same memory) into the network's
// input, multiplied by the dataset's scale. The bytes widen u8 → u16 → u32 → f32 sixteen at a time.

/**
 * out[i, :] = x[rows[i], :] · scale for i < count, over `features` columns, x stored as bytes.
 * `rows` holds i32 row indices (the network's sampleIds). f32(byte) · f32(scale) rounds once, as
 * the JS reference does with `Math.fround(scale)`, so both sets give the same bits.
 */
export function gatherRowsU8(x: usize, rows: usize, out: usize, count: i32, features: i32, scale: f32): void {
  const s = f32x4.splat(scale);
  const f = <usize>features;
  for (let i = 0; i < count; i++) {
    const src = x + <usize>load<i32>(rows + ((<usize>i) << 2)) * f;
    const dst = out + <usize>i * (f << 2);
    let j: usize = 0;
    for (; j + 16 <= f; j += 16) {
      const b = v128.load(src + j);
      const lo = i16x8.extend_low_i8x16_u(b);
      const hi = i16x8.extend_high_i8x16_u(b);
      const at = dst + (j << 2);
      v128.store(at, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(lo)), s));
      v128.store(at, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(lo)), s), 16);
      v128.store(at, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_low_i16x8_u(hi)), s), 32);
      v128.store(at, f32x4.mul(f32x4.convert_i32x4_u(i32x4.extend_high_i16x8_u(hi)), s), 48);
    }
    for (; j < f; j++) store<f32>(dst + (j << 2), <f32>load<u8>(src + j) * scale);
  }
}

/** As `gatherRowsU8` for a float dataset: out[i, :] = x[rows[i], :] · scale. */
export function gatherRowsF32(x: usize, rows: usize, out: usize, count: i32, features: i32, scale: f32): void {
  const s = f32x4.splat(scale);
  const f = <usize>features;
  for (let i = 0; i < count; i++) {
    const src = x + <usize>load<i32>(rows + ((<usize>i) << 2)) * (f << 2);
    const dst = out + <usize>i * (f << 2);
    let j: usize = 0;
    for (; j + 4 <= f; j += 4) v128.store(dst + (j << 2), f32x4.mul(v128.load(src + (j << 2)), s));
    for (; j < f; j++) store<f32>(dst + (j << 2), load<f32>(src + (j << 2)) * scale);
  }
}
