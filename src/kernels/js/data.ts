// Plain-JS kernels of the data path and the gradient reduction: gathering scaled input rows,
// y ← a·x + b·y, and a float64 sum of squares.

/** Row indices: a network's sample ids (Int32Array) or an epoch order (Uint32Array). */
type Rows = Int32Array | Uint32Array;

// Two loops, one per sample type: one function reading both Uint8Array and Float32Array would make
// V8's element access polymorphic and slow for both.
function gatherBytes(
  x: Uint8Array,
  rows: Rows,
  first: number,
  out: Float32Array,
  count: number,
  f: number,
  s: number,
): void {
  for (let i = 0; i < count; i++) {
    const src = rows[first + i] * f;
    const dst = i * f;
    for (let j = 0; j < f; j++) out[dst + j] = x[src + j] * s;
  }
}

function gatherFloats(
  x: Float32Array,
  rows: Rows,
  first: number,
  out: Float32Array,
  count: number,
  f: number,
  s: number,
): void {
  for (let i = 0; i < count; i++) {
    const src = rows[first + i] * f;
    const dst = i * f;
    for (let j = 0; j < f; j++) out[dst + j] = x[src + j] * s;
  }
}

/**
 * out[i, :] = x[rows[first + i], :] · fround(scale) for i < count. With the scale rounded to float32
 * first, the double product is exact (8 or 24 bits times 24) and its one rounding to float32 equals the
 * wasm kernel's. Shared by the JS kernel set and `gatherBatch`; indices are not checked here.
 */
export function gatherRowsFrom(
  x: Uint8Array | Float32Array,
  rows: Rows,
  first: number,
  out: Float32Array,
  count: number,
  features: number,
  scale: number,
): void {
  const s = Math.fround(scale);
  if (x instanceof Uint8Array) gatherBytes(x, rows, first, out, count, features, s);
  else gatherFloats(x, rows, first, out, count, features, s);
}

/** The JS kernel: out[i, :] = x[rows[i], :] · fround(scale) (see `gatherRowsFrom`). */
export function gatherRows(
  x: Uint8Array | Float32Array,
  rows: Int32Array,
  out: Float32Array,
  count: number,
  features: number,
  scale: number,
): void {
  gatherRowsFrom(x, rows, 0, out, count, features, scale);
}

/** y ← a·x + b·y. */
export function axpby(a: number, x: Float32Array, b: number, y: Float32Array, n: number): void {
  for (let i = 0; i < n; i++) y[i] = a * x[i] + b * y[i];
}

/** Σ x[i]² in float64, in index order. */
export function sumSquares(x: Float32Array, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += x[i] * x[i];
  return sum;
}
