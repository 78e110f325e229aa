// train(config): the stages composed — batch source → gradients → updates → evaluation → events —
// over a Piscina pool on shared memory, steered by a controller, emitting TrainEvents.

import { availableParallelism } from 'node:os';
import {
  BehaviorSubject,
  concat,
  concatMap,
  defer,
  distinctUntilChanged,
  filter,
  finalize,
  map,
  merge,
  Observable,
  of,
  skip,
  takeUntil,
  tap,
} from 'rxjs';
import type { Dataset } from '../data/dataset.js';
import { GradstreamError } from '../errors.js';
import type { KernelPreference } from '../kernels/select.js';
import type { MlpSpec } from '../nn/mlp.js';
import type { Network } from '../nn/network.js';
import type { TransformSpec } from '../optim/transform.js';
import type { Arena } from '../tensor/arena.js';
import type { TrainEvent } from '../train/events.js';
import { type BatchSchedule, batchSchedule, batchSource } from './batch-source.js';
import { computeGradients } from './compute-gradients.js';
import { createController, type RunController } from './controller.js';
import { evaluateEvery } from './evaluate-every.js';
import { networkHistograms } from './histograms.js';
import { inStepOrder } from './in-step-order.js';
import { createPipelineMemory, mainNetwork } from './memory.js';
import {
  createPlan,
  type NonFinitePolicy,
  type PipelineMode,
  type PipelinePlan,
  slotRegion,
} from './plan.js';
import { PoolRunner } from './pool-runner.js';
import type { GradientBatch, UpdateResult } from './runner.js';
import { type SharedDataset, shareDataset } from './shared-data.js';
import type { WorkerInit } from './tasks.js';
import { type EpochLoss, toTrainEvents } from './to-train-events.js';
import { updateParams } from './update-params.js';

/** Everything `train` takes. Only `model`, `optimizer` and `train` are required. */
export interface TrainConfig {
  readonly model: MlpSpec;
  readonly optimizer: TransformSpec;
  readonly train: Dataset;
  /** Evaluated every `evalEvery` steps and at each epoch's end. */
  readonly validation?: Dataset;
  /** Evaluated once, after the last step. */
  readonly test?: Dataset;
  /** Default 100. */
  readonly batchSize?: number;
  /** Default 1 (give `epochs` or `steps`, not both). */
  readonly epochs?: number;
  readonly steps?: number;
  /** Worker threads (lanes). Default: the machine's available parallelism. */
  readonly workers?: number;
  /** Micro-batches per batch, fixed whatever the worker count. Default 2. */
  readonly microBatches?: number;
  /** Default `sync`. */
  readonly mode?: PipelineMode;
  /** Async mode: how many updates a gradient may lag (default 1). */
  readonly staleness?: number;
  /** Default 0. */
  readonly seed?: number;
  /** Evaluate the validation set every this many steps (0: only at epoch ends). Default 0. */
  readonly evalEvery?: number;
  /** Default `stop`. */
  readonly nonFinite?: NonFinitePolicy;
  /** Steers the run; one is created when omitted (see the session's `controller`). */
  readonly controller?: RunController;
  /** Names the run in events. Default: a time-based id. */
  readonly runId?: string;
  /** Sync mode: steps between the in-memory snapshots that failed steps roll back to. Default 50. */
  readonly snapshotEvery?: number;
  /** Kernel set: `auto` (wasm SIMD when available), `wasm` or `js`. GRADSTREAM_KERNELS overrides. Default `auto`. */
  readonly kernels?: KernelPreference;
  /**
   * Emit `histogram` events of weights, gradients and activations (of a probe batch from the
   * validation set, else the training set) after step 1 and every this many steps. Default 0: never.
   */
  readonly histogramEvery?: number;
  /** Test-only fault injection. */
  readonly faults?: WorkerInit['faults'];
  /** Continue from a checkpoint's state instead of fresh parameters. */
  readonly resume?: ResumeState;
  /**
   * Called between steps, when no update is in flight and the shared state is consistent: the
   * place to write a checkpoint. The next step is drawn after it returns.
   */
  readonly onSafePoint?: (point: SafePoint, session: SessionState) => void;
  /**
   * Guarantees a safe point at least every this many steps (sync mode runs steps in chunks and
   * reaches a safe point only at a chunk's end: evaluations, histograms, the end, and this). Default 0.
   */
  readonly safePointEvery?: number;
}

/**
 * The first step from `first` on after which the run must be at rest (sync chunks end there): an
 * evaluation, a histogram, a requested safe point, or the last step.
 */
