// Plain-JS elementwise kernels of the forward and backward pass: bias, activations, loss.

import type { LabelArray } from '../kernels.js';

/** c[i, j] += bias[j]. */
export function addRowVector(c: Float32Array, bias: Float32Array, m: number, n: number): void {
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) c[row + j] += bias[j];
  }
}

/** out[j] = Σᵢ x[i, j]. */
export function sumRows(x: Float32Array, out: Float32Array, m: number, n: number): void {
  out.fill(0, 0, n);
  for (let i = 0; i < m; i++) {
    const row = i * n;
    for (let j = 0; j < n; j++) out[j] += x[row + j];
  }
}

/** y = max(x, 0). */
export function reluForward(x: Float32Array, y: Float32Array, len: number): void {
  for (let i = 0; i < len; i++) {
    const v = x[i];
    // biome-ignore lint/complexity/useMathMinMax: NaN must give 0 here, exactly as the wasm kernel does
    y[i] = v > 0 ? v : 0;
  }
}

/** dx = dy where y > 0 (y is the forward output), else 0. */
export function reluBackward(dy: Float32Array, y: Float32Array, dx: Float32Array, len: number): void {
  for (let i = 0; i < len; i++) dx[i] = y[i] > 0 ? dy[i] : 0;
}

/** y = σ(x) = 1 / (1 + e^(−x)). */
export function sigmoidForward(x: Float32Array, y: Float32Array, len: number): void {
  for (let i = 0; i < len; i++) y[i] = 1 / (1 + Math.exp(-x[i]));
}

/** dx = dy · σ(x) · (1 − σ(x)), written with the forward output y = σ(x). */
export function sigmoidBackward(dy: Float32Array, y: Float32Array, dx: Float32Array, len: number): void {
  for (let i = 0; i < len; i++) {
    const s = y[i];
    dx[i] = dy[i] * s * (1 - s);
  }
}

/** Mean squared error over the m×n elements and its gradient 2(o − t)/(m·n); the sum in float64. */
export function meanSquaredError(
  outputs: Float32Array,
  targets: Float32Array,
  doutputs: Float32Array,
  m: number,
  n: number,
): number {
  const len = m * n;
  const scale = 2 / len;
  let sum = 0;
  for (let i = 0; i < len; i++) {
    const diff = outputs[i] - targets[i];
    sum += diff * diff;
    doutputs[i] = diff * scale;
  }
  return sum / len;
}

/**
 * Row softmax + mean cross-entropy. Subtracting the row maximum keeps exp() finite;
 * the loss uses log-sum-exp directly rather than log(softmax) so a tiny probability cannot give −∞.
 */
export function softmaxCrossEntropy(
  logits: Float32Array,
  labels: LabelArray,
  dlogits: Float32Array,
  m: number,
  n: number,
): number {
  let loss = 0;
  const invM = 1 / m;
  for (let i = 0; i < m; i++) {
    const row = i * n;
    let max = logits[row];
    for (let j = 1; j < n; j++) if (logits[row + j] > max) max = logits[row + j];
    let sum = 0;
    for (let j = 0; j < n; j++) sum += Math.exp(logits[row + j] - max);
    const label = labels[i];
    loss += Math.log(sum) + max - logits[row + label];
    const invSum = 1 / sum;
    for (let j = 0; j < n; j++) dlogits[row + j] = Math.exp(logits[row + j] - max) * invSum * invM;
    dlogits[row + label] -= invM;
  }
  return loss * invM;
}
