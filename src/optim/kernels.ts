// Fused optimizer kernels as plain JS loops: a named recipe's transform and the parameter update in one
// pass. The interface (OptimizerKernels) is src/kernels/optimizer-kernels.ts; the WebAssembly SIMD set
// is src/kernels/wasm/optim-bind.ts.

import type { OptimizerKernels } from '../kernels/optimizer-kernels.js';

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
