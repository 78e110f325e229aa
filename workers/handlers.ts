// The work of a training step, as plain functions of (worker state, task descriptor): gradients of
// a lane's micro-batches; reduce, check and update of a lane's parameter shard; evaluation.
// Every lane reduces the micro-batch slots in slot order, so results do not depend on timing.

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
    net.loadBatch(state.train, order, task.start + k * plan.microBatchSize, rows);
    losses[slot] = net.lossAndGradient(rows, task.step);
  }
}

/**
 * Over the lane's shard: g₀ ← Σₖ (nₖ/n)·gₖ in slot order, each norm block's Σg², and the
 * non-finite flag. Lane 0 also flags a non-finite loss.
 */
export function reduceShard(state: WorkerState, ring: number, lane: number, count: number): void {
  const { plan, norms, sync, kernels } = state;
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
  barrierWait(state.sync, state.plan.lanes, state.init.barrier);
  return updateShard(state, task);
}

/** Loss and correct-prediction sums over rows [start, start+count) of an evaluation set. */
export function evaluate(state: WorkerState, task: EvalTask, data = state.evalSets[task.set]): EvalSums {
  const net = state.evalNetwork(task.lane);
  const order = new Uint32Array(task.count);
  for (let i = 0; i < task.count; i++) order[i] = task.start + i;
  let lossSum = 0;
  let correct = 0;
  for (let s = 0; s < task.count; s += net.capacity) {
    const rows = Math.min(net.capacity, task.count - s);
    net.loadBatch(data, order, s, rows);
    const r = net.evaluateBatch(rows);
    lossSum += r.loss * rows;
    correct += r.correct;
  }
  return { lossSum, correct, n: task.count };
}

/** How long a lane waits for the main thread to ask for the next step before ending a chunk. */
const REQUEST_WAIT_MS = 5;

/**
 * Sync mode: runs steps `first`… of a chunk, the lanes in lock step on three barriers per step:
 *
 * - A, gradients complete. The last lane to arrive decides whether the step runs at all: only if the
 *   main thread asked for it (it stops asking to pause or stop). A step not asked for ends the chunk
 *   before its update, so its gradients were computed for nothing but the state stays the previous
 *   step's. Checking here, not before the gradients, gives the main thread a whole gradient phase to
 *   ask, so the lanes do not wait for it mid-chunk.
 * - B, every shard is reduced: its squared norms are in and any lane's non-finite flag is raised, so
 *   all lanes agree whether the update applies (no shard is ever updated alone).
 * - C, every shard is updated. Its last lane publishes the step; its first lane, which would only wait,
 *   wakes the main thread (off the critical path) when few of the steps it asked for are left: with a
 *   lookahead of L it has asked up to L steps ahead, so it handles several steps per wake-up.
 *
 * Returns the last step whose update ran.
 */
export function chunk(
  state: WorkerState,
  task: ChunkTask,
  beforeStep: (step: number) => void = () => {},
): number {
  const { plan, sync, results, control } = state;
  const schedule = state.init.schedule;
  const timing = state.init.barrier;
  const lead = task.lane === 0;
  let t = task.t0;
  // One gradient task and one update task, rewritten every step: a chunk allocates nothing per step.
  const grad = { step: 0, epoch: 0, start: 0, count: 0, ring: 0, lane: task.lane };
  const update = { t: 0, count: 0, ring: 0, lane: task.lane, lrOverride: undefined as number | undefined };
  let step = task.first;
  let at = 0;
  let applied = false;
  const wake = () => task.progress?.postMessage(0);
  // Woken when at most `margin` asked-for steps are left (or at the chunk's end), the main thread has
  // those steps' time to ask for more before the lanes would wait for it; it wakes every
  // lookahead − margin steps and takes a lane's core that much less often.
  const margin = plan.lookahead >> 2;
  const wakeIfLow = () => {
    if (Atomics.load(sync, SYNC.requested) - step <= margin) wake();
  };
  // The hooks close over `step`, `at`, `applied`: made once per chunk, not per step.
  const decide = () => {
    const go = nextRequested(sync, step);
    Atomics.store(sync, SYNC.proceed, go ? 1 : 0);
    if (go) {
      results[at + RESULT.loss] = stepLoss(plan, state.losses, 0, grad.count);
      Atomics.store(sync, SYNC.gradsDone, step);
    } else {
      Atomics.store(sync, SYNC.chunkEnd, step - 1);
      wake();
    }
  };
  const publish = () => {
    results[at + RESULT.gradNorm] = gradientNorm(state.norms);
    results[at + RESULT.applied] = applied ? 1 : 0;
    Atomics.store(sync, SYNC.nonFinite, 0); // every lane has read it; the next step may set it again
    Atomics.store(sync, SYNC.progress, step);
    const goOn = step < task.last && (applied || plan.nonFinite === 'skip');
    Atomics.store(sync, SYNC.proceed, goOn ? 1 : 0);
    if (!goOn) {
      Atomics.store(sync, SYNC.chunkEnd, step);
      wake();
    }
  };
  for (; ; step++) {
    beforeStep(step);
    stepRows(schedule, step, grad);
    at = RESULT.width * (step % MAX_CHUNK_STEPS);
    // Lane 0 fixes the step's learning rate before the first barrier, so every shard uses the same one.
    if (lead) results[at + RESULT.lrOverride] = control[0];
    computeGradients(state, grad);
    barrierWait(sync, plan.lanes, timing, undefined, decide);
    if (Atomics.load(sync, SYNC.proceed) === 0) break; // not asked for: the chunk ends before it
    reduceShard(state, 0, task.lane, grad.count);
    barrierWait(sync, plan.lanes, timing);
    const lr = results[at + RESULT.lrOverride];
    update.t = t + 1;
    update.count = grad.count;
    update.lrOverride = Number.isNaN(lr) ? undefined : lr;
    applied = updateShard(state, update);
    if (applied) t++;
    barrierWait(sync, plan.lanes, timing, wakeIfLow, publish);
    if (Atomics.load(sync, SYNC.proceed) === 0) break;
  }
  task.progress?.close();
  return Atomics.load(sync, SYNC.chunkEnd);
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
