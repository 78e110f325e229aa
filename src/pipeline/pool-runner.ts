// The Runner on a Piscina pool: one task per lane per step over shared memory. Sync mode fuses
// gradients and update in one task (a barrier between them); async mode runs them as separate tasks.
// A failed sync step is rolled back to a snapshot and replayed on fresh workers.

import { Piscina } from 'piscina';
import { GradstreamError } from '../errors.js';
import type { Evaluation } from '../nn/evaluate.js';
import { mlpLayouts } from '../nn/mlp.js';
import type { Arena } from '../tensor/arena.js';
import { entryAt } from '../tensor/layout.js';
import { abortBarrier, barrierPassed, resetSync } from './barrier.js';
import { gradRegion, type PipelinePlan, SYNC } from './plan.js';
import type { GradientBatch, Runner, StepDescriptor, UpdateResult } from './runner.js';
import type { SharedDataset } from './shared-data.js';
import { StateSnapshot } from './snapshot.js';
import { gradientNorm, stepLoss } from './step-math.js';
import type { EvalSums, StepRows, WorkerInit } from './tasks.js';
import { workerEntry } from './worker-path.js';

/** Options of {@link PoolRunner.create}. */
export interface PoolRunnerOptions {
  readonly plan: PipelinePlan;
  readonly memory: Arena;
  /** The wasm kernels' handle when the arena lives in their memory (workers attach to it). */
  readonly wasm?: WorkerInit['wasm'];
  readonly train: SharedDataset;
  readonly evalSets: Readonly<Record<string, SharedDataset>>;
  /** Sync mode: steps between rollback snapshots. Default 50. */
  readonly snapshotEvery?: number;
  /** Attempts per failed step before the run stops. Default 3. */
  readonly maxAttempts?: number;
  readonly barrierTimeoutMs?: number;
  /** Test-only: make a lane exit its thread once at a step. */
  readonly faults?: WorkerInit['faults'];
  /** Updates already applied to the memory's state (resuming from a checkpoint). Default 0. */
  readonly updates?: number;
}

interface InFlight {
  readonly step: StepDescriptor;
  readonly t: number;
  readonly done: Promise<boolean[]>;
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
  readonly #snapshot: StateSnapshot;
  readonly #snapshotEvery: number;
  readonly #maxAttempts: number;
  readonly #log: StepDescriptor[] = []; // steps completed since the snapshot, for replay
  #updates = 0;
  #steps = 0;
  #inFlight: InFlight | undefined;

