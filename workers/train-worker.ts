// The Piscina worker entry: attaches to the run's shared memory once (from workerData) and exposes
// the named handlers the pool calls. A test-only hook can make one lane exit its thread mid-run.

import { workerData } from 'node:worker_threads';
import { type LaneWork, runChunk } from '../src/pipeline/sync/lane.js';
import type {
  ChunkTask,
  EvalSums,
  EvalTask,
  GradientTask,
  UpdateTask,
  WorkerInit,
} from '../src/pipeline/tasks.js';
import * as handlers from './handlers.js';
import { WorkerState } from './worker-state.js';

let state: WorkerState | undefined;
let lane: LaneWork | undefined;

function current(): WorkerState {
  state ??= new WorkerState(workerData as WorkerInit);
  return state;
}

/**
 * Exits this thread when a test asked for it: once per run (the flag lives in shared memory), or at
 * every attempt of the step with `always`.
 */
function maybeFail(s: WorkerState, task: { step?: number; lane: number }): void {
  const fault = s.init.faults;
  if (fault && task.step === fault.exitAtStep && task.lane === fault.lane) {
    if (fault.always || s.words.fireFaultOnce()) process.exit(1);
  }
}

/** Sync mode: one lane's share of a chunk of steps. Returns the last step it ran. */
export function chunk(task: ChunkTask): number {
  const s = current();
  lane ??= handlers.laneWork(s);
  return runChunk(lane, task, (step) => maybeFail(s, { step, lane: task.lane }));
}

/** Async mode, phase 1: one lane's gradients. */
export function gradients(task: GradientTask): void {
  const s = current();
  maybeFail(s, task);
  handlers.computeGradients(s, task);
}

/** Async mode, phase 2: one lane's reduce and update. */
export function update(task: UpdateTask): boolean {
  return handlers.update(current(), task);
}

/** Evaluation of a chunk of an evaluation set. */
export function evaluate(task: EvalTask): EvalSums {
  return handlers.evaluate(current(), task);
}
