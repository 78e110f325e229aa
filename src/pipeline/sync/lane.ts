// The sync protocol's lane half (see protocol.ts for the picture): one worker thread's share of a
// chunk of steps, in lock step with the other lanes on three barriers a step. The step's work itself
// (gradients, reduce, update) is the worker's; this module only sequences it and talks to the main
// thread through the shared words.

import { type BatchSchedule, stepRows } from '../batch-source.js';
import type { PipelinePlan } from '../plan.js';
import type { ChunkTask, GradientTask, UpdateTask } from '../tasks.js';
import { type BarrierTiming, barrierWait } from './barrier.js';
import type { LearningRateControl, StepResults, SyncWords } from './protocol.js';

/** How long a lane waits for the main thread to ask for the next step before ending a chunk. */
const REQUEST_WAIT_MS = 5;

/** A lane's view of the run and its step's work, as a worker provides them. */
export interface LaneWork {
  readonly plan: PipelinePlan;
  readonly schedule: BatchSchedule;
  readonly barrier: BarrierTiming;
  readonly words: SyncWords;
  readonly results: StepResults;
  readonly control: LearningRateControl;
  /** Loss and gradients of the lane's micro-batches of a step (ring entry 0). */
  gradients(task: GradientTask): void;
  /** Reduces the lane's shard of the micro-batch gradients (ring entry 0); flags non-finite values. */
  reduce(lane: number, count: number): void;
  /** Applies the update to the lane's shard unless a lane flagged a non-finite value; true if applied. */
  update(task: UpdateTask): boolean;
  /** The step's mean loss over its micro-batches (ring entry 0). */
  stepLoss(count: number): number;
  /** The step's global gradient norm, from every shard's block sums. */
  gradientNorm(): number;
}

/**
 * Runs steps `first`… of a chunk, the lanes in lock step on three barriers per step:
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
 * Returns the step the chunk ended at (the last whose update ran). Allocates nothing per step.
 */
export function runChunk(
  work: LaneWork,
  task: ChunkTask,
  beforeStep: (step: number) => void = () => {},
): number {
  const { plan, words, results, control, barrier } = work;
  const lead = task.lane === 0;
  let t = task.t0;
  // One gradient task and one update task, rewritten every step.
  const grad = { step: 0, epoch: 0, start: 0, count: 0, ring: 0, lane: task.lane };
  const update = { t: 0, count: 0, ring: 0, lane: task.lane, lrOverride: undefined as number | undefined };
  let step = task.first;
  let applied = false;
  const wake = () => task.progress?.postMessage(0);
  // Woken when at most `margin` asked-for steps are left (or at the chunk's end), the main thread has
  // those steps' time to ask for more before the lanes would wait for it; it wakes every
  // lookahead − margin steps and takes a lane's core that much less often.
  const margin = plan.lookahead >> 2;
  const wakeIfLow = () => {
    if (words.requested - step <= margin) wake();
  };
  // The hooks close over `step` and `applied`: made once per chunk, not per step.
  const decide = () => {
    const go = words.waitForRequest(step, REQUEST_WAIT_MS);
    words.setProceed(go);
    if (go) {
      results.setLoss(step, work.stepLoss(grad.count));
      words.setGradsDone(step);
    } else {
      words.setChunkEnd(step - 1);
      wake();
    }
  };
  const publish = () => {
    results.publish(step, work.gradientNorm(), applied);
    words.clearNonFinite(); // every lane has read it; the next step may set it again
    words.setProgress(step);
    const goOn = step < task.last && (applied || plan.nonFinite === 'skip');
    words.setProceed(goOn);
    if (!goOn) {
      words.setChunkEnd(step);
      wake();
    }
  };
  for (; ; step++) {
    beforeStep(step);
    stepRows(work.schedule, step, grad);
    // Lane 0 fixes the step's learning rate before the first barrier, so every shard uses the same one.
    if (lead) results.setLrOverride(step, control.raw);
    work.gradients(grad);
    barrierWait(words.words, plan.lanes, barrier, undefined, decide);
    if (!words.proceed) break; // not asked for: the chunk ends before it
    work.reduce(task.lane, grad.count);
    barrierWait(words.words, plan.lanes, barrier);
    const lr = results.lrOverrideRaw(step);
    update.t = t + 1;
    update.count = grad.count;
    update.lrOverride = Number.isNaN(lr) ? undefined : lr;
    applied = work.update(update);
    if (applied) t++;
    barrierWait(words.words, plan.lanes, barrier, wakeIfLow, publish);
    if (!words.proceed) break;
  }
  task.progress?.close();
  return words.chunkEnd;
}
