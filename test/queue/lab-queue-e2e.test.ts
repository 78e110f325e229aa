// `gradstream lab hyperparameter-search --queue` end to end, as three real processes on a real Redis
// (Debian's redis-server on a free loopback port): two `gradstream worker`s and the submitting lab.
// The 8-trial quick search completes with trials on both workers; one worker is killed (SIGKILL) a
// checkpoint into a trial, and the other takes that trial over and ends with the final parameters of
// the same config trained here, bit for bit; the queued search's validation accuracies equal the same
// search run here, trial by trial; the early-stopping rule stops queued trials. A lab whose runs are
// not `train` runs refuses --queue in one line; a queue that does not answer is said once and retried.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/validate.js';
import { loadMnist } from '../../src/data/mnist.js';
import type { HyperparameterSearchData } from '../../src/labs/hyperparameter-search.js';
import { runLab } from '../../src/labs/run-lab.js';
import { runKeys } from '../../src/queue/keys.js';
import { parseQueueUrl } from '../../src/queue/queue-url.js';
import type { QueuedRunResult } from '../../src/queue/run-queued.js';
import { startRunWorker } from '../../src/queue/run-worker.js';
import { RunStore } from '../../src/store/run-store.js';
import { type CliProcess, startCli } from '../helpers/cli-process.js';
import { localDigest } from '../helpers/local-digest.js';
import { freePort, startRedis, type TestRedis } from '../helpers/redis.js';

