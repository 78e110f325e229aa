// The lanes' barrier with real worker threads: per generation exactly one lane runs the `first` hook and
// one the `last` hook, and what `last` writes is visible to every lane once it is released.

import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { barrierWait } from '../../src/pipeline/sync/barrier.js';
import { WORD as SYNC } from '../../src/pipeline/sync/protocol.js';

describe('barrierWait', () => {
  it('runs first, then last, on a single party, and releases at once', () => {
    const sync = new Int32Array(new SharedArrayBuffer(4 * SYNC.length));
    const order: string[] = [];
    barrierWait(
      sync,
      1,
      { timeoutMs: 1000, spinMs: 0 },
      () => order.push('first'),
      () => order.push('last'),
    );
    expect(order).toEqual(['first', 'last']);
    expect(Atomics.load(sync, SYNC.barrierGeneration)).toBe(1);
    expect(Atomics.load(sync, SYNC.barrierCount)).toBe(0);
  });

  // Spinning 0.15 ms the lanes often sleep (they arrive up to 0.4 ms apart); spinning 2 ms, never.
  it.each([
    [2, 0.15],
    [3, 0.15],
    [2, 2],
    [3, 2],
  ])('runs each hook once per generation across %i worker threads (spin %f ms)', async (lanes, spinMs) => {
    const rounds = 200;
    const sync = new Int32Array(new SharedArrayBuffer(4 * SYNC.length));
    const log = new SharedArrayBuffer(4 * 3 * rounds);
    const url = new URL('./fixtures/barrier-lane.mjs', import.meta.url);
    const workers = Array.from(
      { length: lanes },
      (_, lane) => new Worker(url, { workerData: { sync, log, lanes, lane, rounds, spinMs } }),
    );
    await Promise.all(
      workers.map(
        (w) =>
          new Promise((resolve, reject) => {
            w.once('message', resolve);
            w.once('error', reject);
          }),
      ),
    );
    await Promise.all(workers.map((w) => w.terminate()));
    const view = new Int32Array(log);
    for (let r = 0; r < rounds; r++) {
      expect([view[3 * r], view[3 * r + 1], view[3 * r + 2]]).toEqual([1, 1, 1000 + r]);
    }
    expect(Atomics.load(sync, SYNC.barrierGeneration)).toBe(rounds);
  });

  it('throws when the abort flag is raised while a lane waits', () => {
    const sync = new Int32Array(new SharedArrayBuffer(4 * SYNC.length));
    Atomics.store(sync, SYNC.abort, 1);
    expect(() => barrierWait(sync, 2, { timeoutMs: 1000, spinMs: 0.1 })).toThrow(/aborted/);
  });
});
