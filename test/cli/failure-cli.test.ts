// The real `gradstream` binary on a run that fails: a non-finite loss under `stop` and too many skipped
// steps under `skip` each exit 1 with one line that says how to resume, after a checkpoint of the last
// good step; that checkpoint equals an uninterrupted run's at that step, and `resume` continues from it.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointDir, latestCheckpoint, listCheckpoints } from '../../src/store/checkpoint.js';
import { CLI } from '../helpers/cli.js';
import { onlyRun } from './only-run.js';

const gradstream = (...args: string[]) =>
  spawnSync(process.execPath, [...CLI, ...args], { encoding: 'utf8', timeout: 120_000 });

/** A small job whose learning rate jumps to 1e30 after 20 updates: a blow-up a few steps later. */
function jobFile(dir: string, optimizer: object): string {
  const path = join(dir, 'job.json');
  writeFileSync(
    path,
    JSON.stringify({
      model: { hidden: [16] },
      optimizer,
      data: { trainLimit: 3200, validation: 0.1 },
      batchSize: 64,
      steps: 60,
      workers: 2,
      checkpoint: { everySteps: 0, everyMinutes: 0 },
      dashboard: { enabled: false },
    }),
  );
  return path;
}

const jump = { name: 'sgd', lr: 0.05, schedule: { kind: 'step', every: 20, gamma: 1e31 } };

/** The error lines of a child's stderr (the start line and progress aside). */
const lastLine = (stderr: string) => stderr.trim().split('\n').at(-1) ?? '';

describe('gradstream train: a failing run keeps the work done', () => {
  it('a non-finite loss under stop: exit 1, a checkpoint of the step before, equal to a clean run’s, and one line saying how to resume', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradstream-fail-'));
    const store = join(dir, 'runs');
    const job = jobFile(dir, jump);
    const failed = gradstream('train', '--config', job, '--store', store);
    expect(failed.status, failed.stderr).toBe(1);
    const run = onlyRun(store);
    const line = lastLine(failed.stderr);
    const match =
      /^gradstream: step (\d+): loss is \S+.*; resume with: gradstream resume (\S+) --store (\S+) \(checkpoint of step (\d+)\)$/.exec(
        line,
      );
    expect(match, failed.stderr).not.toBeNull();
    const [, n, id, storeArg, kept] = match!;
    expect(id).toBe(run.id);
    expect(storeArg).toBe(store);
    expect(Number(kept)).toBe(Number(n) - 1);
    expect(run.status).toBe('failed');
    expect(run.error).toContain(`step ${n}: loss is`);

    const found = latestCheckpoint(checkpointDir(store, run.id));
    expect(found?.checkpoint.step).toBe(Number(n) - 1);
    // The same job stopped by its own length at step n − 1 ends with a checkpoint there: the same state.
    const cleanStore = join(dir, 'clean');
    const clean = gradstream(
      'train',
      '--config',
      job,
      '--steps',
      String(Number(n) - 1),
      '--store',
      cleanStore,
    );
    expect(clean.status, clean.stderr).toBe(0);
    const reference = latestCheckpoint(checkpointDir(cleanStore, onlyRun(cleanStore).id))!.checkpoint;
    expect(reference.step).toBe(Number(n) - 1);
    const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    expect(bytes(found!.checkpoint.params).equals(bytes(reference.params))).toBe(true);
    for (const name of Object.keys(reference.slots))
      expect(bytes(found!.checkpoint.slots[name]).equals(bytes(reference.slots[name])), name).toBe(true);

    // resume continues from it (and, the blow-up being deterministic, meets it again at step n).
    const resumed = gradstream('resume', run.id, '--store', store, '--no-dashboard');
    expect(resumed.stderr).toContain(`(step ${Number(n) - 1})`);
    expect(resumed.status, resumed.stderr).toBe(1);
    expect(lastLine(resumed.stderr)).toMatch(new RegExp(`^gradstream: step ${n}: loss is .*; resume with: `));
  });

  it('--non-finite skip stops after --max-skipped-steps consecutive skips: exit 1, the count and the option named, a checkpoint', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradstream-skip-'));
    const store = join(dir, 'runs');
    const job = jobFile(dir, jump); // every step after the blow-up is non-finite
    const failed = gradstream(
      'train',
      '--config',
      job,
      '--store',
      store,
      '--non-finite',
      'skip',
      '--max-skipped-steps',
      '5',
    );
    expect(failed.status, failed.stderr).toBe(1);
    const match =
      /^gradstream: step (\d+): 5 consecutive steps skipped \(non-finite loss or gradient\); the limit is --max-skipped-steps 5 \(maxSkippedSteps\); resume with: gradstream resume \S+ --store \S+ \(checkpoint of step (\d+)\)$/.exec(
        lastLine(failed.stderr),
      );
    expect(match, failed.stderr).not.toBeNull();
    const run = onlyRun(store);
    expect(run.status).toBe('failed');
    expect(listCheckpoints(checkpointDir(store, run.id)).map((c) => c.step)).toEqual([Number(match![2])]);
    expect(Number(match![2])).toBe(Number(match![1]) - 1);
  });
});
