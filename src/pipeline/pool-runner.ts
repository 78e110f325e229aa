// The Runner on a Piscina pool over shared memory. Sync mode runs chunks of steps per task (see
// sync-chunks.ts); async mode runs one gradient task and one update task per lane per step.

import type { MessagePort } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { checkNumber, GradstreamError } from '../errors.js';
import type { Evaluation } from '../nn/evaluate.js';
import { mlpLayouts } from '../nn/mlp.js';
import type { Arena } from '../tensor/arena.js';
import { entryAt } from '../tensor/layout.js';
import { abortBarrier, DEFAULT_BARRIER_SPIN_MS, resetSync } from './barrier.js';
import type { BatchSchedule } from './batch-source.js';
import { DEFAULT_SNAPSHOT_EVERY, gradRegion, type PipelinePlan } from './plan.js';
import type { GradientBatch, Runner, StepDescriptor, UpdateResult } from './runner.js';
import type { SharedDataset } from './shared-data.js';
import { StateSnapshot } from './snapshot.js';
import { gradientNorm, stepLoss } from './step-math.js';
import { SyncChunks } from './sync-chunks.js';
import type { EvalSums, StepRows, WorkerInit } from './tasks.js';
import { workerEntry } from './worker-path.js';

/** How a runner paces its sync chunks, defaults applied. */
export interface RunnerTiming {
  readonly snapshotEvery: number;
  readonly barrierSpinMs: number;
}

/**
 * Validates a runner's timing options and applies their defaults. `PoolRunner.create` calls it; `train`
 * calls it too, before it allocates anything, so a bad value fails first and names `train`.
 */
export function runnerTiming(
  where: string,
  o: { readonly snapshotEvery?: number; readonly barrierSpinMs?: number },
): RunnerTiming {
  return {
    snapshotEvery: checkNumber(where, 'snapshotEvery', o.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY, {
      min: 1,
      integer: true,
    }),
    barrierSpinMs: checkNumber(where, 'barrierSpinMs', o.barrierSpinMs ?? DEFAULT_BARRIER_SPIN_MS, {
      min: 0,
      max: 1000,
    }),
  };
}

/** Options of {@link PoolRunner.create}. */
export interface PoolRunnerOptions {
  readonly plan: PipelinePlan;
  readonly memory: Arena;
  /** The wasm kernels' handle when the arena lives in their memory (workers attach to it). */
  readonly wasm?: WorkerInit['wasm'];
  readonly train: SharedDataset;
  readonly evalSets: Readonly<Record<string, SharedDataset>>;
  /** Sync mode: steps between rollback snapshots. Default {@link DEFAULT_SNAPSHOT_EVERY}. */
  readonly snapshotEvery?: number;
  /** Attempts per failed step before the run stops. Default 3. */
  readonly maxAttempts?: number;
  readonly barrierTimeoutMs?: number;
  /** How long a lane spins at a barrier before it sleeps, in ms. Default `DEFAULT_BARRIER_SPIN_MS`. */
  readonly barrierSpinMs?: number;
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
  readonly #sync: Int32Array;
  readonly #losses: Float64Array;
  readonly #norms: Float64Array;
  readonly #evalSets: Readonly<Record<string, SharedDataset>>;
  readonly #maxAttempts: number;
  readonly #chunks: SyncChunks;
  readonly #control: Float64Array;
  #updates = 0;
  // Piscina's threads do not keep Node's event loop alive while they work, and neither does
  // Atomics.waitAsync: an open runner holds the loop open itself, until close().
  readonly #keepAlive = setInterval(() => {}, 60_000);

