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

  it('keeps heap and RSS flat over 20,000 steps', () => {
    const result = child('long-run.ts', ['20000'], ['--expose-gc']);
    expect(result.status, result.stderr).toBe(0);
    const { steps, warm, end } = JSON.parse(result.stdout.trim());
    expect(steps).toBe(20000);
    // Growth after warm-up: a leak of even 100 bytes per step would add 1.8 MB of heap.
    expect(end.heap - warm.heap).toBeLessThan(1_500_000);
    expect(end.rss - warm.rss).toBeLessThan(30_000_000);
  });
});
