// Fused optimizer steps: transform the gradient and add it to the parameters in one pass over p, g
// and the state slots, four floats per step in float32 (fused multiply-add in the relaxed build).
// SGD and momentum here; AdaGrad, RMSprop and Adam in optim-adaptive.ts.

import { FLT_MIN, flushSubnormal, loadPartial, madd, storePartial } from './simd';

// Each kernel works element by element, so a shard split anywhere gives the same bits. A kernel is
// an inlined body for the four floats at byte offset `at`, run by a loop over whole vectors and once
// more for the 1–3 floats left, as a partial vector through the same code. In the loop `lanes` is the
// constant 4, so `ld`/`st` fold into plain loads and stores. Flags (`decay`, `nesterov`) are constants
// too: each export branches once, then runs a loop specialised for its case.

/** The first `lanes` floats at ptr: a plain load when `lanes` is the constant 4. */
@inline
export function ld(ptr: usize, lanes: i32): v128 {
  return lanes >= 4 ? v128.load(ptr) : loadPartial(ptr, lanes);
}

/** Stores the first `lanes` floats of v at ptr: a plain store when `lanes` is the constant 4. */
@inline
export function st(ptr: usize, v: v128, lanes: i32): void {
  if (lanes >= 4) v128.store(ptr, v);
  else storePartial(ptr, v, lanes);
}

/** gs·g, plus wd·p when `decay` (left out for wd = 0, as the chain then has no decay block). */
@inline
function clipped(g: v128, p: v128, gs: v128, wd: v128, decay: bool): v128 {
  const c = f32x4.mul(g, gs);
  return decay ? madd(p, wd, c) : c;
}

@inline
function sgdAt(at: usize, lanes: i32, p: usize, g: usize, nlr: v128, wd: v128, gs: v128, decay: bool): void {
  const pv = ld(p + at, lanes);
  st(p + at, madd(clipped(ld(g + at, lanes), pv, gs, wd, decay), nlr, pv), lanes);
}

@inline
function sgdLoop(p: usize, g: usize, n: i32, nlr: f32, wd: f32, gs: f32, decay: bool): void {
  const vNlr = f32x4.splat(nlr);
  const vWd = f32x4.splat(wd);
  const vGs = f32x4.splat(gs);
  let i = 0;
  for (; i + 4 <= n; i += 4) sgdAt((<usize>i) << 2, 4, p, g, vNlr, vWd, vGs, decay);
  if (i < n) sgdAt((<usize>i) << 2, n - i, p, g, vNlr, vWd, vGs, decay);
}

/** SGD: p ← p + nlr·(gs·g + wd·p) over n floats; `nlr` is −lr, `gs` the clipping factor (else 1). */
export function sgdStep(p: usize, g: usize, n: i32, nlr: f32, wd: f32, gs: f32): void {
  if (wd !== 0) sgdLoop(p, g, n, nlr, wd, gs, true);
  else sgdLoop(p, g, n, nlr, wd, gs, false);
}

@inline
function momentumAt(
  at: usize,
  lanes: i32,
  p: usize,
  g: usize,
  v: usize,
  nlr: v128,
  mu: v128,
  wd: v128,
  gs: v128,
  tiny: v128,
  negTiny: v128,
  decay: bool,
  nesterov: bool,
): void {
  const pv = ld(p + at, lanes);
  const gv = clipped(ld(g + at, lanes), pv, gs, wd, decay);
  // v ← μ·v + g′ (torch: no dampening); Nesterov steps along g′ + μ·v instead of v.
  const vv = flushSubnormal(madd(ld(v + at, lanes), mu, gv), tiny, negTiny);
  st(v + at, vv, lanes);
  st(p + at, madd(nesterov ? madd(vv, mu, gv) : vv, nlr, pv), lanes);
}

@inline
function momentumLoop(
  p: usize,
  g: usize,
  v: usize,
  n: i32,
  nlr: f32,
  mu: f32,
  wd: f32,
  gs: f32,
  decay: bool,
  nesterov: bool,
): void {
  const vNlr = f32x4.splat(nlr);
  const vMu = f32x4.splat(mu);
  const vWd = f32x4.splat(wd);
  const vGs = f32x4.splat(gs);
  const vTiny = f32x4.splat(FLT_MIN);
  const vNegTiny = f32x4.splat(-FLT_MIN);
  let i = 0;
  for (; i + 4 <= n; i += 4)
    momentumAt((<usize>i) << 2, 4, p, g, v, vNlr, vMu, vWd, vGs, vTiny, vNegTiny, decay, nesterov);
  if (i < n)
    momentumAt((<usize>i) << 2, n - i, p, g, v, vNlr, vMu, vWd, vGs, vTiny, vNegTiny, decay, nesterov);
}

/**
 * Momentum: v ← μ·v + g′, then p ← p + nlr·v, or p ← p + nlr·(g′ + μ·v) with `nesterov`, where
 * g′ = gs·g + wd·p (torch's coupled decay) and `nlr` is −lr.
 */
export function momentumStep(
  p: usize,
  g: usize,
  v: usize,
  n: i32,
  nlr: f32,
  mu: f32,
  wd: f32,
  gs: f32,
  nesterov: bool,
): void {
  if (nesterov) {
    if (wd !== 0) momentumLoop(p, g, v, n, nlr, mu, wd, gs, true, true);
    else momentumLoop(p, g, v, n, nlr, mu, wd, gs, false, true);
  } else if (wd !== 0) momentumLoop(p, g, v, n, nlr, mu, wd, gs, true, false);
  else momentumLoop(p, g, v, n, nlr, mu, wd, gs, false, false);
}
