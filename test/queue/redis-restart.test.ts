// A Redis restart in the middle of a queued run (same port, append-only file on): the worker, the
// submitter and the hub's recorder reconnect with backoff, the run completes, and every step's
// metrics reach the submitter and the hub's store exactly once — in one process, and as three
// (`gradstream worker`, `gradstream dashboard --queue`, `gradstream train --queue`) with Redis away
// for two seconds.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/validate.js';
import { type QueueRecorder, recordQueue } from '../../src/queue/queue-recorder.js';
import { type RunWorker, startRunWorker } from '../../src/queue/run-worker.js';
import { submitRun } from '../../src/queue/submit.js';
import { RunStore } from '../../src/store/run-store.js';
import type { TrainEvent } from '../../src/train/events.js';
import { type CliProcess, startCli } from '../helpers/cli-process.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { tinyRun } from '../helpers/tiny-run.js';

let redis: TestRedis;
let worker: RunWorker;
let dir: string;
let store: RunStore;
let hub: QueueRecorder;
const workerLines: string[] = [];
const hubLines: string[] = [];

beforeAll(async () => {
  redis = await startRedis({ appendOnly: true });
  worker = await startRunWorker({ queue: redis.url, workers: 1, log: (l) => workerLines.push(l) });
  dir = mkdtempSync(join(tmpdir(), 'gradstream-redis-restart-'));
  store = RunStore.open({ dir, onLeaseProblem: () => {} });
  hub = recordQueue(store, { queue: redis.url, scanMs: 500, log: (l) => hubLines.push(l) });
  await hub.ready;
});
afterAll(async () => {
  await hub?.close();
  store?.close();
  await worker?.close();
  await redis?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const STEPS = 3000;
/** A tiny run (16 hidden units, 1000 samples, one worker thread), long enough to restart Redis in. */
const RUN = tinyRun(STEPS, { seed: 5 });
const config = parseConfig(RUN);

describe('a Redis restart mid-run', () => {
  it('loses no step and records none twice: worker, submitter and hub reconnect', async () => {
    const events: TrainEvent[] = [];
    let restarted = false;
    let restarting: Promise<void> | undefined;
    let stepAtRestart = 0;
    let stepsWhenBack = 0;
    await new Promise<void>((resolve, reject) => {
      submitRun(config, { queue: redis.url, runId: 'restart-1' }).subscribe({
        next(e) {
          events.push(e);
          // After some steps have reached the submitter through Redis, well before the end.
          if (!restarted && e.type === 'step' && e.step >= 300) {
            restarted = true;
            stepAtRestart = e.step;
            restarting = redis.restart().then(() => {
              stepsWhenBack = events.filter((x) => x.type === 'step').length;
            });
          }
        },
        error: reject,
        complete: resolve,
      });
    });
    await restarting;
    expect(restarted).toBe(true);
    expect(stepAtRestart).toBeLessThan(STEPS / 2);
    // Most of the run's steps came through the restarted Redis.
    expect(stepsWhenBack).toBeLessThan(STEPS / 2);

    // The submitter had every step once, in order, and the run's end.
    const steps = events.filter((e) => e.type === 'step').map((e) => e.step);
    expect(steps).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    expect(events.at(-1)).toMatchObject({ type: 'end', reason: 'completed', step: STEPS });

    // The hub's store: every step's loss once, the run completed.
    await expect.poll(() => store.getRun('restart-1')?.status, { timeout: 15_000 }).toBe('completed');
    const loss = store.metricsFrom('restart-1', 0).filter((p) => p.name === 'loss');
    expect(loss).toHaveLength(STEPS);
    expect(new Set(loss.map((p) => p.step)).size).toBe(STEPS);
    expect(Math.min(...loss.map((p) => p.step))).toBe(1);
    expect(store.loggedEvents('restart-1').filter((l) => l.event.type === 'start')).toHaveLength(1);
    expect(hubLines.join('\n')).toContain('recording run restart-1');
  });

  it('as processes, Redis away for 2 s: the worker, the hub and a train --queue submitter go on, every step once', async () => {
    const cliDir = mkdtempSync(join(tmpdir(), 'gradstream-redis-restart-cli-'));
    const hubDir = join(cliDir, 'hub');
    const ownDir = join(cliDir, 'own');
    const children: CliProcess[] = [];
    const start = (args: string[]) => {
      const c = startCli(args);
      children.push(c);
      return c;
    };
    try {
      mkdirSync(hubDir);
      mkdirSync(ownDir);
      const w = start(['worker', '--queue', redis.url, '--workers', '1']);
      await w.waitFor(/taking runs from/, 'stderr', 60_000);
      const hubCli = start(['dashboard', '--store', hubDir, '--port', '0', '--queue', redis.url]);
      await hubCli.waitFor(/recording the runs of queue/, 'stderr', 60_000);
      const file = join(cliDir, 'config.json');
      writeFileSync(file, JSON.stringify({ ...RUN, name: 'restart-cli' }));
      const s = start([
        'train',
        '--config',
        file,
        '--queue',
        redis.url,
        '--json',
        '--no-dashboard',
        '--store',
        ownDir,
      ]);
      const [, runId] = await s.waitFor(/run (\S+): submitted to/, 'stderr', 60_000);
      // Restart once the submitter has had some steps through Redis.
      const jsonSteps = () => s.events().flatMap((e) => (e.type === 'step' ? [e.step as number] : []));
      await expect
        .poll(() => jsonSteps().length, { timeout: 60_000, interval: 20 })
        .toBeGreaterThanOrEqual(300);
      const atRestart = jsonSteps().length;
      await redis.restart({ downMs: 2000 });
      const whenBack = jsonSteps().length;
      expect(await s.exited).toEqual({ code: 0, signal: null });
      expect(atRestart).toBeLessThan(STEPS / 2);
      expect(whenBack).toBeLessThan(STEPS);
      expect(jsonSteps()).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
      await hubCli.waitFor(new RegExp(`run ${runId}: completed after step ${STEPS}`), 'stderr', 30_000);
      // Redis away is waited out, not reported with stack traces.
      for (const c of [w, hubCli, s]) expect(c.out.stderr).not.toMatch(/^\s+at /m);
      expect(hubCli.out.stderr).toMatch(/ECONNREFUSED.*; reconnecting\n.*connected again/);
      for (const d of [hubDir, ownDir]) {
        const reader = RunStore.open({ dir: d, readonly: true });
        try {
          expect(reader.getRun(runId!)?.status).toBe('completed');
          const loss = reader.metricsFrom(runId!, 0).filter((p) => p.name === 'loss');
          expect(loss.map((p) => p.step)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
          expect(reader.loggedEvents(runId!).filter((l) => l.event.type === 'start')).toHaveLength(1);
        } finally {
          reader.close();
        }
      }
    } finally {
      for (const c of children) {
        c.kill('SIGKILL');
        await c.exited;
      }
      rmSync(cliDir, { recursive: true, force: true });
    }
  });
});
