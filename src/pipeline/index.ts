// Public API of the reactive pipeline: train(), the session, the stages, the controller, the runner seam.

export { type BatchSchedule, batchSchedule, batchSource, stepAt } from './batch-source.js';
export { computeGradients } from './compute-gradients.js';
export { applyControl, controlEvents, controlledSteps } from './control-events.js';
export { type ControlState, createController, type RunController } from './controller.js';
export { type EvaluatedStep, evaluateEvery, type SetEvaluation } from './evaluate-every.js';
export { inStepOrder } from './in-step-order.js';
export {
  createPlan,
  type NonFinitePolicy,
  type PipelineMode,
  type PipelinePlan,
  type PlanOptions,
} from './plan.js';
export { PoolRunner, type PoolRunnerOptions } from './pool-runner.js';
export {
  AT_REST,
  type GradientBatch,
  type Runner,
  type StepDescriptor,
  type StepFlow,
  type UpdateResult,
} from './runner.js';
export { atSafePoints, type SafePointOptions } from './safe-points.js';
export { type SharedDataset, shareDataset } from './shared-data.js';
export { drawAheadOnGradients, StepCredits } from './step-credits.js';
export { createStepPlan, type StepActions, type StepPlan, type StepPlanOptions } from './step-plan.js';
export type { EpochLoss } from './to-train-events.js';
export { type TrainEventsOptions, toTrainEvents, trainEventsFor } from './to-train-events.js';
export {
  captureResumeState,
  createTrainingSession,
  type ResumeState,
  type RunOptions,
  type SafePoint,
  type SessionState,
  type TrainConfig,
  type TrainingSession,
  train,
} from './train.js';
export { updateParams } from './update-params.js';
