// The sync protocol's main-thread half (see protocol.ts for the picture): starts chunks as steps are
// asked for, follows the lanes' counters, reports each step from the results ring, and rolls a
// failed chunk back to the last snapshot and replays it.

import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { GradstreamError } from '../../errors.js';
import type { Arena } from '../../tensor/arena.js';
import type { PipelinePlan } from '../plan.js';
import type { StateSnapshot } from '../snapshot.js';
import type { ChunkTask } from '../tasks.js';
import { counterReached, Wakeups } from './barrier.js';
import { MAX_CHUNK_STEPS, type StepRecord, StepResults, SyncWords } from './protocol.js';

/** What one step of a chunk left in the results ring, with where the chunk stands after it. */
export interface ChunkStepResult extends StepRecord {
  /** Updates applied up to and including this step. */
  readonly updates: number;
  /** The chunk ended at this step and nothing later was asked for: the state is this step's. */
  readonly quiescent: boolean;
}

interface Chunk {
  readonly first: number;
  readonly last: number;
  /** Updates applied before `first`. */
  readonly t0: number;
  readonly done: Promise<unknown>;
  settled: boolean;
  error: unknown;
}

/** Options of {@link SyncChunks}. */
export interface SyncChunksOptions {
  readonly plan: PipelinePlan;
  readonly memory: Arena;
  readonly snapshot: StateSnapshot;
  readonly snapshotEvery: number;
  readonly maxAttempts: number;
  /** Runs one chunk task per lane (transferring the progress port to lane 0); resolves when all returned. */
  readonly dispatch: (
    task: (lane: number) => ChunkTask,
    transfer: (lane: number) => MessagePort[],
  ) => Promise<unknown>;
  /** The last step a chunk starting at `first` may run (the next evaluation, checkpoint, … or the end). */
  readonly lastStepFrom: (first: number) => number;
}

/** Drives sync chunks: starts them as steps are asked for, waits on their counters, recovers. */
export class SyncChunks {
  readonly #o: SyncChunksOptions;
  readonly #words: SyncWords;
  readonly #results: StepResults;
  #chunk: Chunk | undefined;
  /** The state after the last finished chunk: steps completed, updates applied. */
  #base: { step: number; updates: number };
  #attempts = 0;
  readonly #wakeups = new Wakeups();
  readonly #gradsDone = () => this.#words.gradsDone;
  readonly #progress = () => this.#words.progress;

  constructor(o: SyncChunksOptions, start: { step: number; updates: number }) {
    this.#o = o;
    this.#words = SyncWords.of(o.memory);
    this.#results = new StepResults(o.memory);
    this.#base = { ...start };
    this.#words.rewind(start.step);
  }

