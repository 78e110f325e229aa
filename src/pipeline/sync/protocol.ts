// The sync protocol between the main thread and the lanes (worker threads): the shared words and the
// per-step results ring they exchange, owned here behind typed accessors. The main-thread half is
// chunks.ts (SyncChunks), the lanes' half lane.ts (runChunk); barrier.ts is the lock step.
//
// Sync mode runs *chunks*: one task per lane runs steps first…last in lock step, three barriers a step,
// without a message to the main thread in between. The main thread asks for steps (`requested`) and
// follows the lanes through two counters (`gradsDone`, `progress`); the lanes end a chunk where the
// main thread stops asking (pause, stop), at `last` (an evaluation, a histogram, a snapshot, a
// checkpoint, the run's end: the step plan's boundaries), or on a non-finite step under `stop`.
//
//   main thread (SyncChunks)                        lanes (runChunk), for each step n of the chunk
//   ────────────────────────                        ─────────────────────────────────────────────
//   gradients(n): requested ← max(requested, n) ──▶ gradients of the lane's micro-batches
//                                                  ── barrier A ── last lane decides:
//                 wait gradsDone ≥ n          ◀──     requested ≥ n (within 5 ms)? results[n].loss,
//                                                     gradsDone ← n; else chunkEnd ← n−1, wake, return
//                                                  reduce the lane's shard ── barrier B ── update it
//   update(n):    wait progress ≥ n           ◀──  ── barrier C ── last lane publishes results[n],
//                 (chunkEnd = n: at rest)             progress ← n; at `last` or a non-finite stop:
//                                                     chunkEnd ← n, wake, return
//                                                  first lane at C wakes the main thread when few
//                                                  asked-for steps are left (the lookahead)
//
//   A chunk's life:  idle ──ask──▶ running(first…last) ──returns──▶ ended (chunkEnd; its end is the
//   next chunk's base)   running ──a lane fails──▶ failed ──▶ snapshot restored, counters rewound,
//   the steps asked for replayed on fresh threads (at most maxAttempts times) ──▶ running
//
// Words only grow within a chunk (requested, gradsDone, progress), so a reader compares with ≥ and
// never misses a step; the barrier's last-arriver hooks make what they write visible to every lane.

import type { Arena, ArenaBuilder } from '../../tensor/arena.js';

/** Steps one sync task may run at most (the results ring is this long). */
export const MAX_CHUNK_STEPS = 256;

/** Indices of the `sync` Int32Array region. Only this folder reads them directly. */
export const WORD = {
  barrierCount: 0,
  barrierGeneration: 1,
  /** Raised by the main thread: every lane waiting at a barrier throws. */
  abort: 2,
  /** Raised by a lane whose shard's gradient (or lane 0's loss) is not finite. */
  nonFinite: 3,
  /** Test-only fault injection: a lane exits once per run. */
  faultFired: 4,
  /** The last step whose gradients are complete (the deciding lane writes, the main thread waits). */
  gradsDone: 5,
  /** The last step fully applied. */
  progress: 6,
  /** The highest step the main thread has asked for; lanes never run past it. */
  requested: 7,
  /** The deciding lane's verdict, read by every lane after a barrier: 1 go on, 0 end the chunk. */
  proceed: 8,
  /** The step a chunk ended at. */
  chunkEnd: 9,
  length: 10,
} as const;

/** Per-step results a chunk leaves for the main thread, at `RESULT.width * (step % MAX_CHUNK_STEPS)`. */
const RESULT = { loss: 0, gradNorm: 1, applied: 2, lrOverride: 3, width: 4 } as const;

const SYNC_REGION = 'sync';
const RESULTS_REGION = 'results';
const CONTROL_REGION = 'control';

/** Requests the protocol's shared regions (the words, the results ring, the learning-rate control). */
export function declareProtocolMemory(builder: ArenaBuilder): void {
  builder.i32(SYNC_REGION, WORD.length);
  builder.f64(RESULTS_REGION, MAX_CHUNK_STEPS * RESULT.width);
  builder.f64(CONTROL_REGION, 1);
}

/** The shared words of a run, as both sides read and write them. */
export class SyncWords {
  /** The raw words (the barrier works on them directly). */
  readonly words: Int32Array;

  constructor(words: Int32Array) {
    this.words = words;
  }

  /** The words of a run's arena. */
  static of(arena: Arena): SyncWords {
    return new SyncWords(arena.i32(SYNC_REGION));
  }

  /** Fresh words on their own shared buffer (tests, benches). */
  static create(): SyncWords {
    return new SyncWords(new Int32Array(new SharedArrayBuffer(4 * WORD.length)));
  }

  get requested(): number {
    return Atomics.load(this.words, WORD.requested);
  }
  get gradsDone(): number {
    return Atomics.load(this.words, WORD.gradsDone);
  }
  get progress(): number {
    return Atomics.load(this.words, WORD.progress);
  }
  get chunkEnd(): number {
    return Atomics.load(this.words, WORD.chunkEnd);
  }
  get proceed(): boolean {
    return Atomics.load(this.words, WORD.proceed) !== 0;
  }
  get nonFinite(): boolean {
    return Atomics.load(this.words, WORD.nonFinite) !== 0;
  }

