// The optimizer runtime for one flat vector (or one contiguous shard of it): checks, then the fused
// step or the composed chain. Nothing here allocates per step; slots come from the caller (the arena).

import { checkLength, checkNumber, invalidOption } from '../errors.js';
import { flattenChain } from './chain.js';
import { type CompileOptions, compile } from './compile.js';
import type { CompiledTransform } from './fused.js';
import { learningRateFor, type ScaleByLearningRateSpec } from './scale-by-learning-rate.js';
import type { Slots, StepContext, Transform, TransformSpec } from './transform.js';

/**
 * The slot names a spec needs, in a stable order, so the caller can carve them from the arena.
 *
 * @example
 * optimizerSlotNames(adam({ lr: 1e-3 })); // ['scaleByAdam.mu', 'scaleByAdam.nu']
 */
export function optimizerSlotNames(spec: TransformSpec): readonly string[] {
  return compile(spec).slots;
}

function isTransform(x: TransformSpec | Transform): x is Transform {
  return typeof (x as Transform).update === 'function';
}

/** Zero-filled slots of `length` floats each, for tests and single-threaded use. */
export function allocateSlots(spec: TransformSpec | Transform, length: number): Record<string, Float32Array> {
  checkNumber('allocateSlots', 'length', length, { min: 0, integer: true });
  const names = isTransform(spec) ? spec.slots : optimizerSlotNames(spec);
  return Object.fromEntries(names.map((name) => [name, new Float32Array(length)]));
}

/**
 * Σ u[i]² over [start, end), in double precision. A sharded runtime sums the partial results of
 * its shards, in shard order, and passes `Math.sqrt(total)` as `ctx.gradNorm`.
 */
export function globalNormSquared(u: Float32Array, start = 0, end = u.length): number {
  let sum = 0;
  for (let i = start; i < end; i++) sum += u[i] * u[i];
  return sum;
}

/** p ← p + u; the only write to the parameters (optax apply_updates). */
export function applyUpdates(params: Float32Array, u: Float32Array): void {
  for (let i = 0; i < params.length; i++) params[i] += u[i];
}

/** Throws `ERR_SHAPE_MISMATCH` naming the buffer whose length differs from the parameters'. */
export function checkBuffers(
  transform: Transform,
  u: Float32Array,
  slots: Slots,
  params: Float32Array,
  where = 'optimizerStep',
): void {
  checkLength(where, 'updates', u.length, params.length);
  for (let i = 0; i < transform.slots.length; i++) {
    const name = transform.slots[i];
    const slot = slots[name];
    if (!(slot instanceof Float32Array)) {
      invalidOption(where, `slots["${name}"]`, 'a Float32Array', Object.keys(slots));
    }
    checkLength(where, `slots["${name}"]`, slot.length, params.length);
  }
}

/** Undefined or a finite lr ≥ 0; tested inline so the per-step path builds no error strings. */
function isLearningRateOverride(lr: number | undefined): boolean {
  return lr === undefined || (lr >= 0 && lr < Infinity);
}

/**
 * The unchecked core of {@link optimizerStep}, for callers that checked the buffers once (the
 * pipeline's shards): the transform's fused `step` when it has one (one pass, `u` left as it was),
 * else its `update` (which overwrites `u` with the update) and `applyUpdates`.
 */
export function stepInPlace(
  transform: CompiledTransform,
  u: Float32Array,
  slots: Slots,
  params: Float32Array,
  ctx: StepContext,
): void {
  if (transform.step) {
    transform.step(u, slots, params, ctx);
    return;
  }
  transform.update(u, slots, params, ctx);
  applyUpdates(params, u);
}

/**
 * One optimizer step on a vector or a shard: transforms the gradient `u` into the update and adds
 * it to `params`, fused into one pass when `compile` recognised a named recipe. `u` may be the
 * gradient buffer itself: the composed path overwrites it with the update, the fused one leaves it,
 * so read neither afterwards. `ctx.step` is 1-based; schedules see count `step − 1`. When
 * `transform.needsGradNorm`, `ctx.gradNorm` must be the norm over all shards.
 */