export function nextBoundary(config: TrainConfig, schedule: BatchSchedule, first: number): number {
  const evalEvery = config.validation ? (config.evalEvery ?? 0) : 0;
  const histogramEvery = config.histogramEvery ?? 0;
  const safeEvery = config.safePointEvery ?? 0;
  for (let step = first; step < schedule.totalSteps; step++) {
    if (config.validation && step % schedule.stepsPerEpoch === 0) return step;
    if (evalEvery > 0 && step % evalEvery === 0) return step;
    if (histogramEvery > 0 && (step === 1 || step % histogramEvery === 0)) return step;
    if (safeEvery > 0 && step % safeEvery === 0) return step;
  }
  return schedule.totalSteps;
}

/** The state a resumed run starts from (what a checkpoint holds). */
export interface ResumeState {
  /** Steps already completed; the run continues with step `step + 1`. */
  readonly step: number;
  /** Updates already applied (Adam's t). */
  readonly updates: number;
  readonly params: Float32Array;
  readonly buffers: Float32Array;
  readonly slots: Readonly<Record<string, Float32Array>>;
  /** The running loss of the epoch in progress, so its epoch event reports the same mean. */
  readonly epochLoss?: EpochLoss;
}

/** Where a run stands between two steps. */
export interface SafePoint {
  /** Steps completed. */
  readonly step: number;
  readonly updates: number;
  /** The epoch of the next step, and how many of its samples were already consumed. */
  readonly epoch: number;
  readonly position: number;
  readonly epochLoss: Readonly<EpochLoss>;
  /** True after the run's last step. */
  readonly last: boolean;
}

/** A session without its events: what `onSafePoint` may read. */
export type SessionState = Omit<TrainingSession, 'events$'>;

/**
 * Copies the resumable state out of shared memory at a safe point (for a checkpoint, or to resume in
 * the same process).
 */
export function captureResumeState(session: SessionState, point: SafePoint): ResumeState {
  const m = session.memory;
  return {
    step: point.step,
    updates: point.updates,
    params: m.f32('params').slice(),
    buffers: m.f32('buffers').slice(),
    slots: Object.fromEntries(session.plan.slotNames.map((name) => [name, m.f32(slotRegion(name)).slice()])),
    epochLoss: { ...point.epochLoss },
  };
}

