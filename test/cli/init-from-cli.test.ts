// `train --init-from FILE.safetensors`, the real CLI as a child: a run exported, a second run started
// from the file with a learning rate too small to move a float32 weight: its test evaluation equals
// the exported model's accuracy (`predict` on the file) and the first run's. A file of another model
// is refused in one line naming both, before the run is stored.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunStore } from '../../src/store/run-store.js';
import { hasStackTrace, runCli, stderrLines } from './cli-child.js';

let dir = '';
const file = () => join(dir, 'a.safetensors');
const tiny = ['--hidden', '16', '--train-limit', '1000', '--no-dashboard', '--no-wait', '--json'];

/** The test accuracy a `--json` run printed. */
function testAccuracy(stdout: string): number {
  for (const line of stdout.trim().split('\n')) {
    const e = JSON.parse(line) as { type: string; split?: string; accuracy?: number };
    if (e.type === 'eval' && e.split === 'test') return e.accuracy!;
  }
  throw new Error(`no test evaluation in ${stdout.slice(0, 200)}`);
}

let first = Number.NaN;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gradstream-init-from-'));
  const a = await runCli(['train', '--store', dir, '--name', 'a', '--steps', '60', ...tiny]);
  expect(a.status, a.stderr).toBe(0);
  first = testAccuracy(a.stdout);
  const e = await runCli(['export', 'a', '--store', dir, '--format', 'safetensors', '--out', file()]);
  expect(e.status, e.stderr).toBe(0);
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('train --init-from', () => {
  it("starts from the file's weights: its first evaluation is the exported model's accuracy", async () => {
    const p = await runCli(['predict', file()]);
    expect(p.status, p.stderr).toBe(0);
    const exported = Number(/correct; ([\d.]+)\)/.exec(p.stderr)![1]);
    expect(exported).toBe(first);
    // sgd with lr 2^-100: an update of ~1e-30 leaves every float32 weight as it was.
    const b = await runCli([
      'train',
      '--store',
      dir,
      '--name',
      'b',
      '--init-from',
      file(),
      '--optimizer',
      'sgd',
      '--lr',
      String(2 ** -100),
      '--steps',
      '1',
      '--seed',
      '9',
      ...tiny,
    ]);
    expect(b.status, b.stderr).toBe(0);
    expect(b.stderr).toContain(`; starting from the weights of ${file()}`);
    expect(testAccuracy(b.stdout)).toBe(exported);
    // Without the file the same run starts from random weights: near chance.
    const c = await runCli([
      'train',
      '--store',
      dir,
      '--name',
      'c',
      '--optimizer',
      'sgd',
      '--lr',
      String(2 ** -100),
      '--steps',
      '1',
      ...tiny,
    ]);
    expect(c.status, c.stderr).toBe(0);
    expect(testAccuracy(c.stdout)).toBeLessThan(0.3);
  });

  it('refuses a file of another model in one line naming both, and stores no run', async () => {
    const r = await runCli([
      'train',
      '--store',
      dir,
      '--name',
      'wide',
      '--init-from',
      file(),
      '--steps',
      '1',
      ...tiny.slice(2),
      '--hidden',
      '32',
    ]);
    expect(r.status).toBe(2);
    expect(stderrLines(r)).toEqual([
      `gradstream: model.initFrom ${file()}: the file's model is 784-16-10 without batch norm, the run's is 784-32-10 without batch norm`,
    ]);
    expect(hasStackTrace(r.stderr)).toBe(false);
    const store = RunStore.open({ dir, readonly: true });
    try {
      expect(store.findRun('wide')).toBeUndefined();
    } finally {
      store.close();
    }
  });
});
