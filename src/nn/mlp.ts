// The MLP spec (plain data, validated) and the layer stack it describes:
// [Affine → (BatchNorm) → Activation → (Dropout)] × hidden, then Affine → softmax cross-entropy
// (classification) or the linear outputs → mean squared error (regression).

import { checkNumber, invalidOption, unknownKind } from '../errors.js';
import { Rng } from '../random/rng.js';
import { defineLayout, type Layout } from '../tensor/layout.js';
import { checkInit, type InitSpec } from './init.js';
import { ACTIVATIONS, Activation, type ActivationName } from './layers/activation.js';
import { Affine } from './layers/affine.js';
import { BatchNorm, type BatchNormOptions } from './layers/batch-norm.js';
import { Dropout } from './layers/dropout.js';
import type { Layer } from './layers/layer.js';

/** A multilayer perceptron, as plain serialisable data (sent to workers, stored with checkpoints). */
export interface MlpSpec {
  readonly kind: 'mlp';
  /** Units per layer, input first, classes last: e.g. [784, 100, 10]. */
  readonly sizes: readonly number[];
  readonly activation: ActivationName;
  readonly init: InitSpec;
  /** Batch normalization after every hidden Affine, or `false`. */
  readonly batchNorm: false | BatchNormOptions;
  /** Dropout probability after every hidden activation (0 = none). */
  readonly dropout: number;
  /** λ of the L2 penalty ½λΣ‖W‖² on weight matrices (not biases), as in the book. */
  readonly weightDecay: number;
  /**
   * `'mse'` for regression: linear outputs, loss the mean of (output − target)² over every element
   * (torch's `mse_loss`). Absent for classification (softmax cross-entropy), so the specs stored
   * before regression existed are unchanged.
   */
  readonly loss?: 'mse';
}

/** The losses an MLP trains on: softmax cross-entropy (classification) or mean squared error (regression). */
export const LOSSES = ['cross-entropy', 'mse'] as const;
export type LossName = (typeof LOSSES)[number];

/** Options of `mlp()`; everything but `sizes` has a default. */
export interface MlpOptions {
  readonly sizes: readonly number[];
  /** Default `relu`. */
  readonly activation?: ActivationName;
  /** Default `he` for ReLU, `xavier` for sigmoid. */
  readonly init?: InitSpec;
  /** `true` for momentum 0.1 and eps 1e-5, or the options. Default false. */
  readonly batchNorm?: boolean | Partial<BatchNormOptions>;
  /** Default 0. */
  readonly dropout?: number;
  /** Default 0. */
  readonly weightDecay?: number;
  /** `cross-entropy` (default: classification, last size = classes ≥ 2) or `mse` (regression, last size = targets ≥ 1). */
  readonly loss?: LossName;
}

/**
 * Validates options and returns the MLP spec.
 *
 * @example
 * const spec = mlp({ sizes: [784, 100, 100, 10], activation: 'relu', init: 'he', batchNorm: true });
 */
export function mlp(options: MlpOptions): MlpSpec {
  const where = 'mlp';
  const { sizes } = options;
  if (!Array.isArray(sizes) || sizes.length < 2) {
    invalidOption(where, 'sizes', 'an array of at least 2 layer sizes, e.g. [784, 100, 10]', sizes);
  }
  for (let i = 0; i < sizes.length; i++)
    checkNumber(where, `sizes[${i}]`, sizes[i], { min: 1, integer: true });
  const loss = options.loss ?? 'cross-entropy';
  if (!LOSSES.includes(loss)) unknownKind(where, 'loss', loss, LOSSES);
  if (loss === 'cross-entropy' && sizes[sizes.length - 1] < 2)
    invalidOption(where, 'sizes (last: classes)', 'an integer ≥ 2', sizes.at(-1));
  const activation = options.activation ?? 'relu';
  if (!ACTIVATIONS.includes(activation)) unknownKind(where, 'activation', activation, ACTIVATIONS);
  const init = checkInit(where, options.init ?? (activation === 'relu' ? 'he' : 'xavier'));
  const bn = options.batchNorm ?? false;
  const batchNorm =
    bn === false
      ? false
      : {
          momentum: checkNumber(where, 'batchNorm.momentum', bn === true ? 0.1 : (bn.momentum ?? 0.1), {
            min: 0,
            max: 1,
          }),
          eps: checkNumber(where, 'batchNorm.eps', bn === true ? 1e-5 : (bn.eps ?? 1e-5), {
            min: 0,
            minOpen: true,
          }),
        };
  const dropout = checkNumber(where, 'dropout', options.dropout ?? 0, { min: 0, max: 1, maxOpen: true });
  const weightDecay = checkNumber(where, 'weightDecay', options.weightDecay ?? 0, { min: 0 });
  const spec: MlpSpec = { kind: 'mlp', sizes: [...sizes], activation, init, batchNorm, dropout, weightDecay };
  return loss === 'mse' ? { ...spec, loss } : spec;
}

/** The layer stack of a spec. `seed` keys the dropout masks. Layers are named `layer1`, `bn1`, `act1`, … */
export function buildLayers(spec: MlpSpec, seed: number): Layer[] {
  const layers: Layer[] = [];
  const dropoutRng = new Rng(seed).fork('dropout');
  const last = spec.sizes.length - 1;
  for (let l = 1; l <= last; l++) {
    const fanIn = spec.sizes[l - 1];
    const units = spec.sizes[l];
    layers.push(new Affine(`layer${l}`, fanIn, units));
    if (l === last) break;
    if (spec.batchNorm) layers.push(new BatchNorm(`bn${l}`, units, spec.batchNorm));
    layers.push(new Activation(`act${l}`, spec.activation, units));
    if (spec.dropout > 0)
      layers.push(new Dropout(`dropout${l}`, units, spec.dropout, dropoutRng.fork(l).key));
  }
  return layers;
}

/** The flat layouts of a spec: trained parameters and non-trained buffers (running statistics). */
export function mlpLayouts(spec: MlpSpec): { params: Layout; buffers: Layout } {
  const layers = buildLayers(spec, 0);
  return {
    params: defineLayout(layers.flatMap((layer) => layer.params)),
    buffers: defineLayout(layers.flatMap((layer) => layer.buffers)),
  };
}
