// A trained MLP as a safetensors file (https://github.com/huggingface/safetensors): float32 tensors
// named as the state dict of the PyTorch `nn.Sequential` of the same layers, so
// `torch.nn.Sequential(...).load_state_dict(safetensors.torch.load_file(path))` takes it as it is.
// The format is 8 bytes (little-endian u64: the header's length), a JSON header (name → dtype,
// shape, byte offsets; `__metadata__`: strings), then the tensors' bytes, back to back.

import type { MlpSpec } from '../nn/mlp.js';
import { mlpLayouts } from '../nn/mlp.js';
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
function transpose(W: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = W[r * cols + c];
  return out;
}

/**
 * The state dict of the spec's `nn.Sequential` from a checkpoint's flat `params` and `buffers`:
 * `<i>.weight` (out × in) and `<i>.bias` of each Linear; `<i>.weight`, `.bias`, `.running_mean`,
 * `.running_var` and `.num_batches_tracked` (`updates`) of each BatchNorm1d.
 */
export function sequentialStateDict(
  spec: MlpSpec,
  params: Float32Array,
  buffers: Float32Array,
  updates: number,
): NamedTensor[] {
  const layouts = mlpLayouts(spec);
  const p = (name: string) => entryView(layouts.params, params, name);
  const b = (name: string) => entryView(layouts.buffers, buffers, name);
  const tensors: NamedTensor[] = [];
  const last = spec.sizes.length - 1;
  let index = 0;
  for (let l = 1; l <= last; l++) {
    const [fanIn, units] = [spec.sizes[l - 1], spec.sizes[l]];
    tensors.push({
      name: `${index}.weight`,
      dtype: 'F32',
      shape: [units, fanIn],
      bytes: f32(transpose(p(`layer${l}.W`), fanIn, units)),
    });
    tensors.push({ name: `${index}.bias`, dtype: 'F32', shape: [units], bytes: f32(p(`layer${l}.b`)) });
    index++;
    if (l === last) break;
    if (spec.batchNorm) {
      const bn = `bn${l}`;
      tensors.push({ name: `${index}.weight`, dtype: 'F32', shape: [units], bytes: f32(p(`${bn}.gamma`)) });
      tensors.push({ name: `${index}.bias`, dtype: 'F32', shape: [units], bytes: f32(p(`${bn}.beta`)) });
      tensors.push({
        name: `${index}.running_mean`,
        dtype: 'F32',
        shape: [units],
        bytes: f32(b(`${bn}.runningMean`)),
      });
      tensors.push({
        name: `${index}.running_var`,
        dtype: 'F32',
        shape: [units],
        bytes: f32(b(`${bn}.runningVar`)),
      });
      const count = new BigInt64Array([BigInt(updates)]);
      tensors.push({
        name: `${index}.num_batches_tracked`,
        dtype: 'I64',
        shape: [],
        bytes: new Uint8Array(count.buffer),
      });
      index++;
    }
    index++; // the activation
    if (spec.dropout > 0) index++;
  }
  return tensors;
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
