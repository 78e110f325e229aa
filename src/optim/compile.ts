// compile(spec): rebuilds behaviour from plain data through a registry of building blocks, adding a
// fused step for the named recipes. Workers receive specs, never functions, and call this once per thread.

import { invalidOption, unknownKind } from '../errors.js';
import type { OptimizerKernels } from '../kernels/optimizer-kernels.js';
import { ADD_DECAYED_WEIGHTS_BLOCK } from './add-decayed-weights.js';
import type { Block, RawSpec } from './block.js';
import { flattenChain, slotPrefixes } from './chain.js';
import { CLIP_BY_GLOBAL_NORM_BLOCK } from './clip-by-global-norm.js';
import { type CompiledTransform, fuseChain } from './fused.js';
import { jsOptimizerKernels } from './kernels.js';
import { SCALE_BLOCK } from './scale.js';
import { SCALE_BY_ADAGRAD_BLOCK } from './scale-by-adagrad.js';
import { SCALE_BY_ADAM_BLOCK } from './scale-by-adam.js';
import { SCALE_BY_LEARNING_RATE_BLOCK } from './scale-by-learning-rate.js';
import { SCALE_BY_RMS_BLOCK } from './scale-by-rms.js';
import { TRACE_BLOCK } from './trace.js';
import type { TransformSpec } from './transform.js';

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

/** Options of {@link compile}. */
export interface CompileOptions {
  /**
   * Kernels of the fused step: `jsOptimizerKernels` (default, any Float32Array), or a wasm set's
   * `optimizer` / `attachWasmOptimizerKernels(handle)`, which accept views in their memory only.
   */
  readonly kernels?: OptimizerKernels;
}

const KERNEL_METHODS = ['sgdStep', 'momentumStep', 'nesterovStep', 'adagradStep', 'rmspropStep', 'adamStep'];

function checkKernels(kernels: unknown): OptimizerKernels {
  const k = kernels as Record<string, unknown> | null;
  if (typeof k !== 'object' || k === null || KERNEL_METHODS.some((m) => typeof k[m] !== 'function'))
    invalidOption(
      'compile',
      'options.kernels',
      `an OptimizerKernels object (${KERNEL_METHODS.join(', ')})`,
      k,
    );
  return kernels as OptimizerKernels;
}

/**
 * Validates a spec and builds its transform. Every hyperparameter is checked again here, since
 * specs may come from JSON files, checkpoints or other threads. The named recipes' chains (sgd,
 * momentum, nesterov, adagrad, rmsprop, adam, adamw, optionally after clipByGlobalNorm) also get a
 * fused `step` that transforms and applies in one pass, through `options.kernels`.
 *
 * @throws GradstreamError `ERR_UNKNOWN_KIND` for an unknown kind (the message lists the kinds),
 *   `ERR_INVALID_OPTION` for a bad field, naming it and its allowed range.
 * @example
 * const t = compile(adam({ lr: 1e-3 }));
 * t.slots; // ['scaleByAdam.mu', 'scaleByAdam.nu']
 * t.step?.(grads, slots, params, { step: 1, gradNorm: 0 }); // params += update, in one pass
 */
export function compile(spec: TransformSpec, options: CompileOptions = {}): CompiledTransform {
  const kernels = options.kernels === undefined ? jsOptimizerKernels : checkKernels(options.kernels);
  const chained = spec?.kind === 'chain';
  const specs = chained ? flattenChain(spec) : [spec];
  const prefixes = chained ? slotPrefixes(specs) : [''];
  const items = specs.map((s, i) => blockFor(s).compile(s as RawSpec, prefixes[i]));
  const step = fuseChain(specs, prefixes, kernels);
  if (!chained) return step ? { ...items[0], step } : items[0];
  return {
    slots: items.flatMap((t) => t.slots),
    needsGradNorm: items.some((t) => t.needsGradNorm),
    update(u, s, p, ctx) {
      for (let i = 0; i < items.length; i++) items[i].update(u, s, p, ctx);
    },
    step,
  };
}
