// A trained model out of a file, ready to predict: a `.safetensors` file gradstream exported (its
// `model` and `preprocessing` metadata, the weights back from the state dict) or a checkpoint. The
// predictions run on the training kernels (wasm SIMD where available) in inference mode, in memory
// sized once, so a stream of same-size batches allocates nothing.

import { readFileSync, statSync } from 'node:fs';
import { encodedWidth, type Preprocessing } from '../data/preprocessing.js';
import { SPARSE_INPUT_ZEROS } from '../data/sparsity.js';
import { describeValue, GradstreamError } from '../errors.js';
import { nonRegularKind } from '../file-kind.js';
import { type KernelPreference, selectKernels } from '../kernels/select.js';
import { type MlpOptions, type MlpSpec, mlp } from '../nn/mlp.js';
import { declareModelState, declareNetworkScratch, Network, type SkipInputZeros } from '../nn/network.js';
import { loadCheckpoint } from '../store/checkpoint.js';
import { type Checkpoint, checkpointPreprocessing } from '../store/run-state.js';
import { ArenaBuilder } from '../tensor/arena.js';
import { createRawRowEncoder, type RawRow, type RawRowEncoder } from './encode-rows.js';
import { readSafetensors, safetensorsError } from './read-safetensors.js';
import { type FlatWeights, weightsFromStateDict } from './state-dict.js';

/**
 * What `predict` takes:
 * - a `Float32Array` or `Uint8Array` of rows, row-major: for a `scale` model the raw values (MNIST
 *   bytes 0–255), multiplied by the preprocessing's scale here; for a `table` model rows already
 *   encoded (standardized, one-hot: e.g. the `x` of a CSV dataset loaded with the model's preprocessing);
 * - for a `table` model, an array of raw rows (objects keyed by column, or arrays in column order, of
 *   strings or numbers), encoded with the model's preprocessing (numbers standardized with the
 *   training split's mean and std, categories one-hot, an unseen category all zeros).
 */
export type ModelInput = Float32Array | Uint8Array | readonly RawRow[];

/**
 * What `predict` returns: views of buffers the model reuses, valid until its next `predict`. Calls
 * with the same number of rows return this very object again.
 */
export interface Prediction {
  /** Rows predicted. */
  readonly n: number;
  /**
   * n × outputs, row-major: the class probabilities (softmax of the logits) for a classifier, the
   * predicted target columns (in the data's units) for a regression model.
   */
  readonly values: Float32Array;
  /** A classifier's predicted class per row (the argmax of the logits); empty for regression. */
  readonly classes: Int32Array;
}

/** A loaded model. */
export interface Model {
  readonly spec: MlpSpec;
  readonly preprocessing: Preprocessing;
  /** The file it came from. */
  readonly source: string;
  /** The kernel set its predictions run on (`wasm-simd…` or `js`). */
  readonly kernels: string;
  /** Values one input row holds: raw features (`scale`) or columns (`table`). */
  readonly inputColumns: number;
  /** Predicts the rows of `input` (see `ModelInput`, `Prediction`). */
  predict(input: ModelInput): Prediction;
}

/** Options of `loadModel`. */
export interface LoadModelOptions {
  /** Rows one forward pass takes; larger inputs run in passes of this many. Default: the first input's row count. */
  readonly batchSize?: number;
  /** Kernel set; default 'auto' (wasm SIMD where available; `GRADSTREAM_KERNELS` overrides). */
  readonly kernels?: KernelPreference;
  /**
   * Whether the first layer skips the input's zeros; 'auto' (default) decides per forward pass: when
   * more than half of its input values are zero, the rule training applies per data set (`isMostlyZeros`).
   */
  readonly skipInputZeros?: SkipInputZeros;
}

/** A model's parts, however they were read. */
export interface ModelParts extends FlatWeights {
  readonly spec: MlpSpec;
  readonly preprocessing: Preprocessing;
  readonly source: string;
}

/** The `model` of a safetensors file's metadata, validated as `mlp()` validates options. */
function specFromMetadata(text: string | undefined, source: string): MlpSpec {
  if (text === undefined)
    throw safetensorsError(source, '__metadata__ has no "model" (not exported by gradstream?)');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw safetensorsError(source, `__metadata__.model is not JSON: ${describeValue(text.slice(0, 80))}`);
  }
  if (typeof parsed !== 'object' || parsed === null || (parsed as { kind?: unknown }).kind !== 'mlp')
    throw safetensorsError(
      source,
      `__metadata__.model must be an MLP spec { kind: "mlp", … }, got ${describeValue(parsed)}`,
    );
  try {
    return mlp(parsed as MlpOptions);
  } catch (error) {
    throw safetensorsError(source, `__metadata__.model: ${(error as Error).message}`);
  }
}

