// A network bound to memory: runs the layer stack forward, the loss, and backward into the gradient
// buffer. Every buffer comes from an Arena, declared up front for a fixed batch capacity.

import { gatherLabels, gatherTargets } from '../data/batch.js';
import type { Dataset } from '../data/dataset.js';
import { isMostlyZeros } from '../data/sparsity.js';
import { checkNumber, GradstreamError, invalidOption } from '../errors.js';
import { jsKernels } from '../kernels/js/index.js';
import type { Kernels } from '../kernels/kernels.js';
import { Rng } from '../random/rng.js';
import { type Arena, ArenaBuilder } from '../tensor/arena.js';
import { entryViews, type Layout } from '../tensor/layout.js';
import { initWeights } from './init.js';
import { Affine } from './layers/affine.js';
import type { ForwardContext, Layer } from './layers/layer.js';
import { buildLayers, type MlpSpec, mlpLayouts } from './mlp.js';

/** Where a network's memory lives inside an arena. */
export interface NetworkRegions {
  /** Region of the flat parameters (shared by all workers). Default `params`. */
  readonly params?: string;
  /** Region this network writes its gradients to (one per worker slot). Default `grads`. */
  readonly grads?: string;
  /** Region of the non-trained buffers (batch-norm running statistics). Default `buffers`. */
  readonly buffers?: string;
  /** Prefix of this network's scratch regions (input, activations). Default ''. */
  readonly scope?: string;
  /**
   * Region (buffers' layout) that training passes write batch-norm statistics to, instead of
   * updating `buffers` in place; see `commitBatchStats`. Default: update in place.
   */
  readonly batchStats?: string;
}

/** Options of a network instance. */
export interface NetworkOptions extends NetworkRegions {
  /** Most rows one forward pass takes (the batch or micro-batch size). */
  readonly capacity: number;
  /** Kernel set; default the plain-JS kernels. */
  readonly kernels?: Kernels;
  /** Seeds the dropout masks (parameters are initialised separately, by `initialize`). Default 0. */
  readonly seed?: number;
  /**
   * Whether the first layer skips the input's zeros (`matmulSparseA`): 'auto' (default) decides per
   * data set in `loadBatch` (`isMostlyZeros`), true or false forces it.
   */
  readonly skipInputZeros?: SkipInputZeros;
}

/** When the first layer skips its input's zeros: 'auto' (mostly-zero data sets), always, or never. */
export type SkipInputZeros = boolean | 'auto';

/** Requests the shared model state: parameters, one gradient region, buffers. */
export function declareModelState(builder: ArenaBuilder, spec: MlpSpec, regions: NetworkRegions = {}): void {
  const { params, buffers } = mlpLayouts(spec);
  builder.f32(regions.params ?? 'params', params.size);
  builder.f32(regions.grads ?? 'grads', params.size);
  builder.f32(regions.buffers ?? 'buffers', buffers.size);
}

/** Requests one network instance's scratch: input rows, labels, activations, saved values. */
export function declareNetworkScratch(
  builder: ArenaBuilder,
  spec: MlpSpec,
  capacity: number,
  scope = '',
): void {
  builder.f32(`${scope}input`, capacity * spec.sizes[0]);
  builder.i32(`${scope}labels`, capacity);
  if (spec.loss === 'mse') builder.f32(`${scope}targets`, capacity * spec.sizes[spec.sizes.length - 1]);
  builder.i32(`${scope}sampleIds`, capacity);
  builder.f32(`${scope}dlogits`, capacity * spec.sizes[spec.sizes.length - 1]);
  for (const layer of buildLayers(spec, 0)) layer.declare(builder, capacity, scope);
}

/**
 * An MLP bound to arena memory.
 *
 * @example
 * const spec = mlp({ sizes: [4, 8, 3] });
 * const net = Network.create(spec, { capacity: 32 });
 * net.initialize(42);
 * net.input.set(xRows); net.labels.set(labels);
 * const loss = net.lossAndGradient(n); // fills net.grads
 */
export class Network {
  readonly spec: MlpSpec;
  readonly layout: Layout;
  readonly bufferLayout: Layout;
  readonly capacity: number;
  readonly kernels: Kernels;
  /** Flat parameters (all layers). */
  readonly params: Float32Array;
  /** Flat gradients, same layout as `params`. */
  readonly grads: Float32Array;
  /** Flat non-trained buffers (batch-norm running statistics). */
  readonly buffers: Float32Array;
  /** Input rows (capacity × sizes[0]); fill the first n rows before a pass. */
  readonly input: Float32Array;
  /** Labels of the input rows. */
  readonly labels: Int32Array;
  /** Regression targets of the input rows (capacity × outputs); empty for a classification network. */
  readonly targets: Float32Array;
  /** Dataset index of each input row: keys the dropout masks, so they do not depend on batch splitting. */
  readonly sampleIds: Int32Array;
  readonly #layers: Layer[];
  readonly #skipZeros: SkipInputZeros;
  readonly #dlogits: Float32Array;
  readonly #weights: Float32Array[];
  readonly #weightGrads: Float32Array[];
  #logits: Float32Array;
  readonly #outputs = new Map<Layer, Float32Array>(); // each layer's output buffer, for inspection

