// Fused steps: recognises the named recipes' chains (sgd … adamw, optionally after clipByGlobalNorm)
// and runs transform + apply as one kernel pass, instead of one pass per block plus applyUpdates.

import type { OptimizerKernels } from '../kernels/optimizer-kernels.js';
import { type AddDecayedWeightsOptions, addDecayedWeights } from './add-decayed-weights.js';
import type { RawSpec } from './block.js';
import { type ClipByGlobalNormOptions, clipByGlobalNorm, clipFactor } from './clip-by-global-norm.js';
import { type ScaleByAdagradOptions, scaleByAdagrad } from './scale-by-adagrad.js';
import { type ScaleByAdamOptions, scaleByAdam } from './scale-by-adam.js';
import { type LearningRate, learningRateFor, scaleByLearningRate } from './scale-by-learning-rate.js';
import { type ScaleByRmsOptions, scaleByRms } from './scale-by-rms.js';
import { type TraceOptions, trace } from './trace.js';
import type { Slots, StepContext, Transform, TransformSpec } from './transform.js';

/** Transform and apply in one pass: p ← p + update(g). Reads `g` (never writes it), mutates p and `s`. */
export type FusedStep = (g: Float32Array, s: Slots, p: Float32Array, ctx: StepContext) => void;

/** What `compile` returns: a transform, plus a fused `step` when the chain is a known recipe. */
export interface CompiledTransform extends Transform {
  /** `update(g, …)` then `applyUpdates(p, g)` in one pass; bit-identical to them with the JS kernels. */
  readonly step?: FusedStep | undefined;
}

/** One recipe's kernel call, given this step's learning rate, clipping factor and t. */
type Run = (g: Float32Array, s: Slots, p: Float32Array, lr: number, gs: number, t: number) => void;

/** An item of the flattened chain with its slot-name prefix (`scaleByAdam.`, `trace_2.`, …). */
type Item = { readonly spec: RawSpec; readonly prefix: string };

type Build = (items: readonly Item[], k: OptimizerKernels) => Run | undefined;

// Decay folds into a kernel only when wd > 0: a block with wd = 0 still adds 0·p, whose −0 and
// NaN corner cases differ from having no block, so such a chain keeps the composed path.
const decayOf = (item: Item): number =>
  addDecayedWeights(item.spec as unknown as AddDecayedWeightsOptions, 'addDecayedWeights').weightDecay;

function momentumRun(item: Item, wd: number, k: OptimizerKernels): Run {
  const { decay: mu, nesterov } = trace(item.spec as TraceOptions, 'trace');
  const kV = `${item.prefix}v`;
  return nesterov
    ? (g, s, p, lr, gs) => k.nesterovStep(p, g, s[kV], lr, mu, wd, gs)
    : (g, s, p, lr, gs) => k.momentumStep(p, g, s[kV], lr, mu, wd, gs);
}

function adamRun(item: Item, wd: number, k: OptimizerKernels): Run {
  const { b1, b2, eps } = scaleByAdam(item.spec as ScaleByAdamOptions, 'scaleByAdam');
  const kMu = `${item.prefix}mu`;
  const kNu = `${item.prefix}nu`;
  return (g, s, p, lr, gs, t) => k.adamStep(p, g, s[kMu], s[kNu], lr, b1, b2, eps, t, wd, gs);
}

/** The chains that fuse, keyed by the kinds before their final scaleByLearningRate. */
const RECIPES = new Map<string, Build>([
  ['', (_, k) => (g, _s, p, lr, gs) => k.sgdStep(p, g, lr, 0, gs)],
  [
    'addDecayedWeights',
    ([d], k) => {
      const wd = decayOf(d);
      return wd > 0 ? (g, _s, p, lr, gs) => k.sgdStep(p, g, lr, wd, gs) : undefined;
    },
  ],
  ['trace', ([t], k) => momentumRun(t, 0, k)],
  ['addDecayedWeights trace', ([d, t], k) => (decayOf(d) > 0 ? momentumRun(t, decayOf(d), k) : undefined)],
  [
    'scaleByAdagrad',
    ([a], k) => {
      const { eps } = scaleByAdagrad(a.spec as ScaleByAdagradOptions, 'scaleByAdagrad');
      const kH = `${a.prefix}h`;
      return (g, s, p, lr, gs) => k.adagradStep(p, g, s[kH], lr, eps, gs);
    },
  ],
  [
    'scaleByRms',
    ([r], k) => {
      const { decay, eps } = scaleByRms(r.spec as ScaleByRmsOptions, 'scaleByRms');
      const kNu = `${r.prefix}nu`;
      return (g, s, p, lr, gs) => k.rmspropStep(p, g, s[kNu], lr, decay, eps, gs);
    },
  ],
  ['scaleByAdam', ([a], k) => adamRun(a, 0, k)],
  ['scaleByAdam addDecayedWeights', ([a, d], k) => (decayOf(d) > 0 ? adamRun(a, decayOf(d), k) : undefined)],
]);

/**
 * The fused step of a flattened, already validated chain, or undefined when it is not one of the
 * named recipes (sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw, each optionally with a
 * leading clipByGlobalNorm). Recognition goes by kinds, so a hand-built `chain(scaleByAdam(),
 * scaleByLearningRate(1e-3))` fuses as well as `adam({ lr: 1e-3 })`.
 */
export function fuseChain(
  specs: readonly TransformSpec[],
  prefixes: readonly string[],
  kernels: OptimizerKernels,
): FusedStep | undefined {
  const items: Item[] = specs.map((spec, i) => ({ spec: spec as RawSpec, prefix: prefixes[i] }));
  const clip = items[0]?.spec.kind === 'clipByGlobalNorm' ? items.shift() : undefined;
  const last = items.pop();
  if (last?.spec.kind !== 'scaleByLearningRate') return undefined;
  const run = RECIPES.get(items.map((item) => item.spec.kind).join(' '))?.(items, kernels);
  if (!run) return undefined;
  const { lr } = scaleByLearningRate(last.spec.lr as LearningRate, 'scaleByLearningRate');
  const maxNorm = clip
    ? clipByGlobalNorm(clip.spec as unknown as ClipByGlobalNormOptions, 'clipByGlobalNorm').maxNorm
    : undefined;
  return (g, s, p, ctx) => {
    const rate = learningRateFor(lr, ctx.step, ctx.lrOverride);
    const factor = maxNorm === undefined ? 1 : clipFactor(maxNorm, ctx.gradNorm);
    // The chain scales only when the factor is below 1, so a NaN norm leaves g as it is; Math.min would not.
    // biome-ignore lint/complexity/useMathMinMax: see above
    run(g, s, p, rate, factor < 1 ? factor : 1, ctx.step);
  };
}
