// A Redis restart in the middle of a queued run (same port, append-only file on): the worker, the
// submitter and the hub's recorder reconnect with backoff, the run completes, and every step's
// metrics reach the submitter and the hub's store exactly once.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/validate.js';
import { type QueueRecorder, recordQueue } from '../../src/queue/queue-recorder.js';
import { type RunWorker, startRunWorker } from '../../src/queue/run-worker.js';
import { submitRun } from '../../src/queue/submit.js';
import { RunStore } from '../../src/store/run-store.js';
import type { TrainEvent } from '../../src/train/events.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

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
const config = parseConfig({
  model: { hidden: [16] },
  batchSize: 50,
  steps: STEPS,
  data: { trainLimit: 1000 },
  workers: 1,
  seed: 5,
});

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
});
