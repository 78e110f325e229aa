// Async mode on the pool: one gradient task per lane per step, into the step's ring entry (up to
// `staleness` steps in flight), then one update task per lane, reduce → barrier → update. Gradients
// may be computed on parameters a few updates old; results depend on thread timing by design.

import { GradstreamError } from '../errors.js';
import { mlpLayouts } from '../nn/mlp.js';
import type { Arena } from '../tensor/arena.js';
import { nonFiniteError } from '../train/non-finite.js';
import { gradRegion, type PipelinePlan } from './plan.js';
import type { GradientBatch, StepDescriptor, UpdateResult } from './runner.js';
import { gradientNorm, stepLoss } from './step-math.js';
import { SyncWords } from './sync/protocol.js';
import type { GradientTask, StepRows, UpdateTask } from './tasks.js';

/** Runs one task per lane on a named handler and settles when all have (rejecting with the first failure). */
export type LaneDispatch = <T>(handler: string, task: (lane: number) => object) => Promise<T[]>;

/** Drives async mode's tasks and keeps its update count. */
export class AsyncSteps {
  readonly #plan: PipelinePlan;
  readonly #arena: Arena;
  readonly #words: SyncWords;
  readonly #losses: Float64Array;
  readonly #norms: Float64Array;
  readonly #dispatch: LaneDispatch;
  readonly #maxAttempts: number;
  #updates: number;
  /** An update task failed: some shards may hold its update, others not. */
  #updateFailed = false;

  constructor(o: {
    readonly plan: PipelinePlan;
    readonly memory: Arena;
    readonly dispatch: LaneDispatch;
    readonly maxAttempts: number;
    /** Updates already applied (resuming). */
    readonly updates: number;
  }) {
    this.#plan = o.plan;
    this.#arena = o.memory;
    this.#words = SyncWords.of(o.memory);
    this.#losses = o.memory.f64('losses');
    this.#norms = o.memory.f64('norms');
    this.#dispatch = o.dispatch;
    this.#maxAttempts = o.maxAttempts;
    this.#updates = o.updates;
  }

  /** Updates applied so far. */
  get updates(): number {
    return this.#updates;
  }

  /**
   * After a failure: whether the shared state is the one after `updates` updates. Gradient tasks
   * still in flight only write ring entries, so it is unless an update task failed part-way.
   */
  holds(updates: number): boolean {
    return !this.#updateFailed && this.#updates === updates;
  }

  /** The step's gradients into its ring entry; a failed attempt only wrote that entry, so it is simply rerun. */
  async gradients(step: StepDescriptor): Promise<GradientBatch> {
    const ring = (step.step - 1) % this.#plan.ring;
    const rows: StepRows = { step: step.step, epoch: step.epoch, start: step.start, count: step.count };
    let error: unknown;
    for (let attempt = 1; attempt <= this.#maxAttempts; attempt++) {
      try {
        await this.#dispatch('gradients', (lane): GradientTask => ({ ...rows, ring, lane }));
        const loss = stepLoss(this.#plan, this.#losses, ring, step.count);
        return { step, loss, samples: step.count, slots: filledSlots(this.#plan, step.count), ring };
      } catch (e) {
        error = e;
      }
    }
    throw new GradstreamError(
      'ERR_WORKER',
      `step ${step.step}: stage gradients failed: ${(error as Error)?.message}`,
      { cause: { step: step.step, stage: 'gradients', error } },
    );
  }

  /** Reduce, barrier, update on every lane's shard; the non-finite policy; the update count. */
  async update(batch: GradientBatch): Promise<UpdateResult> {
    this.#words.reset();
    const { step, ring } = batch;
    const t = this.#updates + 1;
    let applied: boolean;
    try {
      const results = await this.#dispatch<boolean>(
        'update',
        (lane): UpdateTask => ({ t, count: step.count, ring, lane, lrOverride: step.lrOverride }),
      );
      applied = results.every(Boolean);
    } catch (error) {
      this.#updateFailed = true;
      throw new GradstreamError(
        'ERR_WORKER',
        `step ${step.step}: stage update failed: ${(error as Error)?.message}`,
        { cause: { step: step.step, stage: 'update', error } },
      );
    }
    const loss = stepLoss(this.#plan, this.#losses, ring, step.count);
    if (!applied && this.#plan.nonFinite === 'stop') {
      throw nonFiniteError(
        mlpLayouts(this.#plan.model).params,
        this.#arena.f32(gradRegion(ring, 0)),
        step.step,
        loss,
      );
    }
    if (applied) this.#updates++;
    return {
      step,
      loss,
      samples: step.count,
      applied,
      updates: this.#updates,
      gradNorm: gradientNorm(this.#norms),
      lrOverride: step.lrOverride,
    };
  }
}

/** Micro-batch gradient slots a step of `count` rows fills. */
export function filledSlots(plan: PipelinePlan, count: number): number {
  let slots = 0;
  for (let k = 0; k < plan.microBatches; k++) if (k * plan.microBatchSize < count) slots++;
  return slots;
}
