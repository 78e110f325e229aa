// The vocabulary of optimizers: a gradient transformation turns updates into updates, in place,
// with explicit named state slots (optax's GradientTransformation, made allocation-free).

/** Named per-parameter state slots, each a Float32Array with the same layout as the parameters. */
export type Slots = Readonly<Record<string, Float32Array>>;

/** What a transformation may know about the step besides the buffers. */
export interface StepContext {
  /** 1-based index of the update being computed (Adam's t). */
  readonly step: number;
  /** When set, replaces the scheduled learning rate (a controller changed it while running). */
  readonly lrOverride?: number | undefined;
  /** Global L2 norm of the raw gradient over all parameters (all shards), for global-norm clipping. */
  readonly gradNorm: number;
}

/** A compiled transformation: hyperparameters captured, state passed in. */
export interface Transform {
  /** Slot names this transformation needs, zero-initialised (e.g. `['mu', 'nu']`). */
  readonly slots: readonly string[];
  /** True when `update` reads `ctx.gradNorm`, so the runtime must compute it first. */
  readonly needsGradNorm: boolean;
  /**
   * Transforms the updates `u` in place, reading the parameters `p`, mutating only `u` and `s`.
   * `u`, `p` and each slot have the same length (a whole vector or one shard of it).
   */
  update(u: Float32Array, s: Slots, p: Float32Array, ctx: StepContext): void;
}

/** Plain, serialisable description of a transformation; rebuilt into a `Transform` by `compile`. */
export type TransformSpec =
  | { readonly kind: 'chain'; readonly items: readonly TransformSpec[] }
  | { readonly kind: string; readonly [hyper: string]: unknown };
