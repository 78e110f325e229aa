// The fused optimizer kernel interface: a named recipe's transform and the parameter update in one
// pass over the flat vectors. Implemented by plain JS loops (src/optim/kernels.ts) and WebAssembly SIMD
// (src/kernels/wasm/optim-bind.ts); it lives here, beside the layers' kernels, so the wasm binding
// needs nothing from the optimizers above it.

/**
 * One pass per step over the parameters `p`, the gradient `g` (read only) and the state slots, all
 * of the same length (callers check it once). `lr` is the learning rate of this step (> 0 descends),
 * `gs` the global-norm clipping factor applied to g first (1 without clipping), `wd` a weight decay
 * (0 for none). Torch.optim 1.13's arithmetic, as the composed chains (docs/optimizers.md).
 */
export interface OptimizerKernels {
  /** `js`, `wasm-simd` or `wasm-relaxed-simd`, for logs and benchmarks. */
  readonly name: string;
  /** SGD: p ← p − lr·(gs·g + wd·p). */
  sgdStep(p: Float32Array, g: Float32Array, lr: number, wd: number, gs: number): void;
  /** Heavy ball: v ← μ·v + g′, p ← p − lr·v, with g′ = gs·g + wd·p. */
  momentumStep(
    p: Float32Array,
    g: Float32Array,
    v: Float32Array,
    lr: number,
    mu: number,
    wd: number,
    gs: number,
  ): void;
  /** Nesterov: v ← μ·v + g′, p ← p − lr·(g′ + μ·v), with g′ = gs·g + wd·p. */
  nesterovStep(
    p: Float32Array,
    g: Float32Array,
    v: Float32Array,
    lr: number,
    mu: number,
    wd: number,
    gs: number,
  ): void;
  /** AdaGrad: h ← h + g′², p ← p − lr·g′/(√h + eps), with g′ = gs·g. */
  adagradStep(p: Float32Array, g: Float32Array, h: Float32Array, lr: number, eps: number, gs: number): void;
  /** RMSprop: ν ← α·ν + (1 − α)·g′², p ← p − lr·g′/(√ν + eps), with g′ = gs·g. */
  rmspropStep(
    p: Float32Array,
    g: Float32Array,
    nu: Float32Array,
    lr: number,
    alpha: number,
    eps: number,
    gs: number,
  ): void;
  /**
   * Adam at 1-based step t (Kingma & Ba 2015), and AdamW when wd > 0 (decoupled, Loshchilov &
   * Hutter 2019): m ← β₁m + (1−β₁)g′, v ← β₂v + (1−β₂)g′², p ← p − lr·(m̂/(√v̂ + eps) + wd·p).
   */
  adamStep(
    p: Float32Array,
    g: Float32Array,
    m: Float32Array,
    v: Float32Array,
    lr: number,
    b1: number,
    b2: number,
    eps: number,
    t: number,
    wd: number,
    gs: number,
  ): void;
}
