// Run lifecycle in real child processes: stopping mid-run lets the process exit (no live threads),
// and a long run keeps heap and RSS flat.

import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

function child(script: string, args: string[] = [], nodeArgs: string[] = []) {
  return spawnSync(
    process.execPath,
    [...nodeArgs, '--import', 'tsx', `test/pipeline/fixtures/${script}`, ...args],
    {
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
}

describe('run lifecycle', () => {
  it('ends with a stopped end event and lets the process exit when stopped mid-run', () => {
    const result = child('stop-mid-run.ts');
    expect(result.error).toBeUndefined(); // a hang would hit the timeout and set error
    expect(result.status).toBe(0);
    const last = JSON.parse(result.stdout.trim());
    expect(last).toMatchObject({ type: 'end', reason: 'stopped' });
    expect(last.step).toBeGreaterThanOrEqual(5);
    expect(last.step).toBeLessThan(10);
  });

  it('keeps heap and RSS flat over 60,000 steps', () => {
    const result = child('long-run.ts', ['60000'], ['--expose-gc']);
    expect(result.status, result.stderr).toBe(0);
    const { steps, warm, end } = JSON.parse(result.stdout.trim());
    expect(steps).toBe(60000);
    // Growth over the last 40,000 steps: a leak of even 50 bytes per step would add 2 MB of heap,
    // and of 1 KB per step (in any thread) 40 MB of RSS. (RSS also holds the worker threads' heaps, which
    // settle at their working size: 80,000 and 160,000 steps end at the same RSS.)
    expect(end.heap - warm.heap).toBeLessThan(1_500_000);
    expect(end.rss - warm.rss).toBeLessThan(40_000_000);
  });

  it("releases each sync chunk's wake-up ports: RSS flat over 20,000 one-step chunks", () => {
    // snapshotEvery 1: a chunk (a task per lane, a transferred wake-up port each) every step. With
    // Piscina's idle threads parked in a synchronous Atomics.wait the closed ports were never released:
    // +82 MB over the last 13,333 chunks (~6 KB a chunk), against +6 MB with them waiting on their loop.
    const result = child('long-run.ts', ['20000', '1'], ['--expose-gc']);
    expect(result.status, result.stderr).toBe(0);
    const { steps, warm, end } = JSON.parse(result.stdout.trim());
    expect(steps).toBe(20000);
    expect(end.rss - warm.rss).toBeLessThan(25_000_000);
  });
});
