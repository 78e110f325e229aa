// A trained model back in: read a safetensors export or a checkpoint, predict with it, start a run from it.

export { createRawRowEncoder, type RawCell, type RawRow, type RawRowEncoder } from './encode-rows.js';
export { initialWeights } from './init-from.js';
export {
  type LoadModelOptions,
  loadModel,
  type Model,
  type ModelInput,
  type ModelParts,
  modelFromParts,
  type Prediction,
  readModelCheckpoint,
  readModelSafetensors,
} from './load-model.js';
export {
  csvSource,
  datasetSource,
  type PredictChunk,
  type PredictSource,
} from './predict-sources.js';
export {
  readSafetensors,
  SAFETENSORS_DTYPES,
  type Safetensors,
  type SafetensorsTensor,
} from './read-safetensors.js';
export { predictRun, runCheckpoint } from './run-model.js';
export { type FlatWeights, weightsFromStateDict } from './state-dict.js';
