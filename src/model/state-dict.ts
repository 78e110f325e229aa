// A gradstream export's state dict back into the flat `params` and `buffers` of its MLP spec: the
// inverse of `sequentialStateDict` (src/export/safetensors.ts), every tensor's name, dtype and shape
// checked first, so a file of another model is one error naming both shapes.

import { GradstreamError } from '../errors.js';
import { stateDictEntries } from '../export/safetensors.js';
import { type MlpSpec, mlpLayouts } from '../nn/mlp.js';
import { entryView } from '../tensor/layout.js';
import { type Safetensors, safetensorsError } from './read-safetensors.js';

/** A model's weights in gradstream's layout. */
export interface FlatWeights {
  /** The trained parameters (`mlpLayouts(spec).params`). */
  readonly params: Float32Array;
  /** Batch norm's running means and variances (`mlpLayouts(spec).buffers`). */
  readonly buffers: Float32Array;
}

const shapeText = (shape: readonly number[]) => `[${shape.join(', ')}]`;

/**
 * The flat weights of `spec` from a safetensors file holding the state dict of its `nn.Sequential`
 * (Linear weights out × in there, in × out here).
 *
 * @param source names the file in errors.
 * @throws GradstreamError `ERR_SHAPE_MISMATCH` naming the tensor and both shapes when the file holds
 *   another model, `ERR_DATA_FORMAT` for a missing, extra or non-float tensor.
 * @example
 * const { params, buffers } = weightsFromStateDict(spec, readSafetensors(bytes, path), path);
 */
export function weightsFromStateDict(spec: MlpSpec, file: Safetensors, source: string): FlatWeights {
  const layouts = mlpLayouts(spec);
  const params = new Float32Array(layouts.params.size);
  const buffers = new Float32Array(layouts.buffers.size);
  const expected = stateDictEntries(spec);
  const names = new Set(expected.map((e) => e.name));
  for (const name of file.tensors.keys()) {
    if (!names.has(name))
      throw safetensorsError(
        source,
        `tensor ${name} is not part of the model ${spec.sizes.join('-')}${spec.batchNorm ? ' with batch norm' : ''} (its tensors: ${[...names].join(', ')})`,
      );
  }
  for (const { name, shape, from } of expected) {
    const tensor = file.tensors.get(name);
    if (!tensor) throw safetensorsError(source, `tensor ${name} ${shapeText(shape)} is missing`);
    if (from.region === 'updates') continue; // num_batches_tracked: a count for torch, not a weight
    if (tensor.dtype !== 'F32')
      throw safetensorsError(source, `tensor ${name}: dtype must be F32, got ${tensor.dtype}`);
    if (tensor.shape.length !== shape.length || tensor.shape.some((d, i) => d !== shape[i])) {
      throw new GradstreamError(
        'ERR_SHAPE_MISMATCH',
        `safetensors ${source}: tensor ${name} has shape ${shapeText(tensor.shape)}, the model needs ${shapeText(shape)}`,
        { cause: { source, name, shape: tensor.shape, expected: shape } },
      );
    }
    const target =
      from.region === 'params'
        ? entryView(layouts.params, params, from.entry)
        : entryView(layouts.buffers, buffers, from.entry);
    if (!from.transposed) target.set(tensor.data);
    else {
      // torch's [out, in] row-major into gradstream's in × out row-major.
      const [out, fanIn] = shape;
      const data = tensor.data;
      for (let o = 0; o < out; o++) for (let i = 0; i < fanIn; i++) target[i * out + o] = data[o * fanIn + i];
    }
  }
  return { params, buffers };
}