  /** Main thread: asks for steps up to `step` (the request only grows) and wakes a lane waiting for it. */
  request(step: number): void {
    if (step > Atomics.load(this.words, WORD.requested)) {
      Atomics.store(this.words, WORD.requested, step);
      Atomics.notify(this.words, WORD.requested);
    }
  }

  /** Lane: true once `step` was asked for, waiting for it at most `waitMs`. */
  waitForRequest(step: number, waitMs: number): boolean {
    const deadline = Date.now() + waitMs;
    for (let seen = this.requested; seen < step; seen = this.requested) {
      if (Date.now() > deadline) return false;
      Atomics.wait(this.words, WORD.requested, seen, 1);
    }
    return true;
  }

  setGradsDone(step: number): void {
    Atomics.store(this.words, WORD.gradsDone, step);
  }
  setProgress(step: number): void {
    Atomics.store(this.words, WORD.progress, step);
  }
  setChunkEnd(step: number): void {
    Atomics.store(this.words, WORD.chunkEnd, step);
  }
  setProceed(go: boolean): void {
    Atomics.store(this.words, WORD.proceed, go ? 1 : 0);
  }
  raiseNonFinite(): void {
    Atomics.store(this.words, WORD.nonFinite, 1);
  }
  clearNonFinite(): void {
    Atomics.store(this.words, WORD.nonFinite, 0);
  }

  /** Main thread: the chunk counters all at `step` (a chunk starts after it, or a replay from it). */
  rewind(step: number): void {
    for (const index of [WORD.gradsDone, WORD.progress, WORD.chunkEnd])
      Atomics.store(this.words, index, step);
  }

  /** Main thread, with no task in flight: clears the barrier and the flags for the next task. */
  reset(): void {
    Atomics.store(this.words, WORD.barrierCount, 0);
    Atomics.store(this.words, WORD.abort, 0);
    Atomics.store(this.words, WORD.nonFinite, 0);
  }

  /** Main thread: wakes every lane waiting at a barrier, which then throws. */
  abort(): void {
    Atomics.store(this.words, WORD.abort, 1);
    Atomics.notify(this.words, WORD.barrierGeneration);
  }

  /** Test-only: true for the first caller of the run only. */
  fireFaultOnce(): boolean {
    return Atomics.compareExchange(this.words, WORD.faultFired, 0, 1) === 0;
  }
}

/** What one step of a chunk left in the results ring. */
export interface StepRecord {
  readonly loss: number;
  readonly gradNorm: number;
  readonly applied: boolean;
  /** The learning-rate override the step used (undefined: the schedule's). */
  readonly lrOverride: number | undefined;
}

/** The per-step results ring: the lanes write a step's numbers, the main thread reads them. */
export class StepResults {
  readonly #values: Float64Array;

  constructor(arena: Arena) {
    this.#values = arena.f64(RESULTS_REGION);
  }

  #at(step: number): number {
    return RESULT.width * (step % MAX_CHUNK_STEPS);
  }

  /** Lane 0, before the step's first barrier: the learning-rate override every shard will use (NaN: none). */
  setLrOverride(step: number, lr: number): void {
    this.#values[this.#at(step) + RESULT.lrOverride] = lr;
  }
  /** The step's learning-rate override, NaN for none (lanes read it without allocating). */
  lrOverrideRaw(step: number): number {
    return this.#values[this.#at(step) + RESULT.lrOverride];
  }
  setLoss(step: number, loss: number): void {
    this.#values[this.#at(step) + RESULT.loss] = loss;
  }
  loss(step: number): number {
    return this.#values[this.#at(step) + RESULT.loss];
  }
  /** The deciding lane at barrier C: the step's gradient norm and whether its update applied. */
  publish(step: number, gradNorm: number, applied: boolean): void {
    const at = this.#at(step);
    this.#values[at + RESULT.gradNorm] = gradNorm;
    this.#values[at + RESULT.applied] = applied ? 1 : 0;
  }
  applied(step: number): boolean {
    return this.#values[this.#at(step) + RESULT.applied] === 1;
  }
  /** Updates applied over steps first…last. */
  appliedBetween(first: number, last: number): number {
    let n = 0;
    for (let s = first; s <= last; s++) n += this.#values[this.#at(s) + RESULT.applied];
    return n;
  }
  /** Main thread: a step's numbers, once its `progress` is published. */
  read(step: number): StepRecord {
    const at = this.#at(step);
    const lr = this.#values[at + RESULT.lrOverride];
    return {
      loss: this.#values[at + RESULT.loss],
      gradNorm: this.#values[at + RESULT.gradNorm],
      applied: this.#values[at + RESULT.applied] === 1,
      lrOverride: Number.isNaN(lr) ? undefined : lr,
    };
  }
}

/** The learning-rate override the main thread sets and the lanes read at each step's start. */
export class LearningRateControl {
  readonly #value: Float64Array;

  constructor(arena: Arena) {
    this.#value = arena.f64(CONTROL_REGION);
  }

  /** Steps that start from now on use `lr` (undefined: the schedule). */
  set(lr: number | undefined): void {
    this.#value[0] = lr ?? Number.NaN;
  }
  /** The override, NaN for none. */
  get raw(): number {
    return this.#value[0];
  }
}
