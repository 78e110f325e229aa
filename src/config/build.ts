// A valid RunConfig → the library's objects: the MLP spec, the optimizer spec (with its schedule)
// and the pipeline plan's options. Every value is checked again by the factories themselves.

import { invalidOption } from '../errors.js';
import type { InitSpec } from '../nn/init.js';
import { type MlpSpec, mlp } from '../nn/mlp.js';
import { optimizerFromConfig } from '../optim/from-config.js';
import type { LearningRate } from '../optim/scale-by-learning-rate.js';
import type { TransformSpec } from '../optim/transform.js';
import { type OptionValues, pickOptions } from './options.js';
import { scheduleFromConfig } from './schedule-config.js';
import type { InitConfig, RunConfig } from './schema.js';

/** Input features and classes of the data: they bound the model's first and last layer. */
export interface DataShape {
  readonly inputSize: number;
  /** Classes, or for regression the target columns. */
  readonly classes: number;
  /** Regression data (targets, not labels): the model gets linear outputs and the MSE loss. */
  readonly regression?: boolean;
}

/** MNIST and Fashion-MNIST: 28×28 pixels, ten classes. */
export const MNIST_SHAPE: DataShape = { inputSize: 784, classes: 10 };

/** Everything a run needs from its config, as library objects. */
export interface RunObjects {
  readonly model: MlpSpec;
  readonly optimizer: TransformSpec;
  /** The learning rate the optimizer was built with: `optimizer.lr`, or the schedule starting at it. */
  readonly lr: LearningRate;
  /** Options of `createPlan` (its `PlanOptions`): the model, the optimizer and the table's `plan` options. */
  readonly plan: { readonly model: MlpSpec; readonly optimizer: TransformSpec } & OptionValues<'plan'>;
}

function initSpec(init: InitConfig | undefined): InitSpec | undefined {
  if (init === undefined || typeof init === 'string') return init;
  return { kind: 'std', std: init.std };
}

/**
 * The MLP spec of `config.model` for data of the given shape. Without a shape, `model.sizes` is taken
 * as it is (validation checked it against the data files' headers) and `model.hidden` gets MNIST's
 * 784 inputs and 10 classes.
 */
export function modelFromConfig(model: RunConfig['model'], shape?: DataShape): MlpSpec {
  const { inputSize, classes } = shape ?? MNIST_SHAPE;
  const sizes = model.sizes ?? [inputSize, ...(model.hidden ?? []), classes];
  if (shape && (sizes[0] !== shape.inputSize || sizes.at(-1) !== shape.classes)) {
    invalidOption(
      'config',
      'model.sizes',
      `[${shape.inputSize}, …, ${shape.classes}] (the data's features and classes)`,
      sizes,
    );
  }
  return mlp({
    sizes,
    activation: model.activation,
    init: initSpec(model.init),
    batchNorm: typeof model.batchNorm === 'boolean' ? model.batchNorm : { ...model.batchNorm },
    dropout: model.dropout,
    weightDecay: model.weightDecay,
    loss: shape?.regression ? 'mse' : 'cross-entropy',
  });
}

/** The learning rate of `config.optimizer`: a number, or its schedule expanded from `lr`. */
export function learningRateFromConfig(optimizer: RunConfig['optimizer']): LearningRate {
  return optimizer.schedule === undefined
    ? optimizer.lr
    : scheduleFromConfig(optimizer.lr, optimizer.schedule as Parameters<typeof scheduleFromConfig>[1]);
}

/** The optimizer spec of `config.optimizer` (through `optimizerFromConfig`, schedule included). */
export function optimizerSpecFromConfig(optimizer: RunConfig['optimizer']): TransformSpec {
  const { schedule: _schedule, ...flat } = optimizer;
  return optimizerFromConfig({ ...flat, lr: learningRateFromConfig(optimizer) });
}

/**
 * Builds the run's library objects from a valid config.
 *
 * @example
 * const run = buildRun(parseConfig(loadConfigFile('job.yaml')));
 * const plan = createPlan(run.plan);
 */
export function buildRun(config: RunConfig, shape?: DataShape): RunObjects {
  const model = modelFromConfig(config.model, shape);
  const optimizer = optimizerSpecFromConfig(config.optimizer);
  return {
    model,
    optimizer,
    lr: learningRateFromConfig(config.optimizer),
    plan: { model, optimizer, ...pickOptions('plan', config) },
  };
}
