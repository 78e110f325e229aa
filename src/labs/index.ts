// Public API of the chapter 6 labs: runLab, the registry, each lab's config and result types, and
// the building blocks a custom experiment can reuse (lab runs, histories, the book's smoothing).

export {
  type ActivationHistogramOptions,
  activationHistograms,
  type LayerActivations,
} from './activation-histograms.js';
export { type BatchNormConfig, type BatchNormData, type BatchNormPair, logspace } from './batch-norm.js';
export { FUNCTION_NAMES, FUNCTIONS_2D, type Function2d, type FunctionName } from './functions-2d.js';
export {
  accuracyCurve,
  type EvalPoint,
  lastAccuracy,
  type RunHistory,
  smoothCurve,
} from './history.js';
export type {
  HyperparameterSearchConfig,
  HyperparameterSearchData,
  Trial,
} from './hyperparameter-search.js';
export type { InitChoice } from './init-choice.js';
export type { LabContext, LabDashboard, LabDefinition, LabFigure, LabOutput, MnistSets } from './lab.js';
export { type LabSplit, type LabTrainConfig, type LabTraining, labTrain } from './lab-train.js';
export {
  type Optimizers2dConfig,
  type Optimizers2dData,
  optimizerPath,
  type Path2d,
  signChanges,
} from './optimizers-2d.js';
export type { OptimizerMnistResult, OptimizersMnistConfig, OptimizersMnistData } from './optimizers-mnist.js';
export {
  type OverfittingConfig,
  type OverfittingData,
  type OverfittingRun,
  REGULARIZATIONS,
  type Regularization,
} from './overfitting.js';
export { type EarlyStopRule, isHopeless, sampleTrials, type TrialParams } from './random-search.js';
export { LAB_NAMES, LABS, type LabConfig, type LabData, type LabName } from './registry.js';
export { type LabResult, labKeys, type RunLabOptions, runLab } from './run-lab.js';
export { type LabRun, trainRuns } from './train-runs.js';
export type { HistogramSet, WeightInitConfig, WeightInitData, WeightInitRun } from './weight-init.js';
