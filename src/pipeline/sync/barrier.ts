// A reusable barrier for worker threads on the protocol's shared words: every lane of a step waits
// here until all have arrived (both modes: sync chunks thrice a step, async updates once). Waits are
// bounded and abortable, so a dead worker cannot hang the others. Also the main thread's wake-ups.

import { GradstreamError } from '../../errors.js';
import { WORD } from './protocol.js';

/** How long a lane waits between checks of the abort flag. */
const POLL_MS = 50;

/** Loads of the generation word between two looks at the clock while spinning (~7 µs). */
const SPIN_LOADS = 1000;

/** How long a lane waits at a barrier, fixed per run (made once: barrierWait runs thrice a step). */
export interface BarrierTiming {
  readonly timeoutMs: number;
  /** How long a lane spins before it sleeps (the `barrierSpinMs` option). */
  readonly spinMs: number;
}

/**
 * Blocks until `parties` threads have called it for the current generation. The last to arrive
 * bumps the generation and wakes the rest. Throws when the main thread raises the abort flag or
 * `timing.timeoutMs` passes (a lane died or never started).
 *
 * Two optional hooks run inside the barrier: `first` on the first lane to arrive (it would only wait:
 * work there is off the critical path, e.g. waking the main thread), `last` on the last lane to
 * arrive, before it releases the others (what it writes, every lane reads after the barrier). With
 * one party both run, `first` first. Hooks must not throw: the barrier would not be released.
 */
export function barrierWait(
  sync: Int32Array,
  parties: number,
  timing: BarrierTiming,
  first?: () => void,
  last?: () => void,
): void {
  const generation = Atomics.load(sync, GENERATION);
  const arrived = Atomics.add(sync, COUNT, 1);
  if (arrived === 0) first?.();
  if (arrived === parties - 1) {
    last?.();
    Atomics.store(sync, COUNT, 0);
    Atomics.add(sync, GENERATION, 1);
    Atomics.notify(sync, GENERATION);
    return;
  }
  if (!spunThrough(sync, generation, timing.spinMs))
    sleepUntilReleased(sync, generation, parties, timing.timeoutMs);
}

// The spin and the sleep are separate functions on purpose: with both in barrierWait, V8 optimised it
// from the hot spin loop (on-stack replacement) and deoptimised it on reaching the sleep path, which had
// no type feedback yet: it was recompiled over and over in a run (seen with `node --trace-deopt`).
const GENERATION = WORD.barrierGeneration;
const COUNT = WORD.barrierCount;
const ABORT = WORD.abort;

/** True once the generation moved on within `spinMs`. */
function spunThrough(sync: Int32Array, generation: number, spinMs: number): boolean {
  const until = performance.now() + spinMs;
  do {
    for (let i = 0; i < SPIN_LOADS; i++) if (Atomics.load(sync, GENERATION) !== generation) return true;
  } while (performance.now() < until);
  return false;
}

/** Sleeps on the generation word until released, checking the abort flag and the deadline. */
function sleepUntilReleased(sync: Int32Array, generation: number, parties: number, timeoutMs: number): void {
  const deadline = Date.now() + timeoutMs;
  while (Atomics.load(sync, GENERATION) === generation) {
    if (Atomics.load(sync, ABORT) !== 0) {
      throw new GradstreamError('ERR_WORKER', 'barrier: aborted by the main thread (another lane failed)');
    }
    if (Date.now() > deadline) {
      throw new GradstreamError(
        'ERR_WORKER',
        `barrier: timed out after ${timeoutMs} ms waiting for ${parties} lanes`,
      );
    }
    Atomics.wait(sync, GENERATION, generation, POLL_MS);
  }
}

/** Wake-ups the main thread waits on: a worker's message after it advanced a shared counter. */
export class Wakeups {
  #waiters: Array<() => void> = [];

  /** Resolves at the next `fire()`. */
  next(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Wakes everything waiting now. */
  fire(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

/**
 * Main thread: resolves true once `counter()` reaches `value`; false if `settled` (the tasks that would
 * advance it) resolves first. It sleeps on `wakeups` (fired by worker messages) rather than on
 * Atomics.waitAsync, which in Node 20 leaks memory per call and does not keep the event loop alive.
 */
export async function counterReached(
  counter: () => number,
  value: number,
  settled: Promise<unknown>,
  wakeups: Wakeups,
): Promise<boolean> {
  let gaveUp = false;
  const stop = settled.then(
    () => {
      gaveUp = true;
    },
    () => {
      gaveUp = true;
    },
  );
  while (counter() < value) {
    if (gaveUp) return counter() >= value;
    await Promise.race([wakeups.next(), stop]);
  }
  return true;
}
