// The work of a training step, as plain functions of (worker state, task descriptor): gradients of
// a lane's micro-batches; reduce, check and update of a lane's parameter shard; evaluation.
// Every lane reduces the micro-batch slots in slot order, so results do not depend on timing.

import { commitBatchStats } from '../src/nn/layers/batch-norm.js';
import { stepInPlace } from '../src/optim/optimizer.js';
import { microBatchRows } from '../src/pipeline/plan.js';
import { gradientNorm, stepLoss } from '../src/pipeline/step-math.js';
import { barrierWait } from '../src/pipeline/sync/barrier.js';
import type { LaneWork } from '../src/pipeline/sync/lane.js';
import type { EvalSums, EvalTask, GradientTask, UpdateTask } from '../src/pipeline/tasks.js';
import type { WorkerState } from './worker-state.js';

/** Computes the loss and gradients of the micro-batches k ≡ lane (mod lanes) of a step. */
export function computeGradients(state: WorkerState, task: GradientTask): void {
  const { plan, losses } = state;
  const order = state.order(task.epoch);
  for (let k = task.lane; k < plan.microBatches; k += plan.lanes) {
    const rows = microBatchRows(plan, task.count, k);
    const slot = task.ring * plan.microBatches + k;
    if (rows === 0) {
      losses[slot] = 0;
      continue;
    }
    const net = state.network(task.ring, task.lane, k);
    net.loadBatch(state.train, order, task.start + k * plan.microBatchSize, rows);
    losses[slot] = net.lossAndGradient(rows, task.step);
  }
}

/**
 * Over the lane's shard: g₀ ← Σₖ (nₖ/n)·gₖ in slot order, each norm block's Σg², and the
 * non-finite flag. Lane 0 also flags a non-finite loss.
 */
export function reduceShard(state: WorkerState, ring: number, lane: number, count: number): void {
  const { plan, norms, words, kernels } = state;
  const shard = state.shard(ring, lane);
  const g0 = shard.u;
  let w0 = microBatchRows(plan, count, 0) / count;
  for (let k = 1; k < plan.microBatches; k++) {
    const rows = microBatchRows(plan, count, k);
    if (rows === 0) break;
    // g₀ ← (nₖ/n)·gₖ + w₀·g₀, with w₀ the first micro-batch's weight on the first pass, then 1.
    kernels.axpby(rows / count, shard.micro[k], w0, g0, g0.length);
    w0 = 1;
  }
  // No pass when only micro-batch 0 has rows: it then holds the whole batch, so w₀ = 1.
  for (let b = shard.blocks[0]; b < shard.blocks[1]; b++) {
    const block = shard.blockGrads[b - shard.blocks[0]];
    const sumSquares = kernels.sumSquares(block, block.length);
    norms[b] = sumSquares;
    if (!Number.isFinite(sumSquares)) words.raiseNonFinite();
  }
  if (lane === 0 && !Number.isFinite(stepLoss(plan, state.losses, ring, count))) words.raiseNonFinite();
}

/** Applies the optimizer to the lane's shard unless a lane flagged a non-finite value; lane 0 folds batch-norm stats. */
export function updateShard(state: WorkerState, task: UpdateTask): boolean {
  if (state.words.nonFinite) return false;
  const shard = state.shard(task.ring, task.lane);
  const ctx = state.stepContext; // reused: no allocation per step
  ctx.step = task.t;
  ctx.lrOverride = task.lrOverride;
  ctx.gradNorm = gradientNorm(state.norms);
  // Fused (one pass) for the named recipes, else the composed chain then applyUpdates.
  stepInPlace(state.transform, shard.u, shard.slots, shard.params, ctx);
  const bn = state.plan.model.batchNorm;
  if (task.lane === 0 && bn) {
    for (let k = 0; k < state.plan.microBatches; k++) {
      if (microBatchRows(state.plan, task.count, k) === 0) break;
      commitBatchStats(state.buffers, shard.stats[k], bn.momentum);
    }
  }
  return true;
}

/** Reduce, barrier, update: the update phase of one lane (async mode dispatches this alone). */
export function update(state: WorkerState, task: UpdateTask): boolean {
  reduceShard(state, task.ring, task.lane, task.count);
  barrierWait(state.words.words, state.plan.lanes, state.init.barrier);
  return updateShard(state, task);
}

/** Loss, correct-prediction (or regression error) sums over rows [start, start+count) of an evaluation set. */
export function evaluate(state: WorkerState, task: EvalTask, data = state.evalSets[task.set]): EvalSums {
  const net = state.evalNetwork(task.lane);
  const order = new Uint32Array(task.count);
  for (let i = 0; i < task.count; i++) order[i] = task.start + i;
  let lossSum = 0;
  let correct = 0;
  let squaredError = 0;
  let absoluteError = 0;
  for (let s = 0; s < task.count; s += net.capacity) {
    const rows = Math.min(net.capacity, task.count - s);
    net.loadBatch(data, order, s, rows);
    const r = net.evaluateBatch(rows);
    lossSum += r.loss * rows;
    correct += r.correct;
    squaredError += r.squaredError;
    absoluteError += r.absoluteError;
  }
  return { lossSum, correct, squaredError, absoluteError, n: task.count };
}

/** The lane's work as the sync protocol sequences it (made once per worker: no allocation per chunk). */
export function laneWork(state: WorkerState): LaneWork {
  return {
    plan: state.plan,
    schedule: state.init.schedule,
    barrier: state.init.barrier,
    words: state.words,
    results: state.results,
    control: state.control,
    gradients: (task) => computeGradients(state, task),
    reduce: (lane, count) => reduceShard(state, 0, lane, count),
    update: (task) => updateShard(state, task),
    stepLoss: (count) => stepLoss(state.plan, state.losses, 0, count),
    gradientNorm: () => gradientNorm(state.norms),
  };
}
