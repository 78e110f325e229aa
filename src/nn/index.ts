// Public API of the network pieces: layers, initializers, the MLP spec, the bound network, evaluation.

export { type Evaluation, evaluate } from './evaluate.js';
export { INIT_NAMES, type InitSpec, initStd, initWeights } from './init.js';
export { ACTIVATIONS, Activation, type ActivationName } from './layers/activation.js';
export { Affine } from './layers/affine.js';
export { BatchNorm, type BatchNormOptions } from './layers/batch-norm.js';
export { Dropout } from './layers/dropout.js';
export type { BindContext, ForwardContext, Layer } from './layers/layer.js';
export { buildLayers, type MlpOptions, type MlpSpec, mlp, mlpLayouts } from './mlp.js';
export {
  declareModelState,
  declareNetworkScratch,
  Network,
  type NetworkOptions,
  type NetworkRegions,
} from './network.js';
