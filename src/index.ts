// The public surface of gradstream: re-exports only.

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
export { jsKernels } from './kernels/js/index.js';
export type { Kernels, LabelArray } from './kernels/kernels.js';
export * from './nn/index.js';
export * from './optim/index.js';
export * from './pipeline/index.js';
export { hash32, mix32, Rng, type RngState, uniformAt } from './random/rng.js';
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
