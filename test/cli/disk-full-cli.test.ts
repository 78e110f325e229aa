// The real `gradstream` binary on a disk that fills up mid-run (a real tmpfs, as root): the run stops
// with one line that names the failed write and how to resume, keeps its last good checkpoint (no temp
// or partial file), is marked failed with the reason when the store can still write, and `resume`
// continues from that checkpoint once the space is back — to the same parameters as a run that never
// met a full disk.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkpointDir,
  latestCheckpoint,
  listCheckpoints,
  loadCheckpoint,
} from '../../src/store/checkpoint.js';
import { CLI } from '../helpers/cli.js';
import { mountSmallDisk, type SmallDisk } from '../store/tmpfs.js';
import { onlyRun } from './only-run.js';

const JOB = [
  '--hidden',
  '64', // a checkpoint of ~610 kB
  '--steps',
  '300',
  '--batch-size',
  '64',
  '--train-limit',
  '3200',
  '--checkpoint-every',
  '20',
  '--no-dashboard',
];

/**
 * Runs `train` with --json; once a step past `fillAfter` is reported the child is frozen (SIGSTOP), the
 * disk filled by `fill`, and the child thawed. Resolves with the exit code and stderr.
 */
function trainUntilFull(store: string, fillAfter: number, fill: () => void) {
  return new Promise<{ code: number | null; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [...CLI, 'train', ...JOB, '--store', store, '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 180_000,
    });
    let stderr = '';
    let buffered = '';
    let filled = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const e = JSON.parse(line) as { type: string; step?: number };
        if (!filled && e.type === 'step' && (e.step ?? 0) > fillAfter) {
          filled = true;
          child.kill('SIGSTOP');
          fill();
          child.kill('SIGCONT');
        }
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

const gradstream = (...args: string[]) =>
  spawnSync(process.execPath, [...CLI, ...args], { encoding: 'utf8', timeout: 180_000 });

/** The `gradstream:` lines after the start line (the run's outcome). */
const outcome = (stderr: string) =>
  stderr
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('gradstream:') && !l.startsWith('gradstream: run '));

/** Every file in the checkpoint folder is a checkpoint that loads: no temp file, no partial file. */
function expectOnlyGoodCheckpoints(dir: string): void {
  const names = readdirSync(dir);
  expect(
    names.every((n) => /^ckpt-\d{10}\.gsc$/.test(n)),
    names.join(', '),
  ).toBe(true);
  for (const { path, step } of listCheckpoints(dir)) expect(loadCheckpoint(path).step).toBe(step);
}

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

let disk: SmallDisk;
let cleanParams: Buffer | undefined;
beforeEach(() => {
  disk = mountSmallDisk(8 * 2 ** 20);
});
afterEach(() => disk.unmount());

/** The final parameters of the job run on a roomy disk (once). */
function uninterruptedParams(): Buffer {
  if (!cleanParams) {
    const store = join(mkdtempSync(join(tmpdir(), 'gradstream-roomy-')), 'runs');
    const clean = gradstream('train', ...JOB, '--store', store);
    expect(clean.status, clean.stderr).toBe(0);
    cleanParams = bytes(latestCheckpoint(checkpointDir(store, onlyRun(store).id))!.checkpoint.params);
  }
  return cleanParams;
}

describe('gradstream train on a disk that fills up', () => {
  it('a checkpoint that does not fit: one line naming the file and how to resume; the run failed with the reason; resume ends as an uninterrupted run', async () => {
    const store = join(disk.dir, 'runs');
    const run = await trainUntilFull(store, 40, () => disk.fill(256 * 1024)); // room for metrics, not a checkpoint
    expect(run.code, run.stderr).toBe(1);
    const lines = outcome(run.stderr);
    expect(lines, run.stderr).toHaveLength(1);
    const match =
      /^gradstream: checkpoint \S+ckpt-(\d+)\.gsc: cannot write \(ENOSPC: no space left on device\); the checkpoints before it are kept; resume with: gradstream resume (\S+) --store (\S+) \(checkpoint of step (\d+)\)$/.exec(
        lines[0],
      );
    expect(match, lines[0]).not.toBeNull();
    const [, failedStep, id, storeArg, kept] = match!;
    const record = onlyRun(store);
    expect(id).toBe(record.id);
    expect(storeArg).toBe(store);
    expect(record.status).toBe('failed');
    expect(record.error).toContain('cannot write (ENOSPC: no space left on device)');
    const dir = checkpointDir(store, record.id);
    expectOnlyGoodCheckpoints(dir);
    expect(latestCheckpoint(dir)?.checkpoint.step).toBe(Number(kept));
    expect(Number(kept)).toBeLessThan(Number(failedStep));

    disk.free();
    const resumed = gradstream('resume', record.id, '--store', store, '--no-dashboard');
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`(step ${kept})`);
    const final = latestCheckpoint(dir)!.checkpoint;
    expect(final.step).toBe(300);
    expect(bytes(final.params).equals(uninterruptedParams())).toBe(true);
  });

  it('a disk with no room at all (metrics, checkpoints, the status): one line, exit 1, and resume once the space is back', async () => {
    const store = join(disk.dir, 'runs');
    const run = await trainUntilFull(store, 40, () => disk.fill());
    expect(run.code, run.stderr).toBe(1);
    const lines = outcome(run.stderr);
    expect(lines, run.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^gradstream: (checkpoint \S+: cannot write \(ENOSPC|run store \S+: metrics could not be written \(the disk is full).*; resume with: gradstream resume \S+ --store \S+ \(checkpoint of step \d+\)$/,
    );
    disk.free();
    const record = onlyRun(store);
    // Recorded as failed when SQLite still had room for the status; else the error said so, and the
    // row reads running until its lease expires (then interrupted).
    if (lines[0].includes('could not record the failure either'))
      expect(['running', 'interrupted']).toContain(record.status);
    else expect(record.status).toBe('failed');
    expectOnlyGoodCheckpoints(checkpointDir(store, record.id));

    const resumed = gradstream('resume', record.id, '--store', store, '--no-dashboard');
    expect(resumed.status, resumed.stderr).toBe(0);
    const final = latestCheckpoint(checkpointDir(store, record.id))!.checkpoint;
    expect(final.step).toBe(300);
    expect(bytes(final.params).equals(uninterruptedParams())).toBe(true);
  });
});
