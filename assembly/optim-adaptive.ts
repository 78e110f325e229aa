// Fused steps of the adaptive methods (AdaGrad, RMSprop, Adam/AdamW): one pass over p, g and the
// moment slots, four floats per step in float32; the loop structure is optim.ts's.

import { ld, st } from './optim';
import { FLT_MIN, flushSubnormal, madd } from './simd';

/** u = g′ / (√s + eps): the shared tail of AdaGrad and RMSprop. */
@inline
function scaled(g: v128, s: v128, eps: v128): v128 {
  return f32x4.div(g, f32x4.add(f32x4.sqrt(s), eps));
}

@inline
function adagradAt(
  at: usize,
  lanes: i32,
  p: usize,
  g: usize,
  h: usize,
  nlr: v128,
  eps: v128,
  gs: v128,
): void {
  const gv = f32x4.mul(ld(g + at, lanes), gs);
  // h only grows: unlike a decaying moment it does not sink into the subnormal range (see adamAt).
  const hv = madd(gv, gv, ld(h + at, lanes));
  st(h + at, hv, lanes);
  st(p + at, madd(scaled(gv, hv, eps), nlr, ld(p + at, lanes)), lanes);
}

/** AdaGrad: h ← h + g′², p ← p + nlr·g′/(√h + eps), with g′ = gs·g. */
export function adagradStep(p: usize, g: usize, h: usize, n: i32, nlr: f32, eps: f32, gs: f32): void {
  const vNlr = f32x4.splat(nlr);
  const vEps = f32x4.splat(eps);
  const vGs = f32x4.splat(gs);
  let i = 0;
  for (; i + 4 <= n; i += 4) adagradAt((<usize>i) << 2, 4, p, g, h, vNlr, vEps, vGs);
  if (i < n) adagradAt((<usize>i) << 2, n - i, p, g, h, vNlr, vEps, vGs);
}

@inline
function rmspropAt(
  at: usize,
  lanes: i32,
  p: usize,
  g: usize,
  nu: usize,
  nlr: v128,
  alpha: v128,
  rest: v128,
  eps: v128,
  gs: v128,
  tiny: v128,
  negTiny: v128,
): void {
  const gv = f32x4.mul(ld(g + at, lanes), gs);
  const fresh = madd(ld(nu + at, lanes), alpha, f32x4.mul(f32x4.mul(gv, rest), gv));
  const nv = flushSubnormal(fresh, tiny, negTiny); // ν decays by α: see adamAt
  st(nu + at, nv, lanes);
  st(p + at, madd(scaled(gv, nv, eps), nlr, ld(p + at, lanes)), lanes);
}

/** RMSprop: ν ← α·ν + (1 − α)·g′², p ← p + nlr·g′/(√ν + eps), with g′ = gs·g and `rest` = 1 − α. */
export function rmspropStep(
  p: usize,
  g: usize,
  nu: usize,
  n: i32,
  nlr: f32,
  alpha: f32,
  rest: f32,
  eps: f32,
  gs: f32,
): void {
  const vNlr = f32x4.splat(nlr);
  const vAlpha = f32x4.splat(alpha);
  const vRest = f32x4.splat(rest);
  const vEps = f32x4.splat(eps);
  const vGs = f32x4.splat(gs);
  const vTiny = f32x4.splat(FLT_MIN);
  const vNegTiny = f32x4.splat(-FLT_MIN);
  let i = 0;
  for (; i + 4 <= n; i += 4)
    rmspropAt((<usize>i) << 2, 4, p, g, nu, vNlr, vAlpha, vRest, vEps, vGs, vTiny, vNegTiny);
  if (i < n)
    rmspropAt((<usize>i) << 2, n - i, p, g, nu, vNlr, vAlpha, vRest, vEps, vGs, vTiny, vNegTiny);
}

@inline
function adamAt(
  at: usize,
  lanes: i32,
  p: usize,
  g: usize,
  m: usize,
  v: usize,
  b1: v128,
  c1: v128,
  b2: v128,
  c2: v128,
  step: v128,
  eps: v128,
  nlrwd: v128,
  gs: v128,
  tiny: v128,
  negTiny: v128,
  decay: bool,
): void {
  const gv = f32x4.mul(ld(g + at, lanes), gs);
  // m decays by β₁ (0.9) while a weight's gradient is quiet, passing ~150 steps through the subnormal
  // range each time: flushed (simd.ts). v decays by β₂ (0.999) from g², so it gets there only after
  // tens of thousands of quiet steps; it is not flushed (doing so slowed the clean update in an A/B).
  const mv = flushSubnormal(madd(ld(m + at, lanes), b1, f32x4.mul(gv, c1)), tiny, negTiny);
  const vv = madd(ld(v + at, lanes), b2, f32x4.mul(f32x4.mul(gv, c2), gv));
  st(m + at, mv, lanes);
  st(v + at, vv, lanes);
  const u = f32x4.mul(scaled(mv, vv, eps), step);
  const pv = ld(p + at, lanes);
  // AdamW: the decoupled decay joins the update before it is added, as in the chain.
  st(p + at, f32x4.add(pv, decay ? madd(pv, nlrwd, u) : u), lanes);
}

@inline
function adamLoop(
  p: usize,
  g: usize,
  m: usize,
  v: usize,
  n: i32,
  b1: f32,
  c1: f32,
  b2: f32,
  c2: f32,
  step: f32,
  epsHat: f32,
  nlrwd: f32,
  gs: f32,
  decay: bool,
): void {
  const vB1 = f32x4.splat(b1);
  const vC1 = f32x4.splat(c1);
  const vB2 = f32x4.splat(b2);
  const vC2 = f32x4.splat(c2);
  const vStep = f32x4.splat(step);
  const vEps = f32x4.splat(epsHat);
  const vWd = f32x4.splat(nlrwd);
  const vGs = f32x4.splat(gs);
  const vTiny = f32x4.splat(FLT_MIN);
  const vNegTiny = f32x4.splat(-FLT_MIN);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const at = (<usize>i) << 2;
    adamAt(at, 4, p, g, m, v, vB1, vC1, vB2, vC2, vStep, vEps, vWd, vGs, vTiny, vNegTiny, decay);
  }
  if (i < n) {
    const at = (<usize>i) << 2;
    adamAt(at, n - i, p, g, m, v, vB1, vC1, vB2, vC2, vStep, vEps, vWd, vGs, vTiny, vNegTiny, decay);
  }
}

/**
 * Adam(W) in the paper's efficient form (Kingma & Ba 2015, end of section 2): m ← β₁m + c₁g′,
 * v ← β₂v + c₂g′², p ← p + step·m/(√v + ε̂) + nlrwd·p, with g′ = gs·g and cᵢ = 1 − βᵢ. The caller
 * folds the bias corrections into step = −lr·√(1−β₂ᵗ)/(1−β₁ᵗ) and ε̂ = eps·√(1−β₂ᵗ): in real
 * arithmetic that is torch's m̂/(√v̂ + eps) exactly. nlrwd = −lr·wd is AdamW's decay, 0 for Adam.
 */
export function adamStep(
  p: usize,
  g: usize,
  m: usize,
  v: usize,
  n: i32,
  b1: f32,
  c1: f32,
  b2: f32,
  c2: f32,
  step: f32,
  epsHat: f32,
  nlrwd: f32,
  gs: f32,
): void {
  if (nlrwd !== 0) adamLoop(p, g, m, v, n, b1, c1, b2, c2, step, epsHat, nlrwd, gs, true);
  else adamLoop(p, g, m, v, n, b1, c1, b2, c2, step, epsHat, nlrwd, gs, false);
}