  private constructor(o: PoolRunnerOptions & RunnerTiming, pool: Piscina) {
    this.#pool = pool;
    this.#plan = o.plan;
    this.#arena = o.memory;
    this.#sync = o.memory.i32('sync');
    this.#losses = o.memory.f64('losses');
    this.#norms = o.memory.f64('norms');
    this.#evalSets = o.evalSets;
    this.#updates = o.updates ?? 0;
    this.#maxAttempts = o.maxAttempts ?? 3;
    this.#control = o.memory.f64('control');
    this.#control[0] = Number.NaN;
    const snapshot = new StateSnapshot(o.memory, o.plan);
    const start = { step: o.startStep ?? 0, updates: this.#updates };
    snapshot.take(start.updates, start.step);
    this.#chunks = new SyncChunks(
      {
        plan: o.plan,
        memory: o.memory,
        snapshot,
        snapshotEvery: o.snapshotEvery,
        maxAttempts: this.#maxAttempts,
        dispatch: (task, transfer) => this.#allLanes(this.#onLanes('chunk', task, transfer)),
        lastStepFrom: o.lastStepFrom ?? (() => o.schedule.totalSteps),
      },
      start,
    );
  }

  /** Sets the learning-rate override for steps that start from now on (undefined: the schedule). */
  setLearningRate(lr: number | undefined): void {
    this.#control[0] = lr ?? Number.NaN;
  }

