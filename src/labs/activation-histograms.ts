// The book's activation-distribution experiment (section 6.2.2, figures 6-10 to 6-14): 1,000 random
// inputs through 5 layers of 100 units with fresh weights of a given scale, and a histogram of each
// layer's activations. Runs the library's own Affine and Activation layers, single-threaded.

import { jsKernels } from '../kernels/js/index.js';
import { initWeights } from '../nn/init.js';
import type { ActivationName } from '../nn/layers/activation.js';
import { buildLayers, type MlpSpec, mlp, mlpLayouts } from '../nn/mlp.js';
import { declareModelState } from '../nn/network.js';
import { Rng } from '../random/rng.js';
import { ArenaBuilder } from '../tensor/arena.js';
import { entryViews } from '../tensor/layout.js';
import type { InitChoice } from './init-choice.js';
import { initSpec } from './init-choice.js';

/** Options of {@link activationHistograms}; the defaults are the book's. */
export interface ActivationHistogramOptions {
  readonly activation: ActivationName;
  readonly init: InitChoice;
  /** Random inputs (rows of N(0, 1) values). Default 1,000. */
  readonly samples?: number;
  /** Hidden layers. Default 5. */
  readonly layers?: number;
  /** Units per layer (and input features). Default 100. */
  readonly units?: number;
  /** Histogram bins over [0, 1] (the book's `plt.hist(a, 30, range=(0, 1))`). Default 30. */
  readonly bins?: number;
  readonly seed: number;
}

/** One layer's activations. */
export interface LayerActivations {
  readonly layer: number;
  /** `bins + 1` edges over [0, 1]. */
  readonly edges: number[];
  /** Values per bin; values outside [0, 1] are not counted, as in the book's figure. */
  readonly counts: number[];
  readonly mean: number;
  readonly std: number;
  /** Share of exact zeros (ReLU) or of values within 0.01 of 0 or 1 (saturated sigmoids). */
  readonly saturated: number;
}

/**
 * Forward-propagates random inputs and histograms every hidden layer's activations.
 *
 * @example
 * const layers = activationHistograms({ activation: 'sigmoid', init: 'xavier', seed: 1 });
 * layers.map((l) => l.std); // stays wide through all five layers
 */
export function activationHistograms(o: ActivationHistogramOptions): LayerActivations[] {
  const samples = o.samples ?? 1000;
  const depth = o.layers ?? 5;
  const units = o.units ?? 100;
  const bins = o.bins ?? 30;
  const spec: MlpSpec = mlp({
    sizes: [units, ...new Array<number>(depth).fill(units), 2],
    activation: o.activation,
    init: initSpec(o.init),
  });
  const builder = new ArenaBuilder();
  declareModelState(builder, spec);
  const layers = buildLayers(spec, o.seed);
  for (const layer of layers) layer.declare(builder, samples, '');
  const arena = builder.build();
  const layout = mlpLayouts(spec);
  const params = entryViews(layout.params, arena.f32('params'));
  const grads = entryViews(layout.params, arena.f32('grads'));
  const rng = new Rng(o.seed).fork('activation-histograms');
  // Fresh N(0, σ²) weights per layer and zero biases: the book's layers have no bias at all.
  for (const entry of layout.params.entries) {
    if (entry.role === 'weight')
      initWeights(rng.fork(entry.name), params[entry.name], entry.shape[0], spec.init);
  }
  const ctx = { arena, kernels: jsKernels, params, grads, buffers: {}, scope: '' };
  for (const layer of layers) layer.bind(ctx);
  let x = rng.fork('input').fillNormal(new Float32Array(samples * units), 1);
  const out: LayerActivations[] = [];
  for (const layer of layers) {
    x = layer.forward(x, { n: samples, train: false, step: 0 });
    if (layer.name.startsWith('act'))
      out.push(summarize(out.length + 1, x.subarray(0, samples * units), bins, o.activation));
    if (out.length === depth) break;
  }
  return out;
}

function summarize(
  layer: number,
  a: Float32Array,
  bins: number,
  activation: ActivationName,
): LayerActivations {
  const counts = new Array<number>(bins).fill(0);
  let sum = 0;
  let sumSq = 0;
  let saturated = 0;
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    sum += v;
    sumSq += v * v;
    if (activation === 'relu' ? v === 0 : v < 0.01 || v > 0.99) saturated++;
    if (v >= 0 && v <= 1) counts[Math.min(bins - 1, Math.floor(v * bins))]++;
  }
  const mean = sum / a.length;
  const edges = Array.from({ length: bins + 1 }, (_, i) => i / bins);
  return {
    layer,
    edges,
    counts,
    mean,
    std: Math.sqrt(Math.max(0, sumSq / a.length - mean * mean)),
    saturated: saturated / a.length,
  };
}
