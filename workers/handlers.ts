// The work of a training step, as plain functions of (worker state, task descriptor): gradients of
// a lane's micro-batches; reduce, check and update of a lane's parameter shard; evaluation.
// Every lane reduces the micro-batch slots in slot order, so results do not depend on timing.

import { gatherBatch } from '../src/data/batch.js';
import { commitBatchStats } from '../src/nn/layers/batch-norm.js';
import { stepInPlace } from '../src/optim/optimizer.js';
import { barrierWait } from '../src/pipeline/barrier.js';
import { microBatchRows, SYNC } from '../src/pipeline/plan.js';
import { gradientNorm, stepLoss } from '../src/pipeline/step-math.js';
import type { EvalSums, EvalTask, GradientTask, StepTask, UpdateTask } from '../src/pipeline/tasks.js';
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
    const first = task.start + k * plan.microBatchSize;
    gatherBatch(state.train, order, first, rows, net.input, net.labels);
    for (let i = 0; i < rows; i++) net.sampleIds[i] = order[first + i];
    losses[slot] = net.lossAndGradient(rows, task.step);
  }
}

/**
 * Over the lane's shard: g₀ ← Σₖ (nₖ/n)·gₖ in slot order, each norm block's Σg², and the
 * non-finite flag. Lane 0 also flags a non-finite loss.
 */
export function reduceShard(state: WorkerState, ring: number, lane: number, count: number): void {
  const { plan, norms, sync } = state;
  const shard = state.shard(ring, lane);
  const g0 = shard.u;
  const w0 = microBatchRows(plan, count, 0) / count;
  if (w0 !== 1) for (let i = 0; i < g0.length; i++) g0[i] *= w0;
  for (let k = 1; k < plan.microBatches; k++) {
    const rows = microBatchRows(plan, count, k);
    if (rows === 0) break;
    const wk = rows / count;
    const gk = shard.micro[k];
    for (let i = 0; i < g0.length; i++) g0[i] += wk * gk[i];
  }
  for (let b = shard.blocks[0]; b < shard.blocks[1]; b++) {
    const [lo, hi] = state.blockRanges[b];
    let sumSquares = 0;
    for (let i = lo - shard.start; i < hi - shard.start; i++) sumSquares += g0[i] * g0[i];
    norms[b] = sumSquares;
    if (!Number.isFinite(sumSquares)) Atomics.store(sync, SYNC.nonFinite, 1);
  }
  if (lane === 0 && !Number.isFinite(stepLoss(plan, state.losses, ring, count)))
    Atomics.store(sync, SYNC.nonFinite, 1);
}

/** Applies the optimizer to the lane's shard unless a lane flagged a non-finite value; lane 0 folds batch-norm stats. */
export function updateShard(state: WorkerState, task: UpdateTask): boolean {
  if (Atomics.load(state.sync, SYNC.nonFinite) !== 0) return false;
  const shard = state.shard(task.ring, task.lane);
  const ctx = { step: task.t, lrOverride: task.lrOverride, gradNorm: gradientNorm(state.norms) };
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
  barrierWait(state.sync, state.plan.lanes, state.init.barrierTimeoutMs);
  return updateShard(state, task);
}

/** Gradients, barrier, then the update phase: one task per lane per step (sync mode). */
export function step(state: WorkerState, task: StepTask): boolean {
  computeGradients(state, task);
  barrierWait(state.sync, state.plan.lanes, state.init.barrierTimeoutMs);
  return update(state, task);
}

/** Loss and correct-prediction sums over rows [start, start+count) of an evaluation set. */
export function evaluate(state: WorkerState, task: EvalTask, data = state.init.evalSets[task.set]): EvalSums {
  const net = state.evalNetwork(task.lane);
  const order = new Uint32Array(task.count);
  for (let i = 0; i < task.count; i++) order[i] = task.start + i;
  let lossSum = 0;
  let correct = 0;
  for (let s = 0; s < task.count; s += net.capacity) {
    const rows = Math.min(net.capacity, task.count - s);
    gatherBatch(data, order, s, rows, net.input, net.labels);
    const r = net.evaluateBatch(rows);
    lossSum += r.loss * rows;
    correct += r.correct;
  }
  return { lossSum, correct, n: task.count };
}