/** A prepared run: the shared memory is allocated and initialised; subscribing to `events$` trains. */
export interface TrainingSession {
  readonly runId: string;
  readonly plan: PipelinePlan;
  readonly schedule: BatchSchedule;
  readonly memory: Arena;
  /** A main-thread view of the shared parameters (read it after the run, or between steps). */
  readonly network: Network;
  readonly controller: RunController;
  /** Name of the kernel set the workers run (`js`, `wasm-simd`, `wasm-relaxed-simd`). */
  readonly kernels: string;
  /** Cold: each subscription starts the worker pool and trains; unsubscribing stops it. */
  readonly events$: Observable<TrainEvent>;
  /**
   * Starts a worker pool on this session's memory, for composing the stages by hand
   * (`batchSource` → `computeGradients` → `updateParams` → …). Close it when done.
   */
  createRunner(): PoolRunner;
}

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
  const batchSize = config.batchSize ?? 100;
  const plan = createPlan({
    model,
    optimizer,
    batchSize,
    workers: config.workers ?? availableParallelism(),
    microBatches: config.microBatches,
    mode: config.mode,
    staleness: config.staleness,
    seed: config.seed,
    nonFinite: config.nonFinite,
  });
  const schedule = batchSchedule({
    n: config.train.n,
    batchSize,
    epochs: config.epochs,
    steps: config.steps,
  });
  const { arena: memory, kernels } = createPipelineMemory(plan, config.kernels);
  if (config.resume) loadResumeState(memory, plan, config.resume);
  const controller = config.controller ?? createController();
  const runId = config.runId ?? `run-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  const createRunner = () => {
    const evalSets: Record<string, SharedDataset> = {};
    if (config.validation) evalSets.validation = shareDataset(config.validation);
    if (config.test) evalSets.test = shareDataset(config.test);
    return PoolRunner.create({
      plan,
      memory,
      train: shareDataset(config.train),
      evalSets,
      snapshotEvery: config.snapshotEvery,
      faults: config.faults,
      updates: config.resume?.updates,
      startStep: config.resume?.step,
      wasm: kernels.wasm?.handle,
      schedule,
      lastStepFrom: (first) => nextBoundary(config, schedule, first),
    });
  };
  const session = {
    runId,
    plan,
    schedule,
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
 * `stop`, a step that kept failing) arrive on the error channel; the pool is always closed.
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

function runEvents(config: TrainConfig, s: SessionState): Observable<TrainEvent> {
  return defer(() => {
    const { plan, schedule, controller } = s;
    const runner = s.createRunner();
    const started = performance.now();
    let lastStep = config.resume?.step ?? 0;
    let lastUpdate: UpdateResult | undefined;
    let skipped = 0;
    const epochLoss: EpochLoss = { ...(config.resume?.epochLoss ?? { sum: 0, steps: 0 }) };
    const credits = new BehaviorSubject<number>(plan.ring);
    let owed = 0; // credits held back while paused
    const release = () => {
      if (controller.state.paused) owed++;
      else credits.next(1);
    };
    const stop$ = controller.state$.pipe(filter((c) => c.stopped));
    runner.setLearningRate?.(controller.state.lrOverride);
    const controlSub = controller.state$.pipe(skip(1)).subscribe((c) => {
      runner.setLearningRate?.(c.lrOverride);
      if (!c.paused && owed > 0) {
        const n = owed;
        owed = 0;
        credits.next(n);
      }
    });
    const pauseEvents$ = controller.state$.pipe(
      map((c) => c.paused),
      distinctUntilChanged(),
      skip(1),
      map((paused): TrainEvent => ({ type: paused ? 'paused' : 'resumed', step: lastStep })),
    );
    const lrEvents$ = controller.state$.pipe(
      map((c) => c.lrOverride),
      distinctUntilChanged(),
      skip(1),
      map((lr): TrainEvent => ({ type: 'lr', step: lastStep, lr })),
    );
    const updates$ = batchSource(schedule, credits, lastStep + 1).pipe(
      takeUntil(stop$),
      map((step) => ({ ...step, lrOverride: controller.state.lrOverride })),
      computeGradients(runner, plan.ring),
      // Mid-chunk, the workers go straight on to the next step: draw it now, so they never wait for it.
      tap((batch: GradientBatch) => {
        if (batch.boundary === false) release();
      }),
      plan.ring > 1 ? inStepOrder() : (x: Observable<GradientBatch>) => x,
      updateParams(runner),
    );
    const steps$ = updates$.pipe(
      evaluateEvery(runner, {
        sets: config.validation ? ['validation'] : [],
        every: config.evalEvery ?? 0,
        atEpochEnd: true,
        atEnd: config.test ? ['test'] : [],
        totalSteps: schedule.totalSteps,
      }),
      tap(({ update }) => {
        lastUpdate = update;
      }),
      toTrainEvents({ optimizer: plan.optimizer, epochLoss }),
      concatMap((event): TrainEvent[] => {
        if (event.type !== 'step' || !lastUpdate) return [event];
        const { step, updates, applied, quiescent } = lastUpdate;
        lastStep = step.step;
        if (!applied) skipped++;
        // A chunk's end holds its credit back until now (mid-chunk steps released theirs early).
        const boundary = lastUpdate.boundary !== false;
        if (quiescent === false) {
          if (boundary) release();
          return [event]; // the workers are already on the next step
        }
        // The step's update and evaluations are done and nothing else is in flight: a safe point.
        config.onSafePoint?.(
          {
            step: step.step,
            updates,
            epoch: step.endOfEpoch ? step.epoch + 1 : step.epoch,
            position: step.endOfEpoch ? 0 : step.start + step.count,
            epochLoss,
            last: step.step === schedule.totalSteps,
          },
          s,
        );
        const every = config.histogramEvery ?? 0;
        const histograms =
          every > 0 && (step.step % every === 0 || step.step === 1)
            ? networkHistograms(s.network, config.validation ?? config.train, step.step)
            : [];
        if (boundary) release();
        return [event, ...histograms];
      }),
    );
    const start: TrainEvent = {
      type: 'start',
      runId: s.runId,
      config: { plan, schedule } as unknown as Record<string, unknown>,
      totalSteps: schedule.totalSteps,
      stepsPerEpoch: schedule.stepsPerEpoch,
      paramCount: plan.paramSize,
      time: Date.now(),
    };
    const end = defer(() =>
      of<TrainEvent>({
        type: 'end',
        step: lastStep,
        reason: lastStep >= schedule.totalSteps ? 'completed' : 'stopped',
        elapsedMs: performance.now() - started,
        skippedSteps: skipped,
      }),
    );
    // Control events interleave with the steps; the body ends when the steps do.
    const body = new Observable<TrainEvent>((subscriber) => {
      const control = merge(pauseEvents$, lrEvents$).subscribe((e) => subscriber.next(e));
      const steps = steps$.subscribe(subscriber);
      return () => {
        control.unsubscribe();
        steps.unsubscribe();
      };
    });
    return concat(of(start), body, end).pipe(
      finalize(() => {
        controlSub.unsubscribe();
        credits.complete();
        void runner.close();
      }),
    );
  });
}