  /** Starts the pool (one thread per lane) and hands every thread the shared memory once. */
  static create(options: PoolRunnerOptions): PoolRunner {
    const o = { ...options, ...runnerTiming('PoolRunner', options) };
    if (!(o.memory.buffer instanceof SharedArrayBuffer)) {
      throw new GradstreamError('ERR_INVALID_OPTION', 'PoolRunner: memory must be a SharedArrayBuffer arena');
    }
    const init: WorkerInit = {
      plan: o.plan,
      memory: { buffer: o.memory.buffer, descriptor: o.memory.descriptor },
      wasm: o.wasm,
      train: o.train,
      evalSets: o.evalSets,
      barrier: {
        timeoutMs: o.barrierTimeoutMs ?? 30_000,
        spinMs: o.barrierSpinMs,
      },
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
      // Bounded: at most `ring` steps of gradient tasks plus one update and one evaluation in flight.
      maxQueue: lanes * (o.plan.ring + 2),
    });
    return new PoolRunner(o, pool);
  }

  /** Updates applied so far. */
  get updates(): number {
    return this.#updates;
  }

  async computeGradients(step: StepDescriptor): Promise<GradientBatch> {
    if (this.#plan.mode === 'async') return this.#asyncGradients(step);
    const { loss, boundary, ahead } = await this.#chunks.gradients(step.step);
    return { step, loss, samples: step.count, slots: this.#slots(step), ring: 0, boundary, ahead };
  }

  async applyUpdate(batch: GradientBatch): Promise<UpdateResult> {
    if (this.#plan.mode === 'async') return this.#asyncUpdate(batch);
    const r = await this.#chunks.update(batch.step.step);
    if (!r.applied && this.#plan.nonFinite === 'stop') throw this.#nonFiniteError(batch.step.step, r.loss, 0);
    this.#updates = r.updates;
    return {
      step: batch.step,
      loss: r.loss,
      samples: batch.samples,
      applied: r.applied,
      updates: r.updates,
      gradNorm: r.gradNorm,
      lrOverride: r.lrOverride,
      quiescent: r.quiescent,
      boundary: batch.boundary,
      ahead: batch.ahead,
    };
  }

  /**
   * Settles when every lane's task has settled (rejecting with the first failure). A failing lane wakes
   * the others out of their barriers at once, so none is still running when a retry starts.
   */
  async #allLanes<T>(tasks: Promise<T>[]): Promise<T[]> {
    for (const task of tasks) task.catch(() => abortBarrier(this.#sync));
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

  #slots(step: StepDescriptor): number {
    let slots = 0;
    for (let k = 0; k < this.#plan.microBatches; k++) if (k * this.#plan.microBatchSize < step.count) slots++;
    return slots;
  }

  /** Async bookkeeping after a step: the non-finite policy and the update count. */
  #complete(batch: GradientBatch, applied: boolean): UpdateResult {
    const { step } = batch;
    const loss = stepLoss(this.#plan, this.#losses, batch.ring, step.count);
    const gradNorm = gradientNorm(this.#norms);
    if (!applied && this.#plan.nonFinite === 'stop') throw this.#nonFiniteError(step.step, loss, batch.ring);
    if (applied) this.#updates++;
    return {
      step,
      loss,
      samples: step.count,
      applied,
      updates: this.#updates,
      gradNorm,
      lrOverride: step.lrOverride,
    };
  }

  #nonFiniteError(step: number, loss: number, ring: number): GradstreamError {
    const g = this.#arena.f32(gradRegion(ring, 0));
    let bad = -1;
    for (let i = 0; i < g.length && bad < 0; i++) if (!Number.isFinite(g[i])) bad = i;
    const layout = mlpLayouts(this.#plan.model).params;
    const where = bad >= 0 ? `non-finite gradient in ${entryAt(layout, bad)?.name}` : `loss is ${loss}`;
    return new GradstreamError(
      'ERR_NON_FINITE',
      `step ${step}: ${where} (loss ${loss}); lower the learning rate?`,
      {
        cause: { step, loss, entry: bad >= 0 ? entryAt(layout, bad)?.name : undefined },
      },
    );
  }

  #gradientBatch(step: StepDescriptor, ring: number): GradientBatch {
    const loss = stepLoss(this.#plan, this.#losses, ring, step.count);
    return { step, loss, samples: step.count, slots: this.#slots(step), ring };
  }

  async #asyncGradients(step: StepDescriptor): Promise<GradientBatch> {
    const ring = (step.step - 1) % this.#plan.ring;
    let error: unknown;
    // Gradient tasks only write their ring entry, so a failed one is simply run again.
    for (let attempt = 1; attempt <= this.#maxAttempts; attempt++) {
      try {
        const rows = stepRows(step);
        const tasks = this.#onLanes('gradients', (lane) => ({ ...rows, ring, lane }));
        await Promise.all(tasks);
        return this.#gradientBatch(step, ring);
      } catch (e) {
        error = e;
      }
    }
    throw new GradstreamError(
      'ERR_WORKER',
      `step ${step.step}: stage gradients failed: ${(error as Error)?.message}`,
      {
        cause: { step: step.step, stage: 'gradients', error },
      },
    );
  }

  async #asyncUpdate(batch: GradientBatch): Promise<UpdateResult> {
    resetSync(this.#sync);
    const t = this.#updates + 1;
    const { count, lrOverride } = batch.step;
    const tasks = this.#onLanes<boolean>('update', (lane) => ({
      t,
      count,
      ring: batch.ring,
      lane,
      lrOverride,
    }));
    try {
      return this.#complete(batch, (await Promise.all(tasks)).every(Boolean));
    } catch (error) {
      abortBarrier(this.#sync);
      await Promise.allSettled(tasks);
      if (error instanceof GradstreamError && error.code === 'ERR_NON_FINITE') throw error;
      throw new GradstreamError(
        'ERR_WORKER',
        `step ${batch.step.step}: stage update failed: ${(error as Error)?.message}`,
        {
          cause: { step: batch.step.step, stage: 'update', error },
        },
      );
    }
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
    let lossSum = 0;
    let correct = 0;
    for (const sums of await Promise.all(tasks)) {
      lossSum += sums.lossSum;
      correct += sums.correct;
    }
    return { loss: lossSum / data.n, accuracy: correct / data.n, n: data.n };
  }

  async close(): Promise<void> {
    clearInterval(this.#keepAlive);
    abortBarrier(this.#sync);
    await this.#pool.destroy();
  }
}

/** The row range of a step, as every task descriptor carries it. */
function stepRows(step: StepDescriptor): StepRows {
  return { step: step.step, epoch: step.epoch, start: step.start, count: step.count };
}