  /** Builds a network with an arena of its own (for single-threaded use and tests). */
  static create(spec: MlpSpec, options: NetworkOptions & { shared?: boolean }): Network {
    const builder = new ArenaBuilder();
    declareModelState(builder, spec, options);
    declareNetworkScratch(builder, spec, options.capacity, options.scope);
    return new Network(spec, builder.build({ shared: options.shared ?? false }), options);
  }

  /** Binds to an arena in which `declareModelState` and `declareNetworkScratch` were declared. */
  constructor(spec: MlpSpec, arena: Arena, options: NetworkOptions) {
    this.spec = spec;
    this.capacity = checkNumber('network', 'capacity', options.capacity, { min: 1, integer: true });
    this.kernels = options.kernels ?? jsKernels;
    this.#skipZeros = checkSkipInputZeros('network', options.skipInputZeros ?? 'auto');
    const layouts = mlpLayouts(spec);
    this.layout = layouts.params;
    this.bufferLayout = layouts.buffers;
    const scope = options.scope ?? '';
    this.params = arena.f32(options.params ?? 'params');
    this.grads = arena.f32(options.grads ?? 'grads');
    this.buffers = arena.f32(options.buffers ?? 'buffers');
    this.input = arena.f32(`${scope}input`);
    this.labels = arena.i32(`${scope}labels`);
    this.targets = spec.loss === 'mse' ? arena.f32(`${scope}targets`) : new Float32Array(0);
    this.sampleIds = arena.i32(`${scope}sampleIds`);
    this.#dlogits = arena.f32(`${scope}dlogits`);
    const params = entryViews(this.layout, this.params);
    const grads = entryViews(this.layout, this.grads);
    const buffers = entryViews(this.bufferLayout, this.buffers);
    const batchStats = options.batchStats
      ? entryViews(this.bufferLayout, arena.f32(options.batchStats))
      : undefined;
    this.#layers = buildLayers(spec, options.seed ?? 0);
    for (const layer of this.#layers) {
      layer.bind({ arena, kernels: this.kernels, params, grads, buffers, batchStats, scope });
    }
    const weightNames = this.layout.entries.filter((e) => e.role === 'weight').map((e) => e.name);
    this.#weights = weightNames.map((name) => params[name]);
    this.#weightGrads = weightNames.map((name) => grads[name]);
    this.#logits = this.#dlogits;
  }

  /** Initial parameters from the spec's init (weights), zeros (biases, β), ones (γ); running var 1. */
  initialize(seed: number): void {
    const rng = new Rng(seed).fork('init');
    const views = entryViews(this.layout, this.params);
    this.params.fill(0);
    for (const entry of this.layout.entries) {
      if (entry.role === 'weight')
        initWeights(rng.fork(entry.name), views[entry.name], entry.shape[0], this.spec.init);
      else if (entry.role === 'scale') views[entry.name].fill(1);
    }
    const buffers = entryViews(this.bufferLayout, this.buffers);
    for (const entry of this.bufferLayout.entries) buffers[entry.name].fill(entry.role === 'scale' ? 1 : 0);
  }

  /**
   * Outputs of every hidden activation layer (`act1`, `act2`, …) of the last forward pass: views of
   * the first `n` rows (the book's activation-distribution pictures). Allocates views: not for the hot path.
   */
  activations(n: number): { readonly layer: string; readonly values: Float32Array }[] {
    return this.#layers
      .filter((layer) => layer.name.startsWith('act'))
      .map((layer) => ({
        layer: layer.name,
        values: this.#outputs.get(layer)!.subarray(0, n * layer.outputSize),
      }));
  }

  /** Logits of the last forward pass (n × classes, row-major). */
  get logits(): Float32Array {
    return this.#logits;
  }

  /** Runs the first `ctx.n` rows of `input` through the network; returns the logits buffer. */
  forward(ctx: ForwardContext): Float32Array {
    let x = this.input;
    for (const layer of this.#layers) {
      x = layer.forward(x, ctx);
      this.#outputs.set(layer, x);
    }
    this.#logits = x;
    return x;
  }

