// `model.initFrom` (`train --init-from FILE.safetensors`): a run starts from an exported model's
// weights instead of random ones (fine-tuning). The file's model must have the run's layer sizes and
// batch norm (or both none), so every tensor lands where the run's layout expects it.

import { GradstreamError } from '../errors.js';
import type { MlpSpec } from '../nn/mlp.js';
import { readModelSafetensors } from './load-model.js';
import type { FlatWeights } from './state-dict.js';

const shape = (spec: MlpSpec) => `${spec.sizes.join('-')} ${spec.batchNorm ? 'with' : 'without'} batch norm`;

/**
 * The parameters and batch-norm running statistics of a `.safetensors` file from `gradstream export`,
 * for a run of model `spec`.
 *
 * @throws GradstreamError `ERR_SHAPE_MISMATCH` naming both models when the file's sizes or batch norm
 *   differ from the run's; the file's own errors (missing, not safetensors, a tensor's shape).
 * @example
 * const initial = initialWeights('mnist.safetensors', run.model); // → createTrainingSession({ …, initial })
 */
export function initialWeights(path: string, spec: MlpSpec): FlatWeights {
  const file = readModelSafetensors(path);
  const same =
    file.spec.sizes.length === spec.sizes.length &&
    file.spec.sizes.every((size, i) => size === spec.sizes[i]) &&
    Boolean(file.spec.batchNorm) === Boolean(spec.batchNorm);
  if (!same)
    throw new GradstreamError(
      'ERR_SHAPE_MISMATCH',
      `model.initFrom ${path}: the file's model is ${shape(file.spec)}, the run's is ${shape(spec)}`,
      { cause: { path, file: file.spec.sizes, run: spec.sizes } },
    );
  return { params: file.params, buffers: file.buffers };
}
