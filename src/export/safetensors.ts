// A trained MLP as a safetensors file (https://github.com/huggingface/safetensors): float32 tensors
// named as the state dict of the PyTorch `nn.Sequential` of the same layers, so
// `torch.nn.Sequential(...).load_state_dict(safetensors.torch.load_file(path))` takes it as it is.
// The format is 8 bytes (little-endian u64: the header's length), a JSON header (name → dtype,
// shape, byte offsets; `__metadata__`: strings), then the tensors' bytes, back to back.

import type { MlpSpec } from '../nn/mlp.js';
import { mlpLayouts } from '../nn/mlp.js';
import { type Checkpoint, checkpointPreprocessing } from '../store/run-state.js';
import { entryView } from '../tensor/layout.js';

/** One tensor of the file. */
export interface NamedTensor {
  readonly name: string;
  readonly dtype: 'F32' | 'I64';
  readonly shape: readonly number[];
  /** Little-endian bytes. */
  readonly bytes: Uint8Array;
}

/** The PyTorch modules of the spec's layers, in order (what `nn.Sequential` would hold). */
export function sequentialModules(spec: MlpSpec): string[] {
  const modules: string[] = [];
  const last = spec.sizes.length - 1;
  const act = spec.activation === 'relu' ? 'nn.ReLU()' : 'nn.Sigmoid()';
  for (let l = 1; l <= last; l++) {
    modules.push(`nn.Linear(${spec.sizes[l - 1]}, ${spec.sizes[l]})`);
    if (l === last) break;
    if (spec.batchNorm)
      modules.push(
        `nn.BatchNorm1d(${spec.sizes[l]}, eps=${spec.batchNorm.eps}, momentum=${spec.batchNorm.momentum})`,
      );
    modules.push(act);
    if (spec.dropout > 0) modules.push(`nn.Dropout(${spec.dropout})`);
  }
  return modules;
}

const f32 = (values: Float32Array): Uint8Array => {
  const out = new Float32Array(values); // a copy: little-endian on every platform Node runs on
  return new Uint8Array(out.buffer);
};

/** `W` (rows × cols, row-major) transposed: torch's Linear keeps its weight as out × in. */
export function transpose(W: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = W[r * cols + c];
  return out;
}

/** One tensor of the state dict and where its values live in gradstream. */
export interface StateDictEntry {
  /** The torch name, e.g. `0.weight`, `1.running_mean`. */
  readonly name: string;
  readonly shape: readonly number[];
  /**
   * A `params` or `buffers` layout entry (`transposed`: gradstream's in × out of torch's out × in),
   * or the optimizer's update count (`num_batches_tracked`, int64).
   */
  readonly from:
    | { readonly region: 'params' | 'buffers'; readonly entry: string; readonly transposed: boolean }
    | { readonly region: 'updates' };
}

/**
 * The state dict of the spec's `nn.Sequential`, name by name: `<i>.weight` (out × in) and `<i>.bias`
 * of each Linear; `<i>.weight`, `.bias`, `.running_mean`, `.running_var` and `.num_batches_tracked`
 * of each BatchNorm1d (activations and dropout hold no tensors but count as modules).
 */
export function stateDictEntries(spec: MlpSpec): StateDictEntry[] {
  const entries: StateDictEntry[] = [];
  const p = (name: string, shape: number[], entry: string, transposed = false) =>
    entries.push({ name, shape, from: { region: 'params', entry, transposed } });
  const b = (name: string, shape: number[], entry: string) =>
    entries.push({ name, shape, from: { region: 'buffers', entry, transposed: false } });
  const last = spec.sizes.length - 1;
  let index = 0;
  for (let l = 1; l <= last; l++) {
    const [fanIn, units] = [spec.sizes[l - 1], spec.sizes[l]];
    p(`${index}.weight`, [units, fanIn], `layer${l}.W`, true);
    p(`${index}.bias`, [units], `layer${l}.b`);
    index++;
    if (l === last) break;
    if (spec.batchNorm) {
      const bn = `bn${l}`;
      p(`${index}.weight`, [units], `${bn}.gamma`);
      p(`${index}.bias`, [units], `${bn}.beta`);
      b(`${index}.running_mean`, [units], `${bn}.runningMean`);
      b(`${index}.running_var`, [units], `${bn}.runningVar`);
      entries.push({ name: `${index}.num_batches_tracked`, shape: [], from: { region: 'updates' } });
      index++;
    }
    index++; // the activation
    if (spec.dropout > 0) index++;
  }
  return entries;
}