/** The `preprocessing` of a safetensors file's metadata (the IDX pixel scale for files exported before it was stored). */
function preprocessingFromMetadata(text: string | undefined, spec: MlpSpec, source: string): Preprocessing {
  if (text === undefined) return checkpointPreprocessing({ model: spec });
  let parsed: Preprocessing;
  try {
    parsed = JSON.parse(text) as Preprocessing;
  } catch {
    throw safetensorsError(
      source,
      `__metadata__.preprocessing is not JSON: ${describeValue(text.slice(0, 80))}`,
    );
  }
  const kind = parsed?.input?.kind;
  if (parsed?.version !== 1 || (kind !== 'scale' && kind !== 'table') || !Array.isArray(parsed.output?.names))
    throw safetensorsError(
      source,
      `__metadata__.preprocessing must be { version: 1, input: { kind: "scale" | "table", … }, output: { names, … } }, got ${describeValue(text.slice(0, 120))}`,
    );
  return parsed;
}

/** Reads a regular file whole, or throws the error `fail` makes of the problem. */
function readRegular(path: string, fail: (problem: string) => Error): Buffer {
  try {
    const kind = nonRegularKind(statSync(path));
    if (kind) throw fail(`not a regular file (${kind})`);
    return readFileSync(path);
  } catch (error) {
    if (error instanceof GradstreamError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw fail(code === 'ENOENT' ? 'file not found' : `cannot read (${code ?? error})`);
  }
}

/**
 * A model's spec, preprocessing and flat weights from a `.safetensors` file gradstream exported.
 *
 * @throws GradstreamError naming the file: `ERR_DATA_FORMAT` (not safetensors, no gradstream
 *   metadata, a tensor missing or of another dtype) or `ERR_SHAPE_MISMATCH` (a tensor's shape).
 */
export function readModelSafetensors(path: string): ModelParts {
  const bytes = readRegular(path, (problem) => safetensorsError(path, problem));
  const file = readSafetensors(bytes, path);
  const spec = specFromMetadata(file.metadata.model, path);
  const preprocessing = preprocessingFromMetadata(file.metadata.preprocessing, spec, path);
  checkPreprocessing(spec, preprocessing, path);
  return { spec, preprocessing, source: path, ...weightsFromStateDict(spec, file, path) };
}

/** A checkpoint file's model: its spec, preprocessing, parameters and batch-norm statistics (and its run's config and step). */
export function readModelCheckpoint(path: string): ModelParts & Pick<Checkpoint, 'config' | 'step'> {
  const c = loadCheckpoint(path);
  return {
    spec: c.model,
    preprocessing: checkpointPreprocessing(c),
    source: path,
    params: c.params,
    buffers: c.buffers,
    config: c.config,
    step: c.step,
  };
}

function checkPreprocessing(spec: MlpSpec, p: Preprocessing, source: string): void {
  const inputs = encodedWidth(p.input);
  const outputs = p.output.names.length;
  if (inputs !== spec.sizes[0] || outputs !== spec.sizes.at(-1))
    throw safetensorsError(
      source,
      `the preprocessing gives ${inputs} inputs and names ${outputs} outputs, the model ${spec.sizes.join('-')} takes ${spec.sizes[0]} and gives ${spec.sizes.at(-1)}`,
    );
}

/**
 * Loads a model to predict with: a `.safetensors` file from `gradstream export` or a checkpoint
 * (`.gsc`) of a run.
 *
 * @throws GradstreamError naming the file and the problem (see `readModelSafetensors`, `loadCheckpoint`).
 * @example
 * const model = loadModel('mnist.safetensors');
 * const { classes, values } = model.predict(pixels); // pixels: Uint8Array of n × 784 bytes
 * console.log(classes[0], values[classes[0]]);       // the first row's class and its probability
 */
export function loadModel(path: string, options: LoadModelOptions = {}): Model {
  const parts = path.endsWith('.safetensors') ? readModelSafetensors(path) : readModelCheckpoint(path);
  return modelFromParts(parts, options);
}

/** A model over parts already read (see `loadModel`). */
export function modelFromParts(parts: ModelParts, options: LoadModelOptions = {}): Model {
  const { spec, preprocessing, source } = parts;
  const features = spec.sizes[0];
  const outputs = spec.sizes[spec.sizes.length - 1];
  const classifier = spec.loss !== 'mse';
  const input = preprocessing.input;
  const scale = input.kind === 'scale' ? Math.fround(input.scale) : 1;
  const encoder: RawRowEncoder | undefined =
    input.kind === 'table' ? createRawRowEncoder(preprocessing) : undefined;
  const skipZeros = options.skipInputZeros ?? 'auto';
  const selection = selectKernels({ prefer: options.kernels ?? 'auto' });

  let network: Network | undefined;
  let values = new Float32Array(0);
  let classes = new Int32Array(0);
  let last: Prediction | undefined;
  const exps = new Float64Array(outputs);
  // One mutable context: a forward pass allocates nothing of its own.
  const ctx: { n: number; train: boolean; step: number } = { n: 0, train: false, step: 0 };

  const build = (capacity: number): Network => {
    const builder = new ArenaBuilder();
    declareModelState(builder, spec);
    declareNetworkScratch(builder, spec, capacity);
    const net = new Network(spec, builder.build(selection.allocation), {
      capacity,
      kernels: selection.kernels,
      skipInputZeros: false,
    });
    net.params.set(parts.params);
    net.buffers.set(parts.buffers);
    return net;
  };

  const rowsOf = (x: ModelInput): number => {
    if (x instanceof Float32Array || x instanceof Uint8Array) {
      if (x.length % features !== 0)
        throw new GradstreamError(
          'ERR_SHAPE_MISMATCH',
          `predict: ${x.length} values are not whole rows of the model's ${features} features (${source})`,
          { cause: { values: x.length, features } },
        );
      return x.length / features;
    }
    if (!encoder)
      throw new GradstreamError(
        'ERR_INVALID_OPTION',
        `predict: the model ${source} takes rows of ${features} numbers (a Float32Array or Uint8Array), got an array of raw rows (for table models only)`,
      );
    return x.length;
  };

  /** Fills the network's input with rows [first, first + count) of `x`. */
  const load = (net: Network, x: ModelInput, first: number, count: number): void => {
    const into = net.input;
    const len = count * features;
    // × fround(scale) in double, rounded once to float32: the training gather's bits (src/kernels/js/data.ts).
    let zeros: number;
    if (x instanceof Uint8Array) zeros = scaleRows(x, first * features, len, scale, into);
    else if (x instanceof Float32Array) zeros = scaleFloatRows(x, first * features, len, scale, into);
    else {
      encoder!.encode(x, first, count, into);
      zeros = 0;
      if (skipZeros === 'auto') for (let i = 0; i < len; i++) if (into[i] === 0) zeros++;
    }
    net.skipInputZeros = skipZeros === 'auto' ? zeros > SPARSE_INPUT_ZEROS * len : skipZeros;
  };

  /** Writes a pass's outputs for rows [first, first + count): probabilities and argmax, or the outputs. */
  const collect = (logits: Float32Array, first: number, count: number): void => {
    for (let i = 0; i < count; i++) {
      const row = i * outputs;
      const out = (first + i) * outputs;
      if (!classifier) {
        for (let j = 0; j < outputs; j++) values[out + j] = logits[row + j];
        continue;
      }
      let best = 0;
      for (let j = 1; j < outputs; j++) if (logits[row + j] > logits[row + best]) best = j;
      classes[first + i] = best;
      // Softmax in float64 (one exp an entry), rounded once to float32.
      const max = logits[row + best];
      let sum = 0;
      for (let j = 0; j < outputs; j++) sum += exps[j] = Math.exp(logits[row + j] - max);
      for (let j = 0; j < outputs; j++) values[out + j] = exps[j] / sum;
    }
  };

  return {
    spec,
    preprocessing,
    source,
    kernels: selection.kernels.name,
    inputColumns: encoder ? encoder.columns.length : features,
    predict(x: ModelInput): Prediction {
      const n = rowsOf(x);
      if (!network) network = build(Math.max(1, options.batchSize ?? n));
      if (values.length < n * outputs) {
        values = new Float32Array(n * outputs);
        if (classifier) classes = new Int32Array(n);
        last = undefined;
      }
      for (let first = 0; first < n; first += network.capacity) {
        const count = Math.min(network.capacity, n - first);
        load(network, x, first, count);
        ctx.n = count;
        collect(network.forward(ctx), first, count);
      }
      if (last?.n !== n)
        last = {
          n,
          values: values.subarray(0, n * outputs),
          classes: classifier ? classes.subarray(0, n) : classes.subarray(0, 0),
        };
      return last;
    },
  };
}

// Two loops, one per input type (one function over both would make V8's element access polymorphic):
// `out[i] = x[from + i] · scale`, returning how many values were zero (for `skipInputZeros: 'auto'`).
function scaleRows(x: Uint8Array, from: number, len: number, scale: number, out: Float32Array): number {
  let zeros = 0;
  for (let i = 0; i < len; i++) {
    const v = x[from + i];
    out[i] = v * scale;
    if (v === 0) zeros++;
  }
  return zeros;
}

function scaleFloatRows(
  x: Float32Array,
  from: number,
  len: number,
  scale: number,
  out: Float32Array,
): number {
  let zeros = 0;
  for (let i = 0; i < len; i++) {
    const v = x[from + i];
    out[i] = v * scale;
    if (v === 0) zeros++;
  }
  return zeros;
}