let redis: TestRedis;
let dir: string;
const children: CliProcess[] = [];
beforeAll(async () => {
  redis = await startRedis();
  dir = mkdtempSync(join(tmpdir(), 'gradstream-lab-queue-'));
});
afterAll(async () => {
  for (const c of children.splice(0)) {
    c.kill('SIGKILL');
    await c.exited;
  }
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** `gradstream worker` on the test's queue (one thread a run, a dead worker's job free after ~4 s). */
async function worker(): Promise<CliProcess> {
  const w = startCli(['worker', '--queue', redis.url, '--workers', '1', '--lock-ms', '2000']);
  children.push(w);
  await w.waitFor(/taking runs from/, 'stderr', 60_000);
  return w;
}

/** `gradstream lab …` as a child (headless). */
function lab(args: readonly string[]): CliProcess {
  const c = startCli(['lab', ...args, '--no-dashboard', '--no-wait']);
  children.push(c);
  return c;
}

/** Resolves once `check` holds, polling every 20 ms. */
async function until(check: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The final parameters' digest of `config` trained here, in this process, without checkpoints. */

/** The loss points' steps of stored run `id`. */
function storedSteps(storeDir: string, id: string): number[] {
  const store = RunStore.open({ dir: storeDir, readonly: true });
  try {
    return store
      .metrics(id)
      .filter((p) => p.name === 'loss')
      .map((p) => p.step);
  } finally {
    store.close();
  }
}

describe('lab hyperparameter-search --queue', () => {
  it('fans 8 trials out to two worker processes; one killed mid-trial, the trial ends on the other bit for bit', async () => {
    const a = await worker();
    const b = await worker();
    const storeDir = join(dir, 'store');
    const out = join(dir, 'out');
    const submitter = lab([
      'hyperparameter-search',
      '--quick',
      '--queue',
      redis.url,
      '--store',
      storeDir,
      '--out',
      out,
    ]);
    // Worker a finishes a trial, then dies one checkpoint (an epoch, 20 steps) into its next.
    const victim = (
      await a.waitFor(/: completed after step 120[\s\S]*?run (\S+): started/, 'stderr', 120_000)
    )[1]!;
    const probe = new Redis(parseQueueUrl(redis.url).connection);
    try {
      await until(
        async () => (await probe.exists(runKeys(victim).checkpoint)) === 1,
        `a checkpoint of ${victim}`,
      );
    } finally {
      probe.disconnect();
    }
    a.kill('SIGKILL');
    expect((await a.exited).signal).toBe('SIGKILL');
    // Killed in the middle of the trial, not after it.
    expect(a.out.stderr).not.toMatch(new RegExp(`run ${victim}: completed`));

    expect(await submitter.exited).toEqual({ code: 0, signal: null });
    expect(submitter.out.stderr).toMatch(
      /hyperparameter-search: its runs go on the queue at redis:\/\/127\.0\.0\.1:/,
    );
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as HyperparameterSearchData;
    expect(results.ranked).toHaveLength(8);
    for (const t of results.ranked) {
      expect(t.error).toBeUndefined();
      expect(t.validation).toHaveLength(6);
    }
    expect(b.out.stderr).toMatch(
      new RegExp(
        `run ${victim}: completed after step 120 \\(taken over at its checkpoint of step [1-9]\\d*\\)`,
      ),
    );
    const label = `trial-${String(results.ranked.find((t) => t.storeId === victim)!.index + 1).padStart(3, '0')}`;
    expect(submitter.out.stderr).toContain(
      `hyperparameter-search/${label}: taken over by another worker, from its newest checkpoint`,
    );
    // The taken-over trial's steps are recorded once each, from step 1.
    expect(storedSteps(storeDir, victim)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1));

    const queue = new Queue('runs', {
      connection: parseQueueUrl(redis.url).connection,
      prefix: 'gradstream',
    });
    try {
      // A trial's end reaches the submitter just before its worker marks the job completed.
      await until(async () => (await queue.getCompletedCount()) === 8, '8 completed jobs', 10_000);
      const jobs = await queue.getJobs(['completed']);
      expect(jobs).toHaveLength(8);
      const by = new Set(jobs.map((j) => (j.returnvalue as QueuedRunResult).worker.split(':').at(-1)));
      // Trials ran to their end on both workers.
      expect(by).toEqual(new Set([String(a.child.pid), String(b.child.pid)]));
      const taken = jobs.find((j) => j.id === victim)!;
      const result = taken.returnvalue as QueuedRunResult;
      expect(result).toMatchObject({ reason: 'completed', step: 120 });
      expect(result.resumedFrom).toBeGreaterThan(0);
      // Bit for bit: the resumed trial's final parameters are those of its config trained here.
      const config = parseConfig((taken.data as { config: unknown }).config);
      expect(result.paramsDigest).toBe(await localDigest(config));
    } finally {
      await queue.close();
    }

    // The same search run here (no queue): the same validation accuracies, trial by trial.
    const local = await runLab('hyperparameter-search', {
      quick: true,
      out: join(dir, 'local'),
      storeDir: join(dir, 'local-store'),
      mnist: loadMnist(),
      concurrency: 2,
    });
    const curves = (d: HyperparameterSearchData) =>
      [...d.ranked].sort((x, y) => x.index - y.index).map((t) => [t.lr, t.weightDecay, t.validation]);
    expect(curves(results)).toEqual(curves(local.data));
    b.kill('SIGTERM'); // idle: drains at once
    expect(await b.exited).toEqual({ code: 0, signal: null });
  }, 300_000);

  it("applies the early-stopping rule to queued trials: the stop reaches the worker, the trial's job ends stopped", async () => {
    const w = await startRunWorker({ queue: redis.url, workers: 1, log: () => {} });
    try {
      const { data } = await runLab('hyperparameter-search', {
        quick: true,
        out: join(dir, 'early'),
        storeDir: join(dir, 'early-store'),
        mnist: loadMnist(),
        queue: redis.url,
        // 30 epochs: the stop lands a few hundred ms after the second evaluation (relay, then the
        // worker's control poll), long before a trial's end even on an idle machine.
        config: { trials: 2, epochs: 30, earlyStop: { afterEpochs: 2, minAccuracy: 1 } },
      });
      for (const t of data.ranked) {
        expect(t.stoppedEarly).toBe(true);
        // Stopped after its second epoch's evaluation, not run to the end.
        expect(t.validation.length).toBeGreaterThanOrEqual(2);
        expect(t.validation.length).toBeLessThan(30);
      }
      const queue = new Queue('runs', {
        connection: parseQueueUrl(redis.url).connection,
        prefix: 'gradstream',
      });
      try {
        for (const t of data.ranked) {
          await until(
            async () => (await queue.getJob(t.storeId!))?.returnvalue != null,
            `job ${t.storeId}`,
            10_000,
          );
          expect((await queue.getJob(t.storeId!))?.returnvalue).toMatchObject({ reason: 'stopped' });
        }
      } finally {
        await queue.close();
      }
    } finally {
      await w.close();
    }
  });

  it('stops on Ctrl-C while no worker has taken its trials: exit 130 at once, the trials stored stopped', async () => {
    const storeDir = join(dir, 'waiting-store');
    const out = join(dir, 'waiting');
    const s = lab([
      'hyperparameter-search',
      '--quick',
      '--queue',
      redis.url,
      '--store',
      storeDir,
      '--out',
      out,
    ]);
    const queue = new Queue('runs', {
      connection: parseQueueUrl(redis.url).connection,
      prefix: 'gradstream',
    });
    try {
      // No worker runs: the 8 jobs wait.
      await until(async () => (await queue.getWaitingCount()) === 8, '8 waiting jobs', 60_000);
    } finally {
      await queue.close();
    }
    s.kill('SIGINT');
    expect(await s.exited).toEqual({ code: 130, signal: null });
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as HyperparameterSearchData;
    expect(results.ranked.map((t) => [t.stoppedEarly, t.validation.length])).toEqual(
      Array.from({ length: 8 }, () => [true, 0]),
    );
    const store = RunStore.open({ dir: storeDir, readonly: true });
    try {
      expect(store.listRuns().map((r) => r.status)).toEqual(Array.from({ length: 8 }, () => 'stopped'));
    } finally {
      store.close();
    }
  });

  it('refuses --queue in one line (exit 2) for a lab whose runs cannot go on a queue and a queued trackTrain; waits on a queue that does not answer', async () => {
    const twoD = lab(['optimizers-2d', '--queue', 'redis://alice:s3cret@127.0.0.1:1']);
    expect(await twoD.exited).toEqual({ code: 2, signal: null });
    expect(twoD.out.stderr).toBe(
      'gradstream: lab optimizers-2d: --queue is not available: its runs cannot go on a job queue (labs that can: hyperparameter-search)\n',
    );
    const track = lab(['hyperparameter-search', '--quick', '--queue', redis.url, '--set', 'trackTrain=true']);
    expect(await track.exited).toEqual({ code: 2, signal: null });
    expect(track.out.stderr).toMatch(/hyperparameter-search: trackTrain must be false with --queue/);
    // A queue that does not answer: said once, credentials masked, retried until Ctrl-C.
    const closed = await freePort();
    const away = lab([
      'hyperparameter-search',
      '--quick',
      '--queue',
      `redis://alice:s3cret@127.0.0.1:${closed}`,
    ]);
    await away.waitFor(
      new RegExp(
        `queue redis://\\*\\*\\*:\\*\\*\\*@127\\.0\\.0\\.1:${closed}: .*ECONNREFUSED.*; retrying \\(Ctrl-C to give up\\)`,
      ),
    );
    away.kill('SIGINT');
    expect((await away.exited).signal).toBe('SIGINT');
    expect(away.out.stderr).not.toMatch(/s3cret/);
    const bad = lab(['hyperparameter-search', '--queue', 'http://alice:s3cret@example']);
    expect(await bad.exited).toEqual({ code: 2, signal: null });
    expect(bad.out.stderr).toMatch(/--queue must be a Redis URL/);
    expect(bad.out.stderr).not.toMatch(/s3cret/);
  });
});