/**
 * The state dict of the spec's `nn.Sequential` from a checkpoint's flat `params` and `buffers`
 * (see `stateDictEntries`; `num_batches_tracked` is `updates`).
 */
export function sequentialStateDict(
  spec: MlpSpec,
  params: Float32Array,
  buffers: Float32Array,
  updates: number,
): NamedTensor[] {
  const layouts = mlpLayouts(spec);
  return stateDictEntries(spec).map(({ name, shape, from }): NamedTensor => {
    if (from.region === 'updates') {
      const count = new BigInt64Array([BigInt(updates)]);
      return { name, dtype: 'I64', shape, bytes: new Uint8Array(count.buffer) };
    }
    const values =
      from.region === 'params'
        ? entryView(layouts.params, params, from.entry)
        : entryView(layouts.buffers, buffers, from.entry);
    // torch's [out, in] is gradstream's in × out read the other way.
    return {
      name,
      dtype: 'F32',
      shape,
      bytes: f32(from.transposed ? transpose(values, shape[1], shape[0]) : values),
    };
  });
}

/** The safetensors file of `tensors` with string `metadata`. */
export function encodeSafetensors(tensors: readonly NamedTensor[], metadata: Record<string, string>): Buffer {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.length] };
    offset += t.bytes.length;
  }
  let json = JSON.stringify(header);
  // The data starts 8-byte aligned (the reference implementation pads the header with spaces).
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const head = Buffer.from(json, 'utf8');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(head.length));
  return Buffer.concat([
    length,
    head,
    ...tensors.map((t) => Buffer.from(t.bytes.buffer, t.bytes.byteOffset, t.bytes.length)),
  ]);
}

/**
 * The `__metadata__` of a checkpoint's export: the module to rebuild (`sequential`), the spec
 * (`model`), and `preprocessing` (JSON of `checkpointPreprocessing`: the input scale or the table's
 * standardization and one-hot vocabularies, the class or target names), which `loadModel` applies
 * so a prediction sees exactly what training saw.
 */
export function safetensorsMetadata(
  checkpoint: Pick<Checkpoint, 'model' | 'preprocessing' | 'step'>,
  runId: string,
): Record<string, string> {
  const { model } = checkpoint;
  const preprocessing = checkpointPreprocessing(checkpoint);
  return {
    format: 'gradstream-mlp',
    run: runId,
    step: String(checkpoint.step),
    // How to rebuild the module the state dict belongs to, and what its input is.
    sequential: `nn.Sequential(${sequentialModules(model).join(', ')})`,
    model: JSON.stringify(model),
    preprocessing: JSON.stringify(preprocessing),
    input:
      preprocessing.input.kind === 'scale'
        ? `one row of ${preprocessing.input.features} features per sample, raw values × ${preprocessing.input.scale} (IDX/MNIST pixels as bytes / 255, the scale gradstream trains on)`
        : 'one row per sample: the table columns of `preprocessing`, numbers standardized as (x - mean) / std, categories one-hot (an unseen value all zeros)',
    output:
      preprocessing.output.kind === 'classes'
        ? 'logits (apply softmax for class probabilities)'
        : `the target columns ${preprocessing.output.names.join(', ')}, in the data's units`,
  };
}
