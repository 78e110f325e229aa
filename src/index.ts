// The public surface of gradstream: re-exports only.

export { buildRun, type RunObjects } from './config/build.js';
export { loadRunData, loadRunDataAsync, type RunData } from './config/data.js';
export { loadConfigFile, mergeConfig } from './config/load.js';
export {
  type Destination,
  type OptionRow,
  optionRows,
  type ResumeRule,
  RUN_OPTIONS,
  type RunOption,
  resolveOptions,
} from './config/options.js';
export { DEFAULTS, type RunConfig, type RunConfigInput, runConfigSchema } from './config/schema.js';
export { parseConfig, validateConfig } from './config/validate.js';
export * from './data/index.js';
export {
  checkLength,
  checkNumber,
  describeValue,
  type ErrorCode,
  GradstreamError,
  invalidOption,
  unknownKind,
} from './errors.js';
export {
  ONNX_OPSET,
  type OnnxAbout,
  type OnnxInput,
  onnxInputs,
  onnxModel,
  onnxOutputName,
} from './export/onnx.js';
export {
  encodeSafetensors,
  type NamedTensor,
  safetensorsMetadata,
  sequentialModules,
  sequentialStateDict,
} from './export/safetensors.js';
export { jsKernels } from './kernels/js/index.js';
export type { Kernels, LabelArray } from './kernels/kernels.js';
export { KERNELS_ENV, type KernelPreference, type KernelSelection, selectKernels } from './kernels/select.js';
export {
  attachWasmKernels,
  createWasmKernels,
  type WasmKernelHandle,
  type WasmKernelSet,
} from './kernels/wasm/wasm-kernels.js';
export * from './labs/index.js';
export * from './model/index.js';
export * from './nn/index.js';
export * from './optim/index.js';
export * from './pipeline/index.js';
export { type PathPoint, type SampleSurfaceOptions, sampleSurface } from './protocol/index.js';
export { hash32, mix32, Rng, type RngState, uniformAt } from './random/rng.js';
export * from './server/index.js';
export { checkCompatible } from './store/check-compatible.js';
export { checkpointDir, latestCheckpoint, loadCheckpoint, saveCheckpoint } from './store/checkpoint.js';
export type { Checkpoint, DataCursor } from './store/checkpoint-format.js';
export { createRunRecorder, recordRun } from './store/recorder.js';
export {
  type CheckpointMeta,
  checkCheckpoint,
  cursorAt,
  type ResumeExpectation,
  toCheckpoint,
  toResumeState,
  validateCheckpoint,
} from './store/run-state.js';
export { RunStore } from './store/run-store.js';
export { storedRunEvents } from './store/stored-events.js';
export {
  Arena,
  type ArenaAllocation,
  ArenaBuilder,
  type ArenaDescriptor,
  type RegionDescriptor,
  type RegionType,
} from './tensor/arena.js';
export {
  defineLayout,
  type EntryDeclaration,
  entryAt,
  entryView,
  entryViews,
  type Layout,
  type LayoutEntry,
  layoutEntry,
  type ParamRole,
  shardRanges,
} from './tensor/layout.js';
export {
  type EpochInfo,
  type StepInfo,
  type TrainLoopOptions,
  type TrainLoopResult,
  trainLoop,
} from './train/train-loop.js';
