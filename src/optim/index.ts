// Public API of the optimizers: building blocks, named recipes, schedules, compile and the runtime.

export type { OptimizerKernels } from '../kernels/optimizer-kernels.js';
export {
  type AddDecayedWeightsOptions,
  type AddDecayedWeightsSpec,
  addDecayedWeights,
  addDecayedWeightsKernel,
} from './add-decayed-weights.js';
export { type AdamOptions, adagrad, adam, adamw, momentum, nesterov, rmsprop, sgd } from './alias.js';
export { type ChainSpec, chain, flattenChain } from './chain.js';
export {
  CLIP_NORM_EPS,
  type ClipByGlobalNormOptions,
  type ClipByGlobalNormSpec,
  clipByGlobalNorm,
  clipFactor,
} from './clip-by-global-norm.js';
export { type CompileOptions, compile, TRANSFORM_KINDS } from './compile.js';
export { OPTIMIZER_NAMES, type OptimizerConfig, optimizerFromConfig } from './from-config.js';
export { type CompiledTransform, type FusedStep, fuseChain } from './fused.js';
export { jsOptimizerKernels } from './kernels.js';
export {
  checkLearningRateInRange,
  isAllowedLearningRate,
  LEARNING_RATE_RANGE_TEXT,
  MAX_LEARNING_RATE,
  MIN_LEARNING_RATE,
} from './learning-rate-range.js';
export {
  allocateSlots,
  applyUpdates,
  checkBuffers,
  createOptimizer,
  globalNormSquared,
  learningRateAt,
  type Optimizer,
  type OptimizerBuffers,
  optimizerSlotNames,
  optimizerStep,
} from './optimizer.js';
export { type ScaleSpec, scale, scaleKernel } from './scale.js';
export {
  adagradKernel,
  type ScaleByAdagradOptions,
  type ScaleByAdagradSpec,
  scaleByAdagrad,
} from './scale-by-adagrad.js';
export { adamKernel, type ScaleByAdamOptions, type ScaleByAdamSpec, scaleByAdam } from './scale-by-adam.js';
export {
  checkLearningRate,
  type LearningRate,
  learningRateFor,
  type ScaleByLearningRateSpec,
  scaleByLearningRate,
} from './scale-by-learning-rate.js';
export { rmsKernel, type ScaleByRmsOptions, type ScaleByRmsSpec, scaleByRms } from './scale-by-rms.js';
export {
  type ConstantSchedule,
  type CosineSchedule,
  checkSchedule,
  constantSchedule,
  cosineSchedule,
  type ExponentialSchedule,
  exponentialSchedule,
  SCHEDULE_KINDS,
  type ScheduleSpec,
  type StepSchedule,
  scheduleValue,
  stepSchedule,
  type WarmupSchedule,
  warmupSchedule,
} from './schedules.js';
export { type TraceOptions, type TraceSpec, trace, traceKernel } from './trace.js';
export type { Slots, StepContext, Transform, TransformSpec } from './transform.js';
