// Fused optimizer kernels: a named recipe's transform and the parameter update in one pass, as plain
// JS loops (here) or WebAssembly SIMD (src/kernels/wasm/optim-bind.ts), behind one interface.

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

// The JS loops give the same bits as the composed chain: they compute in double like its blocks and
// round to float32 (Math.fround) exactly where the chain stores into `u` between blocks. So whether
// a run takes the fused or the composed path never changes its result (test/optim/fused.test.ts).
const f = Math.fround;

/** The plain-JS fused kernels: the default, and the reference the wasm ones are tested against. */
export const jsOptimizerKernels: OptimizerKernels = {
  name: 'js',
  sgdStep(p, g, lr, wd, gs) {
    const nlr = -lr;
    for (let i = 0; i < p.length; i++) {
      let u = f(g[i] * gs);
      if (wd !== 0) u = f(u + wd * p[i]);
      p[i] += f(u * nlr);
    }
  },
  momentumStep(p, g, v, lr, mu, wd, gs) {
    momentumLoop(p, g, v, lr, mu, wd, gs, false);
  },
  nesterovStep(p, g, v, lr, mu, wd, gs) {
    momentumLoop(p, g, v, lr, mu, wd, gs, true);
  },
  adagradStep(p, g, h, lr, eps, gs) {
    const nlr = -lr;
    for (let i = 0; i < p.length; i++) {
      const gi = f(g[i] * gs);
      const hi = h[i] + gi * gi;
      h[i] = hi;
      p[i] += f(f(gi / (Math.sqrt(hi) + eps)) * nlr);
    }
  },
  rmspropStep(p, g, nu, lr, alpha, eps, gs) {
    const nlr = -lr;
    for (let i = 0; i < p.length; i++) {
      const gi = f(g[i] * gs);
      const vi = alpha * nu[i] + (1 - alpha) * gi * gi;
      nu[i] = vi;
      p[i] += f(f(gi / (Math.sqrt(vi) + eps)) * nlr);
    }
  },
  adamStep(p, g, m, v, lr, b1, b2, eps, t, wd, gs) {
    // Bias corrections undo the pull towards the zero initial moments (paper, section 3).
    const bc1 = 1 - b1 ** t;
    const bc2 = 1 - b2 ** t;
    const nlr = -lr;
    for (let i = 0; i < p.length; i++) {
      const gi = f(g[i] * gs);
      const mi = b1 * m[i] + (1 - b1) * gi;
      const vi = b2 * v[i] + (1 - b2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      let u = f(mi / bc1 / (Math.sqrt(vi / bc2) + eps));
      if (wd !== 0) u = f(u + wd * p[i]);
      p[i] += f(u * nlr);
    }
  },
};

/** v ← μ·v + g′ (stored as float32, the update uses the double value, as `traceKernel` does). */
function momentumLoop(
  p: Float32Array,
  g: Float32Array,
  v: Float32Array,
  lr: number,
  mu: number,
  wd: number,
  gs: number,
  nesterov: boolean,
): void {
  const nlr = -lr;
  for (let i = 0; i < p.length; i++) {
    let gi = f(g[i] * gs);
    if (wd !== 0) gi = f(gi + wd * p[i]);
    const vi = mu * v[i] + gi;
    v[i] = vi;
    p[i] += f(f(nesterov ? gi + mu * vi : vi) * nlr);
  }
}
