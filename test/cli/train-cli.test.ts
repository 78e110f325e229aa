// The real `gradstream` binary (from source): the README's main job in a short form, bad configs
// refused with exit 2 before any work, and an interrupted run resumed bit-identically.

import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkpointDir, latestCheckpoint } from '../../src/store/checkpoint.js';
import { RunStore } from '../../src/store/run-store.js';
import { gradstream, signalAtStep, streamEvents } from '../helpers/cli.js';

describe('gradstream train', () => {
  it('runs the main job in a short form and reports the test accuracy', () => {
    const store = mkdtempSync(join(tmpdir(), 'gradstream-cli-'));
    const result = gradstream('train', '--steps', '50', '--no-dashboard', '--store', store);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/MLP 784-100-100-10, adam lr 0\.001, batch 100, 50 steps on 2 worker\(s\)/);
    expect(result.stderr).toMatch(/completed; test accuracy \d+\.\d\d%/);
    const accuracy = Number(/test accuracy (\d+\.\d+)%/.exec(result.stderr)?.[1]);
    expect(accuracy).toBeGreaterThan(80); // 50 Adam steps of batch 100 on MNIST
  });

  it.each([
    [['--lr', '-1'], 'optimizer.lr: must be in [2^-126, 1000], got -1'],
    [['--batch-size', '0'], 'batchSize: must be an integer ≥ 1, got 0'],
    [
      ['--optimizer', 'adamax'],
      "argument 'adamax' is invalid. Allowed choices are sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw",
    ],
    [['--data', '/nonexistent/mnist'], 'data.dir: folder not found: /nonexistent/mnist'],
  ])('refuses %j with exit 2 and writes nothing', (args, message) => {
    const store = join(mkdtempSync(join(tmpdir(), 'gradstream-cli-')), 'runs');
    const result = gradstream('train', ...args, '--no-dashboard', '--store', store);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
    expect(existsSync(store)).toBe(false);
  });

  it('lists every problem of a config file, an unknown field included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradstream-cli-'));
    writeFileSync(
      join(dir, 'job.yaml'),
      'model:\n  hidden: [50]\n  foo: 1\noptimizer:\n  name: adam\n  lr: -2\n',
    );
    const result = gradstream('train', '--config', join(dir, 'job.yaml'), '--store', join(dir, 'runs'));
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('model.foo: unknown field');
    expect(result.stderr).toContain('optimizer.lr: must be in [2^-126, 1000], got -2');
  });

  it('resumes a run stopped by SIGINT to the same parameters and metrics as an uninterrupted run', async () => {
    const store = mkdtempSync(join(tmpdir(), 'gradstream-resume-'));
    const common = [
      '--steps',
      '100',
      '--batch-size',
      '64',
      '--hidden',
      '48',
      '--dropout',
      '0.1',
      '--train-limit',
      '4000',
      '--workers',
      '2',
      '--no-dashboard',
      '--store',
      store,
    ];
    expect(await streamEvents(['train', '--name', 'straight', ...common], () => {})).toBe(0);
    const code = await signalAtStep(['train', '--name', 'interrupted', ...common], 50, 'SIGINT');
    expect(code).toBe(130);
    const runs = RunStore.open({ dir: store });
    const straight = runs.findRun('straight')!;
    const interrupted = runs.findRun('interrupted')!;
    expect(interrupted.status).toBe('stopped');
    const stoppedAt = latestCheckpoint(checkpointDir(store, interrupted.id))!.checkpoint.step;
    expect(stoppedAt).toBeGreaterThanOrEqual(50);
    expect(stoppedAt).toBeLessThan(100);
    runs.close();

    expect(await streamEvents(['resume', 'interrupted', '--no-dashboard', '--store', store], () => {})).toBe(
      0,
    );
    const a = latestCheckpoint(checkpointDir(store, straight.id))!.checkpoint;
    const b = latestCheckpoint(checkpointDir(store, interrupted.id))!.checkpoint;
    expect(b.step).toBe(100);
    expect(Buffer.from(b.params.buffer).equals(Buffer.from(a.params.buffer))).toBe(true);
    for (const name of Object.keys(a.slots))
      expect(Buffer.from(b.slots[name].buffer).equals(Buffer.from(a.slots[name].buffer))).toBe(true);
    const after = RunStore.open({ dir: store });
    const series = (id: string, name: string) =>
      after
        .metrics(id)
        .filter((p) => p.name === name)
        .map((p) => [p.step, p.value]);
    for (const name of ['loss', 'gradNorm', 'lr', 'validation.accuracy', 'test.accuracy', 'epoch.meanLoss']) {
      expect(series(interrupted.id, name), name).toEqual(series(straight.id, name));
    }
    expect(series(straight.id, 'loss')).toHaveLength(100);
    expect(after.getRun(interrupted.id)?.status).toBe('completed');
    after.close();
  });
});

