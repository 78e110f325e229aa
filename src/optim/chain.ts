// chain(...items): runs transformations one after another on the same updates (optax chain).
// Only the spec side lives here (flattening, order check, slot prefixes); compile.ts builds it.

import { invalidOption } from '../errors.js';
import type { TransformSpec } from './transform.js';

/** Spec of {@link chain}. */
export type ChainSpec = {
  readonly kind: 'chain';
  readonly items: readonly TransformSpec[];
};

/** Kinds that read the raw gradient (through ctx.gradNorm), so they must come first. */
const FIRST_ONLY = ['clipByGlobalNorm'];

/**
 * Composes transformations left to right. Nested chains are flattened, so
 * `chain(clipByGlobalNorm({ maxNorm: 1 }), adam({ lr: 1e-3 }))` is one chain of three items.
 * Each item's slots are prefixed with its kind (`trace.v`, `scaleByAdam.mu`); a kind used twice
 * gets a counter on later uses (`trace_2.v`).
 *
 * @example
 * const spec = chain(addDecayedWeights({ weightDecay: 1e-4 }), trace({ decay: 0.9 }), scaleByLearningRate(0.1));
 */
export function chain(...items: TransformSpec[]): ChainSpec {
  const spec: ChainSpec = { kind: 'chain', items };
  flattenChain(spec);
  return spec;
}

/**
 * The items of a chain with nested chains inlined, after checking that order-sensitive items
 * (`clipByGlobalNorm`) come first. A non-chain spec is a chain of one.
 */
export function flattenChain(spec: TransformSpec, where = 'chain'): TransformSpec[] {
  const flat: TransformSpec[] = [];
  const visit = (s: TransformSpec) => {
    if (s.kind !== 'chain') {
      flat.push(s);
      return;
    }
    const items = (s as { items?: unknown }).items;
    if (!Array.isArray(items)) invalidOption(where, 'items', 'an array of transform specs', items);
    for (const item of items as readonly unknown[]) {
      if (typeof item !== 'object' || item === null)
        invalidOption(where, 'item', 'a transform spec object', item);
      visit(item as TransformSpec);
    }
  };
  visit(spec);
  for (let i = 1; i < flat.length; i++) {
    if (FIRST_ONLY.includes(flat[i].kind)) {
      invalidOption(where, `${flat[i].kind} index`, '0 (it uses the norm of the raw gradient)', i);
    }
  }
  return flat;
}

/** Slot-name prefixes for the flattened items: the kind, with `_2`, `_3`… on repeats. */
export function slotPrefixes(items: readonly TransformSpec[]): string[] {
  const seen = new Map<string, number>();
  return items.map((item) => {
    const n = (seen.get(item.kind) ?? 0) + 1;
    seen.set(item.kind, n);
    return n === 1 ? `${item.kind}.` : `${item.kind}_${n}.`;
  });
}
