// How a building block plugs into `compile`: its kind, its fields, and how to build it from a spec.
// Kept apart from compile.ts so block files never import the registry (no import cycles).

import type { Transform } from './transform.js';

// Spec types in the block files are `type` aliases, not interfaces: only an alias gets the implicit
// index signature that makes it assignable to TransformSpec.

/** A spec as it may arrive from JSON or a worker message: fields not yet checked. */
export type RawSpec = Readonly<Record<string, unknown>>;

/** One registered building block (internal; users see only the spec builders). */
export interface Block {
  /** The `kind` of its specs, e.g. `'scaleByAdam'`. */
  readonly kind: string;
  /** Hyperparameter fields a spec may carry besides `kind`. */
  readonly fields: readonly string[];
  /**
   * Validates `spec` (filling defaults) and builds the transform. Slot names are `prefix` + the
   * block's own name (`'mu'` → `'scaleByAdam.mu'`), computed here once so `update` never builds strings.
   */
  compile(spec: RawSpec, prefix: string): Transform;
}

/** Range of decay rates (momentum, β₁, β₂, α): [0, 1). */
export const DECAY_RANGE = { min: 0, max: 1, maxOpen: true } as const;

/** Range of strictly positive hyperparameters (eps, lr, maxNorm): (0, ∞). */
export const POSITIVE_RANGE = { min: 0, minOpen: true } as const;