describe('gradstream resume', () => {
  it('refuses a corrupt newest checkpoint, and falls back to an older good one only when asked', async () => {
    const store = mkdtempSync(join(tmpdir(), 'gradstream-corrupt-'));
    const common = [
      '--steps',
      '30',
      '--batch-size',
      '50',
      '--hidden',
      '16',
      '--train-limit',
      '2000',
      '--checkpoint-every',
      '10',
      '--no-dashboard',
      '--store',
      store,
    ];
    const code = await signalAtStep(['train', '--name', 'victim', ...common], 22, 'SIGINT');
    expect(code).toBe(130);
    const runs = RunStore.open({ dir: store });
    const run = runs.findRun('victim')!;
    runs.close();
    const dir = checkpointDir(store, run.id);
    const newest = latestCheckpoint(dir)!;
    const bytes = readFileSync(newest.path);
    bytes[bytes.length - 100] ^= 0xff; // flip bits inside the payload
    writeFileSync(newest.path, bytes);

    const refused = gradstream('resume', 'victim', '--no-dashboard', '--store', store);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/checksum|corrupt/i);
    expect(refused.stderr).toMatch(/fallback/);

    const resumed = gradstream('resume', 'victim', '--fallback', '--no-dashboard', '--store', store);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/skipped corrupt .*ckpt-/);
    expect(resumed.stderr).toMatch(/resuming run .* \(step (10|20)\)/);
    expect(latestCheckpoint(dir)!.checkpoint.step).toBe(30);
  });

  it('goes on from an older checkpoint when the stored metrics end before the newest: no step missing', async () => {
    const store = mkdtempSync(join(tmpdir(), 'gradstream-behind-'));
    const common = [
      ...['--steps', '60', '--batch-size', '50', '--hidden', '16', '--train-limit', '2000'],
      ...['--checkpoint-every', '20', '--no-dashboard', '--store', store],
    ];
    const code = await signalAtStep(['train', '--name', 'behind', ...common], 45, 'SIGKILL');
    expect(code).toBeNull(); // killed: no handler ran
    const runs = RunStore.open({ dir: store });
    const run = runs.findRun('behind')!;
    expect(latestCheckpoint(checkpointDir(store, run.id))!.checkpoint.step).toBe(40);
    // As if the kill had come after the checkpoint of step 40 was written but before the metrics of
    // its last steps were: the store ends at step 30.
    runs.truncateMetrics(run.id, 30);
    runs.close();

    const resumed = gradstream('resume', 'behind', '--no-dashboard', '--store', store);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(
      `gradstream: run ${run.id}'s stored metrics end at step 30, before its newest checkpoint (step 40): going on from the checkpoint of step 20, so no step is missing`,
    );
    const after = RunStore.open({ dir: store, readonly: true });
    expect(after.series(run.id, 'loss').step).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(after.getRun(run.id)?.status).toBe('completed');
    after.close();
  });
});
