// The Runner on a Piscina pool over shared memory: one thread per lane, handed the shared memory
// once. Sync mode runs chunks of steps per task (sync/chunks.ts); async mode one gradient task and
// one update task per lane per step (async-steps.ts). Evaluation splits a set over the lanes.

import type { MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { GradstreamError } from '../errors.js';
import { type Evaluation, evaluationOf } from '../nn/evaluate.js';
import { mlpLayouts } from '../nn/mlp.js';
import type { Arena } from '../tensor/arena.js';
import { nonFiniteError } from '../train/non-finite.js';
import { AsyncSteps, filledSlots } from './async-steps.js';
import type { BatchSchedule } from './batch-source.js';
import { gradRegion, type PipelinePlan } from './plan.js';
import type { GradientBatch, Runner, StepDescriptor, UpdateResult } from './runner.js';
import type { SharedDataset } from './shared-data.js';
import { StateSnapshot } from './snapshot.js';
import { SyncChunks } from './sync/chunks.js';
import { LearningRateControl, SyncWords } from './sync/protocol.js';
import type { EvalSums, WorkerInit } from './tasks.js';
import { workerEntry } from './worker-path.js';

/** Options of {@link PoolRunner.create}. */
export interface PoolRunnerOptions {
  /** The plan (its `snapshotEvery` and `barrierSpinMs` pace the sync chunks and the lanes). */
  readonly plan: PipelinePlan;
  readonly memory: Arena;
  /** The wasm kernels' handle when the arena lives in their memory (workers attach to it). */
  readonly wasm?: WorkerInit['wasm'];
  readonly train: SharedDataset;
  readonly evalSets: Readonly<Record<string, SharedDataset>>;
  /** Attempts per failed step before the run stops. Default 3. */
  readonly maxAttempts?: number;
  readonly barrierTimeoutMs?: number;
  /** Test-only: make a lane exit its thread once at a step. */
  readonly faults?: WorkerInit['faults'];
  /** Updates already applied to the memory's state (resuming from a checkpoint). Default 0. */
  readonly updates?: number;
  /** Steps already completed (resuming). Default 0. */
  readonly startStep?: number;
  /** How steps map to rows (the workers run sync chunks from it). */
  readonly schedule: BatchSchedule;
  /** Sync mode: the last step a chunk starting at `first` may run. Default: the schedule's end. */
  readonly lastStepFrom?: (first: number) => number;
}

/** Runs a pipeline's tasks on worker threads. */
export class PoolRunner implements Runner {
  readonly #pool: Piscina;
  readonly #plan: PipelinePlan;
  readonly #arena: Arena;
  readonly #words: SyncWords;
  readonly #evalSets: Readonly<Record<string, SharedDataset>>;
  readonly #control: LearningRateControl;
  readonly #chunks: SyncChunks | undefined;
  readonly #async: AsyncSteps | undefined;
  // Piscina's threads do not keep Node's event loop alive while they work, and neither does
  // Atomics.waitAsync: an open runner holds the loop open itself, until close().
  readonly #keepAlive = setInterval(() => {}, 60_000);

  #closing = false;

  private constructor(o: PoolRunnerOptions, pool: Piscina) {
    this.#pool = pool;
    this.#plan = o.plan;
    this.#arena = o.memory;
    this.#words = SyncWords.of(o.memory);
    this.#evalSets = o.evalSets;
    this.#control = new LearningRateControl(o.memory);
    this.#control.set(undefined);
    const maxAttempts = o.maxAttempts ?? 3;
    const start = { step: o.startStep ?? 0, updates: o.updates ?? 0 };
    if (o.plan.mode === 'async') {
      this.#async = new AsyncSteps({
        plan: o.plan,
        memory: o.memory,
        maxAttempts,
        updates: start.updates,
        dispatch: (handler, task) => this.#allLanes(this.#onLanes(handler, task)),
      });
    } else {
      const snapshot = new StateSnapshot(o.memory, o.plan);
      snapshot.take(start.updates, start.step);
      this.#chunks = new SyncChunks(
        {
          plan: o.plan,
          memory: o.memory,
          snapshot,
          snapshotEvery: o.plan.snapshotEvery,
          maxAttempts,
          dispatch: (task, transfer) => this.#allLanes(this.#onLanes('chunk', task, transfer)),
          lastStepFrom: o.lastStepFrom ?? (() => o.schedule.totalSteps),
        },
        start,
      );
    }
  }

  /** Starts the pool (one thread per lane) and hands every thread the shared memory once. */
  static create(o: PoolRunnerOptions): PoolRunner {
    if (!(o.memory.buffer instanceof SharedArrayBuffer)) {
      throw new GradstreamError('ERR_INVALID_OPTION', 'PoolRunner: memory must be a SharedArrayBuffer arena');
    }
    const init: WorkerInit = {
      plan: o.plan,
      memory: { buffer: o.memory.buffer, descriptor: o.memory.descriptor },
      wasm: o.wasm,
      train: o.train,
      evalSets: o.evalSets,
      barrier: { timeoutMs: o.barrierTimeoutMs ?? 30_000, spinMs: o.plan.barrierSpinMs },
      faults: o.faults,
      schedule: o.schedule,
    };
    const lanes = o.plan.lanes;
    const pool = new Piscina({
      filename: workerEntry(),
      workerData: init,
      minThreads: lanes,
      maxThreads: lanes,
      idleTimeout: 60_000,
      // Piscina's default parks an idle thread in a synchronous Atomics.wait loop, so its event loop
      // never turns: a sync chunk's wake-up port, closed by the lane, was then never released (its
      // native message-port data stayed in the worker and the main thread: ~6 KB a chunk, a chunk
      // every ≤ 50 steps). Sync mode's threads wait between chunks on their event loop instead; async
      // mode transfers no ports and keeps the faster wake-up for its two tasks a step.
      atomics: o.plan.mode === 'async' ? 'sync' : 'disabled',
      // Bounded: at most `ring` steps of gradient tasks plus one update and one evaluation in flight.
      maxQueue: lanes * (o.plan.ring + 2),
    });
    const runner = new PoolRunner(o, pool);
    // destroy() forgets the tasks in flight; a lane's answer already posted then arrives for no task,
    // and Piscina reports it as an 'error' event, which with no listener is an uncaught exception.
    // Only that late answer is expected; anything else stays as loud as before.
    pool.on('error', (error: unknown) => {
      if (runner.#closing) return;
      throw error;
    });
    return runner;
  }

  /** Sets the learning-rate override for steps that start from now on (undefined: the schedule). */
  setLearningRate(lr: number | undefined): void {
    this.#control.set(lr);
  }

  /** After a failure: the state after `step` back in shared memory (see `Runner.restoreTo`). */
  async restoreTo(step: number, updates: number): Promise<boolean> {
    if (this.#async) return this.#async.holds(updates);
    return this.#chunks!.restoreTo(step, updates);
  }

  async computeGradients(step: StepDescriptor): Promise<GradientBatch> {
    if (this.#async) return this.#async.gradients(step);
    const { loss, ahead } = await this.#chunks!.gradients(step.step);
    return {
      step,
      loss,
      samples: step.count,
      slots: filledSlots(this.#plan, step.count),
      ring: 0,
      flow: { ahead, atRest: false },
    };
  }

  async applyUpdate(batch: GradientBatch): Promise<UpdateResult> {
    if (this.#async) return this.#async.update(batch);
    const r = await this.#chunks!.update(batch.step.step);
    if (!r.applied && this.#plan.nonFinite === 'stop') {
      const layout = mlpLayouts(this.#plan.model).params;
      throw nonFiniteError(layout, this.#arena.f32(gradRegion(0, 0)), batch.step.step, r.loss);
    }
    return {
      step: batch.step,
      loss: r.loss,
      samples: batch.samples,
      applied: r.applied,
      updates: r.updates,
      gradNorm: r.gradNorm,
      lrOverride: r.lrOverride,
      flow: { ahead: batch.flow?.ahead ?? 0, atRest: r.quiescent },
    };
  }

  /**
   * Settles when every lane's task has settled (rejecting with the first failure). A failing lane wakes
   * the others out of their barriers at once, so none is still running when a retry starts.
   */
  async #allLanes<T>(tasks: Promise<T>[]): Promise<T[]> {
    for (const task of tasks) task.catch(() => this.#words.abort());
    const results = await Promise.allSettled(tasks);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    return results.map((r) => (r as PromiseFulfilledResult<T>).value);
  }

  /** One task per lane, `task(lane)` each, on the named handler. */
  #onLanes<T>(
    handler: string,
    task: (lane: number) => object,
    transfer?: (lane: number) => MessagePort[],
  ): Promise<T>[] {
    const tasks: Promise<T>[] = [];
    for (let lane = 0; lane < this.#plan.lanes; lane++) {
      tasks.push(this.#pool.run(task(lane), { name: handler, transferList: transfer?.(lane) }));
    }
    return tasks;
  }

  async evaluate(set: string): Promise<Evaluation> {
    const data = this.#evalSets[set];
    if (!data)
      throw new GradstreamError('ERR_INVALID_OPTION', `evaluate: no evaluation set ${JSON.stringify(set)}`);
    const lanes = this.#plan.lanes;
    const tasks = this.#onLanes<EvalSums>('evaluate', (lane) => {
      const start = Math.floor((lane * data.n) / lanes);
      return { set, start, count: Math.floor(((lane + 1) * data.n) / lanes) - start, lane };
    });
    const total = { loss: 0, correct: 0, squaredError: 0, absoluteError: 0 };
    for (const sums of await Promise.all(tasks)) {
      total.loss += sums.lossSum;
      total.correct += sums.correct;
      total.squaredError += sums.squaredError;
      total.absoluteError += sums.absoluteError;
    }
    const model = this.#plan.model;
    return evaluationOf(total, data.n, model.loss === 'mse' ? model.sizes[model.sizes.length - 1] : 0);
  }

  async close(): Promise<void> {
    this.#closing = true;
    clearInterval(this.#keepAlive);
    this.#words.abort();
    await this.#pool.destroy();
  }
}