  /**
   * Asks for `step` (starting a chunk when none runs) and resolves once its gradients are complete,
   * with how many steps after it the lanes run before the chunk's end (capped at the lookahead).
   */
  async gradients(step: number): Promise<{ loss: number; ahead: number }> {
    // Steps may be asked for out of order when several are drawn at once: the request only grows.
    this.#words.request(step);
    await this.#until(this.#gradsDone, step);
    const last = this.#chunk?.last ?? step;
    return {
      loss: this.#results.loss(step),
      ahead: Math.max(0, Math.min(this.#o.plan.lookahead, last - step)),
    };
  }

  /** Resolves with `step`'s results once its update is applied on every shard. */
  async update(step: number): Promise<ChunkStepResult> {
    const words = this.#words;
    await this.#until(this.#progress, step);
    const chunk = this.#chunk;
    if (chunk && words.requested <= step) {
      // Nothing later asked for (pausing, stopping, or the run's end): the lanes end the chunk at the
      // next step's first barrier, unless that step is asked for meanwhile. Wait for either, so that
      // a step the run stops at is known as the chunk's end, a safe point.
      while (!chunk.settled && words.chunkEnd !== step && words.gradsDone <= step) {
        await Promise.race([this.#wakeups.next(), chunk.done.catch(() => {})]);
      }
    }
    const record = this.#results.read(step);
    const updates =
      chunk && step >= chunk.first
        ? chunk.t0 + this.#results.appliedBetween(chunk.first, step)
        : this.#base.updates;
    let quiescent = false;
    if (chunk && words.chunkEnd === step && words.progress === step) {
      await this.#finish(chunk);
      quiescent = words.requested <= step;
      this.#attempts = 0;
      const snap = this.#o.snapshot;
      if (quiescent && step - snap.steps >= this.#o.snapshotEvery) snap.take(updates, step);
    }
    return { ...record, updates, quiescent };
  }

  /**
   * After a failure: brings the shared state to the state after `step` (with `updates` applied), a
   * step already reported, with no lane running. The state in memory serves when the last chunk
   * ended cleanly with nothing applied after `step` (a non-finite stop, skipped steps); otherwise
   * (a failed chunk, or steps applied past `step`) the snapshot is restored and the steps up to
   * `step` replayed once on fresh workers, bit for bit as before. False when that fails too, or the
   * snapshot is already past `step`.
   */
  async restoreTo(step: number, updates: number): Promise<boolean> {
    const chunk = this.#chunk;
    if (chunk) {
      // Nothing more is asked for: the lanes end the chunk at their next request check.
      await chunk.done.catch(() => {});
      if (chunk.error === undefined) await this.#finish(chunk);
    }
    if (!this.#chunk && this.#base.step >= step && this.#base.updates === updates) return true;
    const snap = this.#o.snapshot;
    if (snap.steps > step) return false;
    snap.restore();
    this.#words.rewind(snap.steps);
    this.#base = { step: snap.steps, updates: snap.updates };
    this.#chunk = undefined;
    while (this.#base.step < step) {
      const first = this.#base.step + 1;
      const last = Math.min(step, first + MAX_CHUNK_STEPS - 1);
      this.#words.request(last);
      const replay = this.#launch(first, last, this.#base.updates);
      await replay.done.catch(() => {});
      if (replay.error !== undefined || this.#words.chunkEnd !== last) return false;
      await this.#finish(replay);
    }
    return this.#base.updates === updates;
  }

  /** After a chunk returned normally: its end becomes the base the next chunk starts from. */
  async #finish(chunk: Chunk): Promise<void> {
    await chunk.done.catch(() => {});
    if (this.#chunk !== chunk) return;
    const end = this.#words.chunkEnd;
    this.#base = { step: end, updates: chunk.t0 + this.#results.appliedBetween(chunk.first, end) };
    this.#chunk = undefined;
  }

  #start(): void {
    const first = this.#base.step + 1;
    const last = Math.min(
      this.#o.lastStepFrom(first),
      first + MAX_CHUNK_STEPS - 1,
      first + this.#o.snapshotEvery - 1,
    );
    this.#launch(first, last, this.#base.updates);
  }

  #launch(first: number, last: number, t0: number): Chunk {
    this.#words.reset();
    // A channel per lane: whichever lane has slack posts the step's wake-up to the main thread.
    const channels = Array.from({ length: this.#o.plan.lanes }, () => new MessageChannel());
    for (const channel of channels) channel.port1.on('message', () => this.#wakeups.fire());
    const done = this.#o.dispatch(
      (lane) => ({ first, last, t0, lane, progress: channels[lane].port2 }),
      (lane) => [channels[lane].port2],
    );
    done
      .finally(() => {
        for (const channel of channels) channel.port1.close();
      })
      .catch(() => {});
    const chunk: Chunk = { first, last, t0, done, settled: false, error: undefined };
    done.then(
      () => {
        chunk.settled = true;
      },
      (error) => {
        chunk.settled = true;
        chunk.error = error;
        this.#words.abort(); // wake the lanes still waiting, so the chunk settles promptly
      },
    );
    this.#chunk = chunk;
    return chunk;
  }

  /** Waits for a counter to reach `step`: starts chunks as needed and recovers from failed ones. */
  async #until(counter: () => number, step: number): Promise<void> {
    for (;;) {
      if (counter() >= step && !this.#chunk?.error) return;
      if (!this.#chunk) this.#start();
      const chunk = this.#chunk as Chunk;
      if (await counterReached(counter, step, chunk.done, this.#wakeups)) return;
      await chunk.done.catch(() => {});
      // Several steps may wait at once (the lookahead): the first to get here finishes or recovers
      // the chunk, the others then find its successor.
      if (this.#chunk !== chunk) continue;
      if (chunk.error === undefined)
        await this.#finish(chunk); // ended short of `step`: continue with a new chunk
      else await this.#recover(step, chunk.error);
    }
  }

  /** Restores the snapshot and replays every step up to the furthest one asked for, on fresh workers. */
  async #recover(step: number, error: unknown): Promise<void> {
    this.#attempts++;
    if (this.#attempts >= this.#o.maxAttempts) {
      throw new GradstreamError(
        'ERR_WORKER',
        `step ${step}: stage gradients/update failed after ${this.#o.maxAttempts} attempts: ${(error as Error)?.message ?? error}`,
        { cause: { step, stage: 'chunk', error } },
      );
    }
    const snap = this.#o.snapshot;
    snap.restore();
    this.#words.rewind(snap.steps);
    this.#base = { step: snap.steps, updates: snap.updates };
    const last = Math.max(step, this.#words.requested);
    this.#launch(snap.steps + 1, last, snap.updates);
  }
}
