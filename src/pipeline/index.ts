// Public API of the reactive pipeline: train(), the session, the stages, the controller, the runner seam.

export { type BatchSchedule, batchSchedule, batchSource, stepAt } from './batch-source.js';
export { computeGradients } from './compute-gradients.js';
export { type ControlState, createController, type RunController } from './controller.js';
export {
  type EvaluatedStep,
  type EvaluateEveryOptions,
  evaluateEvery,
  type SetEvaluation,
} from './evaluate-every.js';
export { inStepOrder } from './in-step-order.js';
export type { NonFinitePolicy, PipelineMode, PipelinePlan } from './plan.js';
export { PoolRunner, type PoolRunnerOptions } from './pool-runner.js';
export type { GradientBatch, Runner, StepDescriptor, UpdateResult } from './runner.js';
export { type SharedDataset, shareDataset } from './shared-data.js';
export type { EpochLoss } from './to-train-events.js';
export { type TrainEventsOptions, toTrainEvents } from './to-train-events.js';
export {
  captureResumeState,
  createTrainingSession,
  type ResumeState,
  type SafePoint,
  type SessionState,
  type TrainConfig,
  type TrainingSession,
  train,
} from './train.js';
export { updateParams } from './update-params.js';
