// The work of a training step, as plain functions of (worker state, task descriptor): gradients of
// a lane's micro-batches; reduce, check and update of a lane's parameter shard; evaluation.
// Every lane reduces the micro-batch slots in slot order, so results do not depend on timing.

import { gatherBatch } from '../src/data/batch.js';
import { commitBatchStats } from '../src/nn/layers/batch-norm.js';
import { stepInPlace } from '../src/optim/optimizer.js';
import { barrierWait } from '../src/pipeline/barrier.js';
import { stepRows } from '../src/pipeline/batch-source.js';
import { MAX_CHUNK_STEPS, microBatchRows, RESULT, SYNC } from '../src/pipeline/plan.js';
import { gradientNorm, stepLoss } from '../src/pipeline/step-math.js';
import type { ChunkTask, EvalSums, EvalTask, GradientTask, UpdateTask } from '../src/pipeline/tasks.js';
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
  barrierWait(state.sync, state.plan.lanes, state.init.barrierTimeoutMs);
  return updateShard(state, task);
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

/** How long lane 0 waits for the main thread to ask for the next step before ending a chunk. */
const REQUEST_WAIT_MS = 5;

/**
 * Sync mode: runs steps `first`… of a chunk. Three barriers per step keep the lanes in lock step:
 * gradients complete (lane 0 then publishes the step's loss), norms complete, update complete (lane 0
 * then publishes the step's results and whether the chunk goes on). Returns the last step run.
 */
export function chunk(
  state: WorkerState,
  task: ChunkTask,
  beforeStep: (step: number) => void = () => {},
): number {
  const { plan, sync, results, control } = state;
  const schedule = state.init.schedule;
  const timeout = state.init.barrierTimeoutMs;
  const lead = task.lane === 0;
  let t = task.t0;
  // One gradient task and one update task, rewritten every step: a chunk allocates nothing per step.
  const grad = { step: 0, epoch: 0, start: 0, count: 0, ring: 0, lane: task.lane };
  const update = { t: 0, count: 0, ring: 0, lane: task.lane, lrOverride: undefined as number | undefined };
  for (let step = task.first; ; step++) {
    beforeStep(step);
    const rows = stepRows(schedule, step, grad);
    const at = RESULT.width * (step % MAX_CHUNK_STEPS);
    // Lane 0 fixes the step's learning rate before the first barrier, so every shard uses the same one.
    if (lead) results[at + RESULT.lrOverride] = control[0];
    computeGradients(state, grad);
    barrierWait(sync, plan.lanes, timeout);
    if (lead) {
      results[at + RESULT.loss] = stepLoss(plan, state.losses, 0, rows.count);
      Atomics.store(sync, SYNC.gradsDone, step);
      task.progress?.postMessage(step);
    }
    reduceShard(state, 0, task.lane, rows.count);
    barrierWait(sync, plan.lanes, timeout);
    const lr = results[at + RESULT.lrOverride];
    update.t = t + 1;
    update.count = rows.count;
    update.lrOverride = Number.isNaN(lr) ? undefined : lr;
    const applied = updateShard(state, update);
    if (applied) t++;
    if (lead) {
      results[at + RESULT.gradNorm] = gradientNorm(state.norms);
      results[at + RESULT.applied] = applied ? 1 : 0;
      const goOn =
        step < task.last && (applied || plan.nonFinite === 'skip') && nextRequested(sync, step + 1);
      Atomics.store(sync, SYNC.proceed, goOn ? 1 : 0);
      if (!goOn) Atomics.store(sync, SYNC.chunkEnd, step);
    }
    barrierWait(sync, plan.lanes, timeout);
    if (lead) {
      Atomics.store(sync, SYNC.nonFinite, 0); // every lane has read it; the next reduce may set it again
      Atomics.store(sync, SYNC.progress, step);
      task.progress?.postMessage(step);
    }
    if (Atomics.load(sync, SYNC.proceed) === 0) {
      task.progress?.close();
      return step;
    }
  }
}

/** True once the main thread has asked for `step`, waiting briefly for it. */
function nextRequested(sync: Int32Array, step: number): boolean {
  const deadline = Date.now() + REQUEST_WAIT_MS;
  for (
    let seen = Atomics.load(sync, SYNC.requested);
    seen < step;
    seen = Atomics.load(sync, SYNC.requested)
  ) {
    if (Date.now() > deadline) return false;
    Atomics.wait(sync, SYNC.requested, seen, 1);
  }
  return true;
}
