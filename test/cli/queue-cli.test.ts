// `gradstream worker` and `gradstream train --queue` as real processes on a real Redis (Debian's
// redis-server on a free loopback port): a submitted run is trained by one of two workers and
// followed and recorded by the submitter; a worker killed mid-run is taken over from its checkpoint
// with the same final parameters bit for bit; a SIGTERM drains a worker; Ctrl-C of the submitter
// stops the remote run; a queue URL's credentials appear in no output and not in the store.

import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/validate.js';
import { parseQueueUrl } from '../../src/queue/queue-url.js';
import { RunStore } from '../../src/store/run-store.js';
import { type CliProcess, startCli } from '../helpers/cli-process.js';
import { localDigest } from '../helpers/local-digest.js';
import { freePort, startRedis, type TestRedis } from '../helpers/redis.js';
import { tinyRun } from '../helpers/tiny-run.js';
import { connect, isOneToN, statusOf } from '../server/clients.js';

let redis: TestRedis;
let dir: string;
const children: CliProcess[] = [];
beforeAll(async () => {
  redis = await startRedis();
});
afterAll(async () => {
  await redis?.stop();
});
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gradstream-queue-cli-'));
});
afterEach(async () => {
  for (const c of children.splice(0)) {
    c.kill('SIGKILL');
    await c.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

/** A tiny run: 16 hidden units on 1000 MNIST samples, one worker thread. */
const runConfig = (steps: number) => tinyRun(steps, { checkpoint: { everySteps: 100 } });

/** `gradstream worker` on `queue`, once it takes runs. */
async function worker(queue: string, extra: string[] = []): Promise<CliProcess> {
  const w = startCli(['worker', '--queue', queue, '--workers', '1', ...extra]);
  children.push(w);
  await w.waitFor(/taking runs from/, 'stderr', 60_000);
  return w;
}

/** `gradstream train --queue … --json` of `config` (written to a file), recorded in `dir`'s store. */
function submit(queue: string, config: object): CliProcess {
  const file = join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(config));
  const s = startCli([
    'train',
    '--config',
    file,
    '--queue',
    queue,
    '--json',
    '--no-dashboard',
    '--store',
    dir,
  ]);
  children.push(s);
  return s;
}

/** The run id the submitter printed. */
async function submittedId(s: CliProcess): Promise<string> {
  return (await s.waitFor(/run (\S+): submitted to/))[1]!;
}

/** The steps of the submitter's --json step events, in order. */
const jsonSteps = (s: CliProcess) => s.events().flatMap((e) => (e.type === 'step' ? [e.step as number] : []));

/** The newest step event the submitter printed. */
const lastStep = (s: CliProcess) => jsonSteps(s).at(-1) ?? 0;

/** Resolves once the submitter has printed step `step` or later. */
async function untilStep(s: CliProcess, step: number, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (lastStep(s) < step) {
    if (Date.now() > end) throw new Error(`no step ${step} within ${timeoutMs} ms: ${s.out.stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** 1..n. */
const oneTo = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** The stored run: its status and the steps of its `loss` points. */
function stored(runId: string): { status: string | undefined; steps: number[] } {
  const store = RunStore.open({ dir, readonly: true });
  try {
    const steps = store
      .metrics(runId)
      .filter((p) => p.name === 'loss')
      .map((p) => p.step);
    return { status: store.getRun(runId)?.status, steps };
  } finally {
    store.close();
  }
}

/** The job of `runId` on `url` as BullMQ keeps it (its return value has the final parameters' digest). */
async function finishedJob(url: string, runId: string) {
  const queue = new Queue('runs', { connection: parseQueueUrl(url).connection, prefix: 'gradstream' });
  try {
    return await queue.getJob(runId.replace(/:/g, '_'));
  } finally {
    await queue.close();
  }
}

/** The final parameters' digest of `config` trained here, in this process (the reference). */

/** Which of `workers` started `runId` (its log line), once one has. */
async function holder(workers: CliProcess[], runId: string): Promise<CliProcess> {
  const pattern = new RegExp(`run ${runId}: started`);
  return Promise.any(workers.map((w) => w.waitFor(pattern, 'stderr', 60_000).then(() => w)));
}

describe('gradstream worker and train --queue', () => {
  it('trains a submitted run on one of two workers; the submitter prints and stores every step once', async () => {
    const workers = [await worker(redis.url), await worker(redis.url)];
    const s = submit(redis.url, runConfig(200));
    const runId = await submittedId(s);
    expect(await s.exited).toEqual({ code: 0, signal: null });
    expect(jsonSteps(s)).toEqual(oneTo(200));
    expect(s.events()[0]).toMatchObject({ type: 'start', runId, totalSteps: 200 });
    expect(s.events().at(-1)).toMatchObject({ type: 'end', reason: 'completed', step: 200 });
    expect(s.out.stderr).toMatch(new RegExp(`run ${runId} completed; test accuracy`));
    expect(stored(runId)).toEqual({ status: 'completed', steps: oneTo(200) });
    const logs = workers.map((w) => w.out.stderr).join('\n');
    expect(logs).toMatch(new RegExp(`run ${runId}: started \\(attempt 1\\)`));
    expect(logs).toMatch(new RegExp(`run ${runId}: completed after step 200`));
    // Idle workers drain at once and exit 0.
    for (const w of workers) w.kill('SIGTERM');
    for (const w of workers) expect(await w.exited).toEqual({ code: 0, signal: null });
    for (const w of workers) expect(w.out.stderr).toMatch(/SIGTERM: draining[\s\S]*drained/);
  });

  it('takes over the run of a worker killed mid-run from its checkpoint: the same parameters bit for bit', async () => {
    // A database of its own: BullMQ's stalled-job check runs at the pace of the last worker that ran
    // it on a queue, and the other tests' workers check every 30 s.
    const url = `${redis.url}/1`;
    const fast = ['--lock-ms', '2000'];
    const workers = [await worker(url, fast), await worker(url, fast)];
    const config = runConfig(3000);
    const s = submit(url, config);
    const runId = await submittedId(s);
    const first = await holder(workers, runId);
    await untilStep(s, 300);
    first.kill('SIGKILL');
    expect((await first.exited).signal).toBe('SIGKILL');
    const other = workers.find((w) => w !== first)!;
    expect(await s.exited).toEqual({ code: 0, signal: null });
    expect(other.out.stderr).toMatch(
      new RegExp(`run ${runId}: completed after step 3000 \\(taken over at its checkpoint of step \\d+\\)`),
    );
    // Steps replayed from the checkpoint are neither printed nor stored twice.
    expect(jsonSteps(s)).toEqual(oneTo(3000));
    expect(stored(runId)).toEqual({ status: 'completed', steps: oneTo(3000) });
    expect(s.out.stderr).toMatch(new RegExp(`run ${runId}: taken over by another worker`));
    expect(s.events().filter((e) => e.type === 'start')).toHaveLength(1);
    const job = await finishedJob(url, runId);
    expect(job?.returnvalue).toMatchObject({ reason: 'completed', step: 3000 });
    expect(job?.returnvalue.resumedFrom).toBeGreaterThan(0);
    expect(job?.returnvalue.paramsDigest).toBe(await localDigest(parseConfig(config)));
  });

  it('drains a worker on SIGTERM: its run goes back to the queue and the other worker finishes it', async () => {
    const workers = [await worker(redis.url), await worker(redis.url)];
    const s = submit(redis.url, runConfig(2000));
    const runId = await submittedId(s);
    const first = await holder(workers, runId);
    await untilStep(s, 200);
    first.kill('SIGTERM');
    expect(await first.exited).toEqual({ code: 0, signal: null });
    expect(first.out.stderr).toMatch(
      new RegExp(`run ${runId}: checkpointed at step \\d+, back in the queue`),
    );
    const other = workers.find((w) => w !== first)!;
    expect(await s.exited).toEqual({ code: 0, signal: null });
    expect(other.out.stderr).toMatch(new RegExp(`run ${runId}: completed after step 2000 \\(taken over`));
    expect(jsonSteps(s)).toEqual(oneTo(2000));
    expect(s.events().filter((e) => e.type === 'start')).toHaveLength(1);
    expect(stored(runId)).toEqual({ status: 'completed', steps: oneTo(2000) });
  });

  it("stops the remote run on the submitter's Ctrl-C and exits 130", async () => {
    // No worker yet: the submitter exits at once, and the stop waits in Redis for the run's worker.
    const waiting = submit(redis.url, runConfig(20_000));
    const waitingId = await submittedId(waiting);
    waiting.kill('SIGINT');
    expect(await waiting.exited).toEqual({ code: 130, signal: null });
    expect(stored(waitingId).status).toBe('stopped');
    const w = await worker(redis.url);
    await w.waitFor(new RegExp(`run ${waitingId}: stopped after step \\d+`));
    const s = submit(redis.url, runConfig(20_000));
    const runId = await submittedId(s);
    await untilStep(s, 50);
    s.kill('SIGINT');
    expect(await s.exited).toEqual({ code: 130, signal: null });
    await w.waitFor(new RegExp(`run ${runId}: stopped after step \\d+`));
    expect(s.events().at(-1)).toMatchObject({ type: 'end', reason: 'stopped' });
    expect(stored(runId).status).toBe('stopped');
    expect(lastStep(s)).toBeLessThan(20_000);
  });

  it('carries control requests sent through the store (a standing dashboard) to the worker, and a refused run exits 1', async () => {
    const w = await worker(redis.url);
    const s = submit(redis.url, runConfig(20_000));
    const runId = await submittedId(s);
    await untilStep(s, 20);
    const send = (action: 'pause' | 'resume' | 'stop' | 'setLearningRate', lr?: number) => {
      const store = RunStore.open({ dir });
      try {
        store.sendControl(runId, action, lr ?? null);
      } finally {
        store.close();
      }
    };
    const event = async (type: string) => {
      const end = Date.now() + 30_000;
      while (!s.events().some((e) => e.type === type)) {
        if (Date.now() > end) throw new Error(`no ${type} event within 30 s: ${s.out.stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return s.events().find((e) => e.type === type)!;
    };
    send('pause');
    await event('paused');
    send('setLearningRate', 0.05);
    expect(await event('lr')).toMatchObject({ lr: 0.05 });
    send('resume');
    await event('resumed');
    send('stop');
    expect(await s.exited).toEqual({ code: 130, signal: null });
    expect(s.events().at(-1)).toMatchObject({ type: 'end', reason: 'stopped' });
    await w.waitFor(new RegExp(`run ${runId}: stopped after step`));
    // Data outside the worker's data roots: refused on the worker, failed here with its reason.
    const refused = submit(redis.url, { ...runConfig(20), data: { dir: '/etc' } });
    const refusedId = await submittedId(refused);
    expect(await refused.exited).toEqual({ code: 1, signal: null });
    const lines = refused.out.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(
      new RegExp(
        `^gradstream: run ${refusedId} failed on its worker: .*data\\.dir: /etc is outside the worker's data roots`,
      ),
    );
    expect(stored(refusedId).status).toBe('failed');
  });

  it('shows the queued run on a page of its own, kept after the run with --wait until Ctrl-C', async () => {
    await worker(redis.url);
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(runConfig(300)));
    const s = startCli([
      'train',
      '--config',
      file,
      '--queue',
      redis.url,
      '--port',
      '0',
      '--wait',
      '--store',
      dir,
    ]);
    children.push(s);
    const port = Number((await s.waitFor(/dashboard at http:\/\/127\.0\.0\.1:(\d+)/))[1]);
    const runId = await submittedId(s);
    const client = await connect(port);
    await s.waitFor(new RegExp(`run ${runId} completed; test accuracy`), 'stderr', 60_000);
    await s.waitFor(/the dashboard stays at/);
    await client.until(
      () => isOneToN(client.steps.get(runId) ?? [], 300) && statusOf(client, runId) === 'ended',
    );
    expect(client.problems).toEqual([]);
    s.kill('SIGINT');
    expect(await s.exited).toEqual({ code: 0, signal: null });
    client.ws.close();
  });

  it('refuses bad worker flags in one line (exit 2) and waits for a Redis that cannot be reached', async () => {
    const bad: [string[], RegExp][] = [
      [
        ['--queue', 'http://u:pw-Xy@h'],
        /^gradstream: --queue must be a Redis URL .*got http:\/\/\*\*\*:\*\*\*@h$/,
      ],
      [
        ['--queue', redis.url, '--concurrency', '0'],
        /^gradstream: --concurrency must be an integer ≥ 1, got "0"$/,
      ],
      [
        ['--queue', redis.url, '--lock-ms', '50'],
        /^gradstream: --lock-ms must be an integer ≥ 1000 \(milliseconds\), got "50"$/,
      ],
      [
        ['--queue', redis.url, '--data-root', join(dir, 'none')],
        /^gradstream: --data-root must be an existing folder, got .*none$/,
      ],
    ];
    const runs = bad.map(([args]) => {
      const c = startCli(['worker', ...args]);
      children.push(c);
      return c;
    });
    for (const [i, c] of runs.entries()) {
      expect(await c.exited).toEqual({ code: 2, signal: null });
      expect(c.out.stderr.trim()).toMatch(bad[i]![1]);
    }
    // Nothing listens on this port: said once with the URL masked, retried, and Ctrl-C exits.
    const port = await freePort();
    const w = startCli(['worker', '--queue', `redis://u:pw-Xy@127.0.0.1:${port}`]);
    children.push(w);
    await w.waitFor(
      new RegExp(`queue redis://\\*\\*\\*:\\*\\*\\*@127\\.0\\.0\\.1:${port}: .*ECONNREFUSED.*; retrying`),
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(w.child.exitCode).toBe(null);
    expect(w.out.stderr.match(/retrying/g)).toHaveLength(1);
    w.kill('SIGINT');
    expect(await w.exited).toEqual({ code: 0, signal: null });
    expect(w.out.stderr).not.toContain('pw-Xy');
  });

  it("never shows or stores the queue URL's credentials", async () => {
    const password = 'pw-Zq81x7Kd';
    const admin = new Redis(redis.url);
    await admin.call('ACL', 'SETUSER', 'alice', 'on', `>${password}`, '~*', '&*', '+@all');
    await admin.quit();
    const url = redis.url.replace('redis://', `redis://alice:${password}@`);
    const w = await worker(url);
    const s = submit(url, runConfig(50));
    const runId = await submittedId(s);
    expect(await s.exited).toEqual({ code: 0, signal: null });
    await w.waitFor(new RegExp(`run ${runId}: completed`));
    w.kill('SIGTERM');
    await w.exited;
    // A wrong password is said with the URL masked, and retried.
    const refused = startCli(['worker', '--queue', url.replace(password, 'wrong-Pw-5511')]);
    children.push(refused);
    await refused.waitFor(/WRONGPASS.*retrying|retrying/);
    refused.kill('SIGINT');
    await refused.exited;
    const outputs = [w, s, refused].flatMap((c) => [c.out.stdout, c.out.stderr]).join('\n');
    expect(outputs).toContain('redis://***:***@127.0.0.1');
    const files = readdirSync(dir, { recursive: true })
      .map((f) => join(dir, String(f)))
      .filter((f) => statSync(f).isFile());
    expect(files.some((f) => f.endsWith('.db'))).toBe(true);
    for (const text of [outputs, ...files.map((f) => readFileSync(f).toString('latin1'))]) {
      expect(text).not.toContain(password);
      expect(text).not.toContain('wrong-Pw-5511');
      expect(text).not.toContain('alice');
    }
  });
});