export function optimizerStep(
  transform: CompiledTransform,
  u: Float32Array,
  slots: Slots,
  params: Float32Array,
  ctx: StepContext,
): void {
  checkBuffers(transform, u, slots, params);
  if (!Number.isInteger(ctx.step) || ctx.step < 1)
    checkNumber('optimizerStep', 'ctx.step', ctx.step, { min: 1, integer: true });
  if (!isLearningRateOverride(ctx.lrOverride))
    checkNumber('optimizerStep', 'ctx.lrOverride', ctx.lrOverride, { min: 0 });
  stepInPlace(transform, u, slots, params, ctx);
}

/**
 * The learning rate update number `step` (1-based) would use, for logs and the dashboard; undefined
 * when the spec has no `scaleByLearningRate`. Not for the hot path (it walks the spec): a caller
 * asking every step keeps {@link learningRateLookup}'s function instead.
 */
export function learningRateAt(spec: TransformSpec, step: number, lrOverride?: number): number | undefined {
  return learningRateLookup(spec)(step, lrOverride);
}

/** The spec's learning rate as a function of (step, override), its `scaleByLearningRate` found once. */
export function learningRateLookup(
  spec: TransformSpec,
): (step: number, lrOverride?: number) => number | undefined {
  const item = flattenChain(spec).find((s) => s.kind === 'scaleByLearningRate') as
    | ScaleByLearningRateSpec
    | undefined;
  return item ? (step, lrOverride) => learningRateFor(item.lr, step, lrOverride) : () => undefined;
}

/** Buffers of {@link createOptimizer}. */
export interface OptimizerBuffers {
  readonly params: Float32Array;
  /** Recomputed by the caller before each `step()`; then it holds the update, or (fused) the gradient. */
  readonly grads: Float32Array;
  /** The spec's slots (e.g. arena views); zero-filled new arrays when omitted. */
  readonly slots?: Slots;
  /** Updates already applied, when resuming from a checkpoint; default 0. */
  readonly count?: number;
}

/** A compiled optimizer bound to its buffers. */
export interface Optimizer {
  readonly transform: CompiledTransform;
  readonly slots: Slots;
  /** Updates applied so far; the next `step()` is update number `count + 1`. */
  readonly count: number;
  /** Applies one update from the current `grads`; `lrOverride` replaces the scheduled lr. */
  step(lrOverride?: number): void;
}

/**
 * Compiles `spec` and binds it to `params` and `grads` (checked once here, not per step).
 * `options.kernels` picks the fused kernels (default JS); wasm kernels need every buffer in their memory.
 *
 * @example
 * const opt = createOptimizer(adam({ lr: 1e-3 }), { params, grads });
 * for (let i = 0; i < 100; i++) {
 *   computeGradients(params, grads); // the caller's
 *   opt.step();
 * }
 */
export function createOptimizer(
  spec: TransformSpec,
  buffers: OptimizerBuffers,
  options: CompileOptions = {},
): Optimizer {
  const { params, grads } = buffers;
  const transform = compile(spec, options);
  const slots = buffers.slots ?? allocateSlots(transform, params.length);
  checkLength('createOptimizer', 'grads', grads.length, params.length);
  checkBuffers(transform, grads, slots, params, 'createOptimizer');
  let count = checkNumber('createOptimizer', 'count', buffers.count ?? 0, { min: 0, integer: true });
  // One context object, mutated per step, so stepping allocates nothing.
  const ctx: { step: number; gradNorm: number; lrOverride: number | undefined } = {
    step: 0,
    gradNorm: 0,
    lrOverride: undefined,
  };
  return {
    transform,
    slots,
    get count() {
      return count;
    },
    step(lrOverride?: number) {
      if (!isLearningRateOverride(lrOverride))
        checkNumber('Optimizer.step', 'lrOverride', lrOverride, { min: 0 });
      ctx.step = count + 1;
      ctx.lrOverride = lrOverride;
      ctx.gradNorm = transform.needsGradNorm ? Math.sqrt(globalNormSquared(grads)) : 0;
      stepInPlace(transform, grads, slots, params, ctx);
      count++;
    },
  };
}
