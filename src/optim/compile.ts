// compile(spec): rebuilds behaviour from plain data through a registry of building blocks.
// Workers receive specs, never functions, and call this once per thread (tfjs fromConfig, optax chain).

import { invalidOption, unknownKind } from '../errors.js';
import { ADD_DECAYED_WEIGHTS_BLOCK } from './add-decayed-weights.js';
import type { Block, RawSpec } from './block.js';
import { flattenChain, slotPrefixes } from './chain.js';
import { CLIP_BY_GLOBAL_NORM_BLOCK } from './clip-by-global-norm.js';
import { SCALE_BLOCK } from './scale.js';
import { SCALE_BY_ADAGRAD_BLOCK } from './scale-by-adagrad.js';
import { SCALE_BY_ADAM_BLOCK } from './scale-by-adam.js';
import { SCALE_BY_LEARNING_RATE_BLOCK } from './scale-by-learning-rate.js';
import { SCALE_BY_RMS_BLOCK } from './scale-by-rms.js';
import { TRACE_BLOCK } from './trace.js';
import type { Transform, TransformSpec } from './transform.js';

const BLOCKS: ReadonlyMap<string, Block> = new Map(
  [
    SCALE_BLOCK,
    SCALE_BY_LEARNING_RATE_BLOCK,
    TRACE_BLOCK,
    SCALE_BY_ADAGRAD_BLOCK,
    SCALE_BY_RMS_BLOCK,
    SCALE_BY_ADAM_BLOCK,
    ADD_DECAYED_WEIGHTS_BLOCK,
    CLIP_BY_GLOBAL_NORM_BLOCK,
  ].map((b) => [b.kind, b]),
);

/** Every kind `compile` accepts, `chain` included. */
export const TRANSFORM_KINDS: readonly string[] = ['chain', ...BLOCKS.keys()];

/** Checks `kind` and rejects unknown fields (a typo like `beta1` must not silently mean the default). */
function blockFor(spec: unknown): Block {
  if (typeof spec !== 'object' || spec === null)
    invalidOption('compile', 'spec', 'a transform spec object', spec);
  const raw = spec as RawSpec;
  const block = BLOCKS.get(raw.kind as string);
  if (!block) return unknownKind('compile', 'transform kind', raw.kind, TRANSFORM_KINDS);
  for (const key of Object.keys(raw)) {
    if (key !== 'kind' && !block.fields.includes(key)) {
      invalidOption(block.kind, 'each field', `one of kind, ${block.fields.join(', ')}`, key);
    }
  }
  return block;
}

/**
 * Validates a spec and builds its transform. Every hyperparameter is checked again here, since
 * specs may come from JSON files, checkpoints or other threads.
 *
 * @throws GradstreamError `ERR_UNKNOWN_KIND` for an unknown kind (the message lists the kinds),
 *   `ERR_INVALID_OPTION` for a bad field, naming it and its allowed range.
 * @example
 * const t = compile(adam({ lr: 1e-3 }));
 * t.slots; // ['scaleByAdam.mu', 'scaleByAdam.nu']
 */
export function compile(spec: TransformSpec): Transform {
  if (spec?.kind !== 'chain') return blockFor(spec).compile(spec as RawSpec, '');
  const specs = flattenChain(spec);
  const prefixes = slotPrefixes(specs);
  const items = specs.map((s, i) => blockFor(s).compile(s as RawSpec, prefixes[i]));
  return {
    slots: items.flatMap((t) => t.slots),
    needsGradNorm: items.some((t) => t.needsGradNorm),
    update(u, s, p, ctx) {
      for (let i = 0; i < items.length; i++) items[i].update(u, s, p, ctx);
    },
  };
}
