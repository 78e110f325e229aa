// The kernel interface: every loop of the forward and backward pass goes through one of these,
// so the plain-JS set can be swapped for a faster one (WebAssembly SIMD) without touching layers.
// All matrices are row-major and contiguous; kernels write only their output arguments and never allocate.

/** Labels of a batch: class indices. */
export type LabelArray = Uint8Array | Int32Array | Uint32Array;

/** The numerical kernels the layers need. Lengths are checked by callers, not here (hot path). */
export interface Kernels {
  /** A short name for logs and benchmarks, e.g. `js` or `wasm-simd`. */
  readonly name: string;
  /** c[m×n] = a[m×k] · b[k×n]. */
  matmul(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number): void;
  /** c[m×n] = aᵀ · b where a is stored k×m (the weight gradient xᵀ·dy). */
  matmulTransA(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number): void;
  /** c[m×n] = a · bᵀ where b is stored n×k (the input gradient dy·Wᵀ). */
  matmulTransB(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number): void;
  /**
   * `matmul` for a mostly-zero `a` (the first layer's input): a's zeros are skipped rather than
   * multiplied, each c[i, j] summed over a's nonzero columns in increasing order. Faster than
   * `matmul` when most of `a` is zero, slower when little is.
   */
  matmulSparseA(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number): void;
  /** `matmulTransA` for a mostly-zero `a` (the first layer's weight gradient), skipping a's zeros. */
  matmulTransASparseA(
    a: Float32Array,
    b: Float32Array,
    c: Float32Array,
    m: number,
    k: number,
    n: number,
  ): void;
  /** c[i, j] += bias[j] for an m×n matrix. */
  addRowVector(c: Float32Array, bias: Float32Array, m: number, n: number): void;
  /** out[j] = Σᵢ x[i, j] for an m×n matrix (the bias gradient). */
  sumRows(x: Float32Array, out: Float32Array, m: number, n: number): void;
  /** y = max(x, 0) over the first `len` elements. */
  reluForward(x: Float32Array, y: Float32Array, len: number): void;
  /** dx = dy where y > 0, else 0. */
  reluBackward(dy: Float32Array, y: Float32Array, dx: Float32Array, len: number): void;
  /** y = 1 / (1 + e^(−x)). */
  sigmoidForward(x: Float32Array, y: Float32Array, len: number): void;
  /** dx = dy · y · (1 − y). */
  sigmoidBackward(dy: Float32Array, y: Float32Array, dx: Float32Array, len: number): void;
  /**
   * Softmax of each row of the m×n `logits`, mean cross-entropy against `labels`, and its
   * gradient: writes dlogits = (softmax − onehot) / m, returns the mean loss.
   * `dlogits` may alias `logits`.
   */
  softmaxCrossEntropy(
    logits: Float32Array,
    labels: LabelArray,
    dlogits: Float32Array,
    m: number,
    n: number,
  ): number;
  /**
   * Mean squared error of the m×n `outputs` against `targets` (torch's `mse_loss`, the mean over all
   * m·n elements) and its gradient: writes doutputs = 2 (outputs − targets) / (m·n), returns the loss.
   * `doutputs` may alias `outputs`.
   */
  meanSquaredError(
    outputs: Float32Array,
    targets: Float32Array,
    doutputs: Float32Array,
    m: number,
    n: number,
  ): number;
  /**
   * out[i, :] = x[rows[i], :] · fround(scale) for i < count: gathers a batch's input rows from a
   * dataset (bytes or floats, `features` columns) and scales them (MNIST bytes → [0, 1]).
   */
  gatherRows(
    x: Uint8Array | Float32Array,
    rows: Int32Array,
    out: Float32Array,
    count: number,
    features: number,
    scale: number,
  ): void;
  /** y ← a·x + b·y over the first `n` elements (reduces micro-batch gradients). */
  axpby(a: number, x: Float32Array, b: number, y: Float32Array, n: number): void;
  /** Σ x[i]² over the first `n` elements, accumulated in float64 (summation order is the set's own). */
  sumSquares(x: Float32Array, n: number): number;
}