  /**
   * The data loss of the last forward pass, and dL/dlogits: mean cross-entropy against `labels`, or
   * for regression the mean squared error against `targets`.
   */
  #dataLoss(n: number): number {
    const outputs = this.spec.sizes[this.spec.sizes.length - 1];
    return this.spec.loss === 'mse'
      ? this.kernels.meanSquaredError(this.#logits, this.targets, this.#dlogits, n, outputs)
      : this.kernels.softmaxCrossEntropy(this.#logits, this.labels, this.#dlogits, n, outputs);
  }

  /**
   * Training step's math: forward in training mode, loss (cross-entropy + ½λΣ‖W‖²), backward into
   * `grads`. Returns the loss. `step` and `sampleIds` (default: the `sampleIds` buffer) key dropout.
   */
  lossAndGradient(n: number, step = 0, sampleIds: ArrayLike<number> = this.sampleIds): number {
    this.forward({ n, train: true, step, sampleIds });
    let loss = this.#dataLoss(n);
    let dy = this.#dlogits;
    for (let i = this.#layers.length - 1; i >= 0; i--) dy = this.#layers[i].backward(dy, n, i > 0);
    const lambda = this.spec.weightDecay;
    if (lambda > 0) {
      let sumSquares = 0;
      for (let w = 0; w < this.#weights.length; w++) {
        const W = this.#weights[w];
        sumSquares += this.kernels.sumSquares(W, W.length);
        this.kernels.axpby(lambda, W, 1, this.#weightGrads[w], W.length);
      }
      loss += 0.5 * lambda * sumSquares;
    }
    return loss;
  }

  /**
   * Loads samples `order[start..start+count)` of `data` as the batch: their dataset indices into
   * `sampleIds`, labels into `labels`, and the scaled rows into `input` through the kernels' gather.
   * With the wasm kernels `data.x` must lie in their memory (see `placeDataset`). Allocates nothing.
   */
  loadBatch(data: Dataset, order: Uint32Array, start: number, count: number): void {
    if (count > this.capacity || start + count > order.length) {
      throw new GradstreamError(
        'ERR_SHAPE_MISMATCH',
        `loadBatch: rows [${start}, ${start + count}) of an order of ${order.length}, capacity ${this.capacity}`,
      );
    }
    gatherLabels('loadBatch', data, order, start, count, this.labels, this.sampleIds);
    this.checkData('loadBatch', data);
    if (this.spec.loss === 'mse') gatherTargets(data, order, start, count, this.targets);
    this.kernels.gatherRows(data.x, this.sampleIds, this.input, count, data.features, data.scale);
    this.inputFrom(data);
  }

  /**
   * Sets `skipInputZeros` for batches of `data`, as the network's option says ('auto': when `data`
   * is mostly zeros). `loadBatch` calls it; call it yourself when you fill `input` another way.
   */
  inputFrom(data: Dataset): void {
    this.skipInputZeros = this.#skipZeros === 'auto' ? isMostlyZeros(data) : this.#skipZeros;
  }

  /**
   * Whether the first layer's products skip the input's zeros now (set by `loadBatch`: with the
   * default option 'auto', true for mostly-zero data like MNIST; see `inputFrom`). Results differ from
   * the dense products only by float rounding.
   */
  get skipInputZeros(): boolean {
    const first = this.#layers[0];
    return first instanceof Affine && first.sparseInput;
  }

  set skipInputZeros(sparse: boolean) {
    const first = this.#layers[0];
    if (first instanceof Affine) first.sparseInput = sparse;
  }

  /**
   * Checks that `data` suits the network's loss: a regression network needs targets, one column per
   * output; a classification network needs labels (not a regression dataset). `where` names the caller.
   */
  checkData(where: string, data: Dataset): void {
    const outputs = this.spec.sizes[this.spec.sizes.length - 1];
    const regression = this.spec.loss === 'mse';
    if (regression === Boolean(data.targets) && (!regression || data.classes === outputs)) return;
    const has = data.targets ? `${data.classes} target column(s) (a regression dataset)` : 'class labels';
    throw new GradstreamError(
      'ERR_SHAPE_MISMATCH',
      `${where}: the ${regression ? `regression network has ${outputs} output(s)` : 'network is a classifier'}, ${data.name} has ${has}`,
    );
  }

  /**
   * Inference on the first n rows: the mean data loss and the number of correct argmax predictions
   * (classification), or for regression the sums of squared and absolute errors over the n × outputs
   * elements (`correct` 0). Allocates nothing.
   */
  evaluateBatch(n: number): { loss: number; correct: number; squaredError: number; absoluteError: number } {
    this.forward({ n, train: false, step: 0 });
    const loss = this.#dataLoss(n);
    const classes = this.spec.sizes[this.spec.sizes.length - 1];
    if (this.spec.loss === 'mse') {
      let squaredError = 0;
      let absoluteError = 0;
      for (let i = 0; i < n * classes; i++) {
        const diff = this.#logits[i] - this.targets[i];
        squaredError += diff * diff;
        absoluteError += Math.abs(diff);
      }
      return { loss, correct: 0, squaredError, absoluteError };
    }
    let correct = 0;
    for (let i = 0; i < n; i++) {
      const row = i * classes;
      let best = 0;
      for (let j = 1; j < classes; j++) if (this.#logits[row + j] > this.#logits[row + best]) best = j;
      if (best === this.labels[i]) correct++;
    }
    return { loss, correct, squaredError: 0, absoluteError: 0 };
  }
}

/** Checks a `skipInputZeros` option: 'auto', true or false. */
export function checkSkipInputZeros(where: string, value: unknown): SkipInputZeros {
  if (value !== 'auto' && value !== true && value !== false) {
    invalidOption(where, 'skipInputZeros', "'auto', true or false", value);
  }
  return value;
}
