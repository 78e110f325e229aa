// train(config): the stages composed — batch source → gradients → updates → evaluation → events —
// over a Piscina pool on shared memory, steered by a controller, emitting TrainEvents.

import { defer, type Observable } from 'rxjs';
import { resolveOptions } from '../config/options.js';
import type { Dataset } from '../data/dataset.js';
import { GradstreamError } from '../errors.js';
import type { Arena } from '../tensor/arena.js';
import type { TrainEvent } from '../train/events.js';
import { batchSchedule } from './batch-source.js';
import { createController } from './controller.js';
import { createPipelineMemory, mainNetwork } from './memory.js';
import { createPlan, type PipelinePlan, slotRegion } from './plan.js';
import { PoolRunner } from './pool-runner.js';
import { runEvents } from './run-events.js';
import { shareDataset } from './shared-data.js';
import { createStepPlan } from './step-plan.js';
import type { ResumeState, TrainConfig, TrainingSession } from './train-config.js';

export {
  captureResumeState,
  type ResumeState,
  type RunOptions,
  type SafePoint,
  type SessionState,
  type TrainConfig,
  type TrainingSession,
} from './train-config.js';

/**
 * Prepares a run: validates the config, allocates shared memory, initialises parameters.
 *
 * @example
 * const session = createTrainingSession({ model, optimizer: adam({ lr: 1e-3 }), train, epochs: 1, workers: 2 });
 * session.events$.subscribe((e) => e.type === 'step' && console.log(e.step, e.loss));
 */
export function createTrainingSession(config: TrainConfig): TrainingSession {
  const { model, optimizer } = config;
  if (config.train.features !== model.sizes[0]) {
    throw new GradstreamError(
      'ERR_SHAPE_MISMATCH',
      `train: ${config.train.name} has ${config.train.features} features, model.sizes[0] is ${model.sizes[0]}`,
    );
  }
  // Every run option checked and defaulted from the option table before anything is allocated.
  const plan = createPlan({ ...config, model, optimizer });
  const run = resolveOptions('session', config, 'train');
  const schedule = batchSchedule({
    n: config.train.n,
    batchSize: plan.batchSize,
    // As in a config file: `steps`, when given, wins over `epochs`.
    ...(run.steps !== undefined ? { steps: run.steps } : { epochs: run.epochs }),
  });
  const stepPlan = createStepPlan(
    {
      evaluate: config.validation ? ['validation'] : [],
      evalEvery: run.evalEvery,
      atEnd: config.test ? ['test'] : [],
      histogramEvery: run.histogramEvery,
      safePointEvery: config.safePointEvery,
    },
    schedule,
  );
  const datasets: Record<string, Dataset> = { train: config.train };
  if (config.validation) datasets.validation = config.validation;
  if (config.test) datasets.test = config.test;
  const { arena: memory, kernels, data } = createPipelineMemory(plan, run.kernels, datasets);
  if (config.resume) loadResumeState(memory, plan, config.resume);
  else if (config.initial) loadInitial(memory, config.initial);
  const controller = config.controller ?? createController();
  const runId = config.runId ?? `run-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const createRunner = () => {
    const { train, ...evalSets } = data; // samples in the shared arena; labels shared once per runner
    return PoolRunner.create({
      plan,
      memory,
      train: shareDataset(train),
      evalSets: Object.fromEntries(Object.entries(evalSets).map(([k, ds]) => [k, shareDataset(ds)])),
      faults: config.faults,
      updates: config.resume?.updates,
      startStep: config.resume?.step,
      wasm: kernels.wasm?.handle,
      schedule,
      lastStepFrom: (first) => stepPlan.nextBoundary(first),
    });
  };
  const session = {
    runId,
    plan,
    schedule,
    stepPlan,
    memory,
    network: mainNetwork(plan, memory, kernels),
    controller,
    createRunner,
    kernels: kernels.kernels.name,
  };
  return { ...session, events$: runEvents(config, session) };
}

/**
 * Trains as configured and returns the cold observable of the run's events
 * (`start`, `step`…, `eval`, `epoch`, `end`). Errors (bad config, a non-finite loss under policy
 * `stop`, `maxSkippedSteps` skipped steps in a row under `skip`, a step that kept failing) arrive on
 * the error channel, after `onFailure` was handed the state of the last completed step; the pool is
 * always closed.
 */
export function train(config: TrainConfig): Observable<TrainEvent> {
  return defer(() => createTrainingSession(config).events$);
}

/** Copies a checkpoint's state into fresh shared memory, checking every length. */
function loadResumeState(memory: Arena, plan: PipelinePlan, resume: ResumeState): void {
  const copy = (region: string, values: Float32Array | undefined, label: string) => {
    const target = memory.f32(region);
    if (!values || values.length !== target.length) {
      throw new GradstreamError(
        'ERR_SHAPE_MISMATCH',
        `resume: ${label} has length ${values?.length ?? 'none'}, the model needs ${target.length}`,
      );
    }
    target.set(values);
  };
  copy('params', resume.params, 'params');
  copy('buffers', resume.buffers, 'buffers');
  for (const name of plan.slotNames) copy(slotRegion(name), resume.slots[name], `optimizer slot ${name}`);
}

/** Copies initial weights (`TrainConfig.initial`) over the seed's, checking their lengths. */
function loadInitial(memory: Arena, initial: NonNullable<TrainConfig['initial']>): void {
  for (const region of ['params', 'buffers'] as const) {
    const target = memory.f32(region);
    if (initial[region].length !== target.length)
      throw new GradstreamError(
        'ERR_SHAPE_MISMATCH',
        `train: initial ${region} has length ${initial[region].length}, the model needs ${target.length}`,
      );
    target.set(initial[region]);
  }
}