  private constructor(o: PoolRunnerOptions, pool: Piscina) {
    this.#pool = pool;
    this.#plan = o.plan;
    this.#arena = o.memory;
    this.#sync = o.memory.i32('sync');
    this.#losses = o.memory.f64('losses');
    this.#norms = o.memory.f64('norms');
    this.#evalSets = o.evalSets;
    this.#updates = o.updates ?? 0;
    this.#snapshot = new StateSnapshot(o.memory, o.plan);
    this.#snapshot.take(this.#updates, 0);
    this.#snapshotEvery = o.snapshotEvery ?? 50;
    this.#maxAttempts = o.maxAttempts ?? 3;
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
      barrierTimeoutMs: o.barrierTimeoutMs ?? 30_000,
      faults: o.faults,
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
    resetSync(this.#sync);
    const generation = Atomics.load(this.#sync, SYNC.barrierGeneration);
    const t = this.#updates + 1;
    const done = this.#dispatchStep(step, t);
    let settled = false;
    const settle = done.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    this.#inFlight = { step, t, done };
    // The first barrier of the fused task marks "all gradients written". If the tasks settle without
    // reaching it, a lane failed: recover now, so the gradient batch reports the replayed step.
    if (!(await barrierPassed(this.#sync, generation, () => settled))) {
      await settle;
      try {
        await done;
      } catch (error) {
        const applied = await this.#recover(this.#inFlight, error);
        this.#inFlight = { step, t, done: Promise.resolve([applied]) };
      }
    }
    return this.#gradientBatch(step, 0);
  }

  async applyUpdate(batch: GradientBatch): Promise<UpdateResult> {
    if (this.#plan.mode === 'async') return this.#asyncUpdate(batch);
    const inFlight = this.#inFlight;
    if (!inFlight || inFlight.step.step !== batch.step.step) {
      throw new GradstreamError(
        'ERR_WORKER',
        `applyUpdate: step ${batch.step.step} has no gradients in flight`,
      );
    }
    this.#inFlight = undefined;
    let applied: boolean;
    try {
      applied = (await inFlight.done).every(Boolean);
    } catch (error) {
      applied = await this.#recover(inFlight, error);
    }
    return this.#complete(batch, applied);
  }

  /** One task per lane, `task(lane)` each, on the named handler. */
  #onLanes<T>(handler: string, task: (lane: number) => object): Promise<T>[] {
    const tasks: Promise<T>[] = [];
    for (let lane = 0; lane < this.#plan.lanes; lane++)
      tasks.push(this.#pool.run(task(lane), { name: handler }));
    return tasks;
  }

  #dispatchStep(step: StepDescriptor, t: number): Promise<boolean[]> {
    const rows = stepRows(step);
    const tasks = this.#onLanes<boolean>('step', (lane) => ({
      ...rows,
      ring: 0,
      lane,
      t,
      lrOverride: step.lrOverride,
    }));
    const all = Promise.all(tasks);
    // When one lane fails, wake the others out of the barrier so the step settles promptly.
    all.catch(() => abortBarrier(this.#sync));
    return all.then(
      async (result) => result,
      async (error) => {
        await Promise.allSettled(tasks);
        throw error;
      },
    );
  }

  /** Rolls back to the snapshot, replays the steps since, and retries the failed one. */
  async #recover(failed: InFlight, firstError: unknown): Promise<boolean> {
    let error = firstError;
    for (let attempt = 2; attempt <= this.#maxAttempts; attempt++) {
      try {
        this.#snapshot.restore();
        this.#updates = this.#snapshot.updates;
        for (const step of this.#log) {
          resetSync(this.#sync);
          if ((await this.#dispatchStep(step, this.#updates + 1)).every(Boolean)) this.#updates++;
        }
        resetSync(this.#sync);
        return (await this.#dispatchStep(failed.step, this.#updates + 1)).every(Boolean);
      } catch (retryError) {
        error = retryError;
      }
    }
    throw new GradstreamError(
      'ERR_WORKER',
      `step ${failed.step.step}: stage gradients/update failed after ${this.#maxAttempts} attempts: ${(error as Error)?.message ?? error}`,
      { cause: { step: failed.step.step, stage: 'step', error } },
    );
  }

  /** Bookkeeping after a step: non-finite policy, update count, snapshot and replay log. */
  #complete(batch: GradientBatch, applied: boolean): UpdateResult {
    const { step } = batch;
    const loss = stepLoss(this.#plan, this.#losses, batch.ring, step.count);
    const gradNorm = gradientNorm(this.#norms);
    if (!applied && this.#plan.nonFinite === 'stop') throw this.#nonFiniteError(step.step, loss, batch.ring);
    if (applied) this.#updates++;
    this.#steps++;
    if (this.#plan.mode === 'sync') {
      this.#log.push(step);
      if (this.#log.length >= this.#snapshotEvery) {
        this.#snapshot.take(this.#updates, this.#steps);
        this.#log.length = 0;
      }
    }
    return { step, loss, samples: step.count, applied, updates: this.#updates, gradNorm };
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
    let slots = 0;
    for (let k = 0; k < this.#plan.microBatches; k++) if (k * this.#plan.microBatchSize < step.count) slots++;
    const loss = stepLoss(this.#plan, this.#losses, ring, step.count);
    return { step, loss, samples: step.count, slots, ring };
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
    abortBarrier(this.#sync);
    await this.#pool.destroy();
  }
}

/** The row range of a step, as every task descriptor carries it. */
function stepRows(step: StepDescriptor): StepRows {
  return { step: step.step, epoch: step.epoch, start: step.start, count: step.count };
}
