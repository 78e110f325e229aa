// Elementwise kernels of the forward and backward pass: bias, activations, softmax-cross-entropy.
// Vector loops of four floats; the last 1–3 elements go through the same code as a partial vector.

import { exp4, loadPartial, storePartial } from './simd';

/** c[i, j] += bias[j] for an m×n matrix. */
export function addRowVector(c: usize, bias: usize, m: i32, n: i32): void {
  for (let i = 0; i < m; i++) {
    const row = c + <usize>i * ((<usize>n) << 2);
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      const at = row + ((<usize>j) << 2);
      v128.store(at, f32x4.add(v128.load(at), v128.load(bias + ((<usize>j) << 2))));
    }
    if (j < n) {
      const at = row + ((<usize>j) << 2);
      const lanes = n - j;
      storePartial(
        at,
        f32x4.add(loadPartial(at, lanes), loadPartial(bias + ((<usize>j) << 2), lanes)),
        lanes,
      );
    }
  }
}

/**
 * out[j] = Σᵢ x[i, j]. Sixteen columns at a time stay in four registers while the rows stream by,
 * and each sum runs over i in order, as in the JS reference, so the results are bit-identical.
 */
export function sumRows(x: usize, out: usize, m: i32, n: i32): void {
  const ld = (<usize>n) << 2;
  let j = 0;
  for (; j + 16 <= n; j += 16) {
    let s0 = f32x4.splat(0);
    let s1 = s0;
    let s2 = s0;
    let s3 = s0;
    let at = x + ((<usize>j) << 2);
    for (let i = 0; i < m; i++) {
      s0 = f32x4.add(s0, v128.load(at));
      s1 = f32x4.add(s1, v128.load(at, 16));
      s2 = f32x4.add(s2, v128.load(at, 32));
      s3 = f32x4.add(s3, v128.load(at, 48));
      at += ld;
    }
    const o = out + ((<usize>j) << 2);
    v128.store(o, s0);
    v128.store(o, s1, 16);
    v128.store(o, s2, 32);
    v128.store(o, s3, 48);
  }
  for (; j < n; j += 4) {
    const lanes = min(4, n - j);
    let s = f32x4.splat(0);
    let at = x + ((<usize>j) << 2);
    for (let i = 0; i < m; i++) {
      s = f32x4.add(s, loadPartial(at, lanes));
      at += ld;
    }
    storePartial(out + ((<usize>j) << 2), s, lanes);
  }
}

/** y = x where x > 0, else +0 (NaN gives 0, as `x > 0 ? x : 0` does). */
export function reluForward(x: usize, y: usize, len: i32): void {
  const zero = f32x4.splat(0);
  for (let i = 0; i < len; i += 4) {
    const lanes = min(4, len - i);
    const at = (<usize>i) << 2;
    const v = loadPartial(x + at, lanes);
    storePartial(y + at, v128.and(v, f32x4.gt(v, zero)), lanes);
  }
}

/** dx = dy where y > 0, else 0. */
export function reluBackward(dy: usize, y: usize, dx: usize, len: i32): void {
  const zero = f32x4.splat(0);
  for (let i = 0; i < len; i += 4) {
    const lanes = min(4, len - i);
    const at = (<usize>i) << 2;
    const mask = f32x4.gt(loadPartial(y + at, lanes), zero);
    storePartial(dx + at, v128.and(loadPartial(dy + at, lanes), mask), lanes);
  }
}

/** y = 1 / (1 + e^(−x)). */
export function sigmoidForward(x: usize, y: usize, len: i32): void {
  const one = f32x4.splat(1);
  for (let i = 0; i < len; i += 4) {
    const lanes = min(4, len - i);
    const at = (<usize>i) << 2;
    const e = exp4(f32x4.neg(loadPartial(x + at, lanes)));
    storePartial(y + at, f32x4.div(one, f32x4.add(one, e)), lanes);
  }
}

/** dx = dy · y · (1 − y), with y the forward output. */
export function sigmoidBackward(dy: usize, y: usize, dx: usize, len: i32): void {
  const one = f32x4.splat(1);
  for (let i = 0; i < len; i += 4) {
    const lanes = min(4, len - i);
    const at = (<usize>i) << 2;
    const s = loadPartial(y + at, lanes);
    const g = f32x4.mul(f32x4.mul(loadPartial(dy + at, lanes), s), f32x4.sub(one, s));
    storePartial(dx + at, g, lanes);
  }
}

/**
 * Row softmax + mean cross-entropy in f64, as the JS reference: dlogits = (softmax − onehot) / m
 * (may alias logits), returns the mean loss, or −(i + 1) when labels[i] is not in [0, n).
 * Labels are `labelBytes` (1 or 4) wide. The rows are short (10 classes), so scalar code is fine.
 */
export function softmaxCrossEntropy(
  logits: usize,
  labels: usize,
  labelBytes: i32,
  dlogits: usize,
  m: i32,
  n: i32,
): f64 {
  const invM = 1.0 / <f64>m;
  let loss: f64 = 0;
  for (let i = 0; i < m; i++) {
    const row = logits + <usize>i * ((<usize>n) << 2);
    const drow = dlogits + <usize>i * ((<usize>n) << 2);
    const label = labelBytes === 1 ? <u32>load<u8>(labels + <usize>i) : load<u32>(labels + ((<usize>i) << 2));
    if (label >= <u32>n) return -(<f64>(i + 1));
    let top = load<f32>(row);
    for (let j = 1; j < n; j++) {
      const v = load<f32>(row + ((<usize>j) << 2));
      if (v > top) top = v;
    }
    // Read the target logit before dlogits (which may alias the row) is written.
    const target = <f64>load<f32>(row + ((<usize>label) << 2));
    let sum: f64 = 0;
    for (let j = 0; j < n; j++) {
      const e = Math.exp(<f64>load<f32>(row + ((<usize>j) << 2)) - <f64>top);
      store<f32>(drow + ((<usize>j) << 2), <f32>e);
      sum += e;
    }
    loss += Math.log(sum) + <f64>top - target;
    const scale = invM / sum;
    for (let j = 0; j < n; j++) {
      const at = drow + ((<usize>j) << 2);
      store<f32>(at, <f32>(<f64>load<f32>(at) * scale));
    }
    const at = drow + ((<usize>label) << 2);
    store<f32>(at, <f32>(<f64>load<f32>(at) - invM));
  }
  return loss * invM;
}
