// The hub across machines against a real Redis, a real worker, a real store, server and socket: a run
// submitted to the queue is recorded in the hub's store as it trains, the standing page's follower
// shows it live, the page's pause, resume and stop reach the worker through the store and Redis, and
// a run another live process records on the same store is left to it (and its rest recorded once
// that process is killed); a run that ran while no hub looked is recorded from its stream. A run that fails on its worker
// reads failed; a hub that died is followed by the next; a run taken over from a killed worker is
// recorded once, with one start. As processes: `gradstream dashboard --queue` with credentials in
// the URL records a remote run beside a `train --queue` that records its own, shows the credentials
// nowhere, and quits at Ctrl-C while the queue is unreachable.

import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Redis } from 'ioredis';
import type { Subscription } from 'rxjs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/validate.js';
import type { RunState } from '../../src/protocol/server-messages.js';
import { type QueueRecorder, recordQueue } from '../../src/queue/queue-recorder.js';
import { type RunWorker, startRunWorker } from '../../src/queue/run-worker.js';
import { submitRun } from '../../src/queue/submit.js';
import { type DashboardServer, startDashboardServer } from '../../src/server/dashboard-server.js';
import { followStore, type StoreFollower } from '../../src/server/follow-store.js';
import { DB_FILE } from '../../src/store/database.js';
import { RunStore } from '../../src/store/run-store.js';
import type { TrainEvent } from '../../src/train/events.js';
import { startCli } from '../helpers/cli-process.js';
import { freePort, startRedis, type TestRedis } from '../helpers/redis.js';
import { tinyRun } from '../helpers/tiny-run.js';
import { connect, type TestClient } from '../server/clients.js';

let redis: TestRedis;
let worker: RunWorker;
let dir: string;
let store: RunStore;
let server: DashboardServer;
let follower: StoreFollower;
let hub: QueueRecorder;
let client: TestClient;
const hubLines: string[] = [];
const quiet = () => {};

beforeAll(async () => {
  redis = await startRedis();
  worker = await startRunWorker({ queue: redis.url, workers: 1, log: quiet });
});
afterAll(async () => {
  await worker?.close();
  await redis?.stop();
});
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gradstream-hub-queue-'));
  store = RunStore.open({ dir, onLeaseProblem: quiet });
  server = await startDashboardServer({ port: 0, control: true, intervalMs: 20, log: quiet });
  follower = followStore(store, server, { pollMs: 50, control: true, log: quiet });
  hub = recordQueue(store, { queue: redis.url, scanMs: 500, log: (l) => hubLines.push(l) });
  await hub.ready;
  client = await connect(server.port);
  await client.until(() => client.messages.some((m) => m.type === 'hello'));
});
afterEach(async () => {
  client?.ws.close();
  await hub?.close();
  follower?.stop();
  await server?.close();
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

// Checkpointed every 100 steps (a queued run's default is every 10 s): a worker killed after a few
// hundred steps leaves a checkpoint to take the run over from.
const small = (steps: number) => parseConfig(tinyRun(steps, { checkpoint: { everySteps: 100 } }));

/** The latest state the page's client was sent for `runId`. */
function pageState(runId: string): RunState | undefined {
  let state: RunState | undefined;
  for (const m of client.messages) {
    if (m.type !== 'hello' && m.type !== 'frame') continue;
    for (const r of m.runs) if (r.runId === runId && r.state) state = r.state;
  }
  return state;
}

const controllable = (runId: string) =>
  client.messages.some(
    (m) =>
      (m.type === 'hello' || m.type === 'frame') &&
      m.runs.some((r) => r.runId === runId && r.info?.controllable),
  );

/** Submits a run and collects its events; resolves at its end. */
function submit(runId: string, steps: number, name?: string, queue = redis.url) {
  const events: TrainEvent[] = [];
  let subscription: Subscription | undefined;
  const done = new Promise<void>((resolve, reject) => {
    subscription = submitRun(small(steps), { queue, runId, ...(name ? { name } : {}) }).subscribe({
      next: (e) => events.push(e),
      error: reject,
      complete: resolve,
    });
  });
  return { events, done, stop: () => subscription?.unsubscribe() };
}

const lossSteps = (runId: string) =>
  store
    .metricsFrom(runId, 0)
    .filter((p) => p.name === 'loss')
    .map((p) => p.step);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('gradstream dashboard --queue (the hub across machines)', () => {
  it('records a remote run as it trains; the page shows it live and its pause, resume and stop reach the worker', async () => {
    const run = submit('hub-1', 50_000, 'remote');
    await client.until(() => controllable('hub-1') && (client.steps.get('hub-1')?.length ?? 0) > 20, 30_000);
    const row = store.getRun('hub-1');
    expect(row).toMatchObject({ status: 'running', name: 'remote' });
    expect(JSON.stringify(row?.config)).not.toContain('redis://');
    expect(row?.config).toMatchObject({ steps: 50_000, model: { hidden: [16] } });

    const send = (m: object) =>
      client.ws.send(
        JSON.stringify({ v: 1, type: 'control', runId: 'hub-1', token: server.controlToken, ...m }),
      );
    send({ action: 'pause' });
    // The worker paused: its submitter hears it, and the page shows it through the store.
    await expect.poll(() => run.events.some((e) => e.type === 'paused'), { timeout: 10_000 }).toBe(true);
    await client.until(() => pageState('hub-1')?.status === 'paused', 10_000);
    const stepsWhenPaused = run.events.filter((e) => e.type === 'step').length;
    await new Promise((r) => setTimeout(r, 600));
    expect(run.events.filter((e) => e.type === 'step').length).toBe(stepsWhenPaused);

    send({ action: 'resume' });
    await expect.poll(() => run.events.some((e) => e.type === 'resumed'), { timeout: 10_000 }).toBe(true);
    await expect
      .poll(() => run.events.filter((e) => e.type === 'step').length, { timeout: 10_000 })
      .toBeGreaterThan(stepsWhenPaused + 20);
    send({ action: 'stop' });
    await run.done;

    const end = run.events.at(-1);
    expect(end).toMatchObject({ type: 'end', reason: 'stopped' });
    const last = (end as { step: number }).step;
    expect(last).toBeLessThan(50_000);
    // The store holds every step once, ends as the run did, and logged its pause and resume.
    await expect.poll(() => store.getRun('hub-1')?.status, { timeout: 5000 }).toBe('stopped');
    expect(lossSteps('hub-1')).toEqual(range(1, last));
    expect(
      store
        .loggedEvents('hub-1')
        .map((l) => l.event.type)
        .filter((t) => t !== 'histogram'),
    ).toEqual(['start', 'paused', 'resumed']);
    // The page drew one curve, every step once, and shows the end.
    await client.until(() => pageState('hub-1')?.endReason === 'stopped', 10_000);
    expect(client.steps.get('hub-1')).toEqual(range(1, last));
    expect(client.problems).toEqual([]);
    expect(hubLines.join('\n')).toContain(`queue ${redis.url}: recording run hub-1`);
  });

  it('takes on the runs already in the queue when it starts, and leaves a run another live process records', async () => {
    // A row recorded by another live process (the test's parent stands in for a `train --queue` submitter).
    store.createRun({ id: 'theirs', config: {} });
    const db = new Database(join(dir, DB_FILE));
    db.prepare('UPDATE runs SET lease_pid = ?, lease_expires_at = ? WHERE id = ?').run(
      process.ppid,
      Date.now() + 600_000,
      'theirs',
    );
    db.close();
    expect(store.getRun('theirs')?.status).toBe('running');

    await hub.close();
    const early = submit('early', 300);
    await expect
      .poll(() => early.events.filter((e) => e.type === 'step').length, { timeout: 30_000 })
      .toBeGreaterThan(0);
    // A hub started after the run: it lists the queue and records the run from its first step.
    hub = recordQueue(store, { queue: redis.url, scanMs: 500, log: (l) => hubLines.push(l) });
    await hub.ready;
    const theirs = submit('theirs', 60);
    await Promise.all([early.done, theirs.done]);

    await expect.poll(() => store.getRun('early')?.status, { timeout: 10_000 }).toBe('completed');
    expect(lossSteps('early')).toEqual(range(1, 300));
    expect(theirs.events.at(-1)).toMatchObject({ type: 'end', reason: 'completed', step: 60 });
    await new Promise((r) => setTimeout(r, 1200)); // two scans
    expect(lossSteps('theirs')).toEqual([]);
    expect(store.getRun('theirs')?.status).toBe('running');
    expect(hubLines.join('\n')).not.toContain('recording run theirs');
  });

  it('records a run that started and ended while no hub looked, from its stream, once', async () => {
    await hub.close();
    const unseen = submit('unseen', 40, 'short');
    await unseen.done;
    // A hub started after the run ended (or one whose looks the run fell between).
    hub = recordQueue(store, { queue: redis.url, scanMs: 500, log: (l) => hubLines.push(l) });
    await hub.ready;
    await expect.poll(() => store.getRun('unseen')?.status, { timeout: 10_000 }).toBe('completed');
    expect(store.getRun('unseen')?.name).toBe('short');
    expect(lossSteps('unseen')).toEqual(range(1, 40));
    await new Promise((r) => setTimeout(r, 1200)); // two more scans: not recorded again
    expect(lossSteps('unseen')).toEqual(range(1, 40));
    expect(hubLines.filter((l) => l.includes('recording run unseen'))).toHaveLength(1);
  });

  it('a run that fails on its worker reads failed with the worker’s reason, after every step it relayed', async () => {
    // The learning rate jumps to 1e30 after 20 updates: the run stops at its first non-finite step.
    const config = parseConfig({
      ...JSON.parse(JSON.stringify(small(2000))),
      optimizer: { name: 'sgd', lr: 0.05, schedule: { kind: 'step', every: 20, gamma: 1e31 } },
    });
    const events: TrainEvent[] = [];
    const failure = await new Promise<Error>((resolve, reject) =>
      submitRun(config, { queue: redis.url, runId: 'blows-up', retries: 0 }).subscribe({
        next: (e) => events.push(e),
        error: resolve,
        complete: () => reject(new Error('completed')),
      }),
    );
    expect(failure.message).toMatch(/run blows-up failed on its worker: .*(non-finite|NaN)/i);
    await expect.poll(() => store.getRun('blows-up')?.status, { timeout: 10_000 }).toBe('failed');
    expect(store.getRun('blows-up')?.error).toMatch(/^failed on its worker: /);
    const relayed = events.filter((e) => e.type === 'step').map((e) => e.step);
    expect(relayed.length).toBeGreaterThan(0);
    expect(lossSteps('blows-up')).toEqual(relayed);
    await client.until(() => pageState('blows-up')?.endReason === 'failed', 10_000);
  });

  it('a hub that died mid-run is followed by the next one, which records the rest once', async () => {
    const run = submit('handover', 3000);
    await expect.poll(() => lossSteps('handover').length, { timeout: 30_000 }).toBeGreaterThan(300);
    // The first hub goes away with the run in progress; its lease lapses (as when its process dies).
    await hub.close();
    follower.stop();
    await server.close();
    store.close();
    const db = new Database(join(dir, DB_FILE));
    db.prepare('UPDATE runs SET lease_expires_at = 0 WHERE id = ?').run('handover');
    db.close();
    store = RunStore.open({ dir, onLeaseProblem: quiet });
    const before = lossSteps('handover').length;
    expect(store.getRun('handover')?.status).toBe('interrupted');
    server = await startDashboardServer({ port: 0, control: true, intervalMs: 20, log: quiet });
    follower = followStore(store, server, { pollMs: 50, control: true, log: quiet });
    hub = recordQueue(store, { queue: redis.url, scanMs: 500, log: (l) => hubLines.push(l) });
    await run.done;
    expect(run.events.at(-1)).toMatchObject({ type: 'end', reason: 'completed', step: 3000 });
    await expect.poll(() => store.getRun('handover')?.status, { timeout: 10_000 }).toBe('completed');
    expect(before).toBeLessThan(3000);
    expect(lossSteps('handover')).toEqual(range(1, 3000));
    const starts = store.loggedEvents('handover').filter((l) => l.event.type === 'start');
    expect(starts).toHaveLength(1);
  });

  it('records the rest of a run whose `train --queue` submitter, recording it on the same store, was killed', async () => {
    const configDir = mkdtempSync(join(tmpdir(), 'gradstream-hub-config-'));
    const file = join(configDir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({
        model: { hidden: [16] },
        batchSize: 50,
        steps: 3000,
        data: { trainLimit: 1000 },
        workers: 1,
      }),
    );
    const s = startCli([
      'train',
      '--config',
      file,
      '--queue',
      redis.url,
      '--json',
      '--no-dashboard',
      '--store',
      dir,
    ]);
    try {
      const [, runId] = await s.waitFor(/run (\S+): submitted to/, 'stderr', 60_000);
      const steps = () => s.events().filter((e) => e.type === 'step').length;
      await expect.poll(steps, { timeout: 30_000, interval: 20 }).toBeGreaterThan(300);
      expect(hubLines.join('\n')).not.toContain(`recording run ${runId}`);
      s.kill('SIGKILL');
      await s.exited;
      // Its lease lapses with its process: the hub records the rest from the run's stream.
      await expect.poll(() => store.getRun(runId!)?.status, { timeout: 30_000 }).toBe('completed');
      expect(lossSteps(runId!)).toEqual(range(1, 3000));
      expect(store.loggedEvents(runId!).filter((l) => l.event.type === 'start')).toHaveLength(1);
      expect(hubLines.join('\n')).toContain(`recording run ${runId}`);
    } finally {
      s.kill('SIGKILL');
      await s.exited;
      rmSync(configDir, { recursive: true, force: true });
    }
  });

  it('a worker killed mid-run: the run is taken over, and the hub records every step once, with one start', async () => {
    // A Redis database of its own: BullMQ's stalled-job check runs at the pace of the last worker
    // that ran it on a queue (the in-process worker's is 30 s).
    const url = `${redis.url}/1`;
    await hub.close();
    hub = recordQueue(store, { queue: url, scanMs: 500, log: (l) => hubLines.push(l) });
    await hub.ready;
    const workers = [0, 1].map(() =>
      startCli(['worker', '--queue', url, '--workers', '1', '--lock-ms', '2000']),
    );
    try {
      for (const w of workers) await w.waitFor(/taking runs from/, 'stderr', 60_000);
      const run = submit('taken-over', 3000, undefined, url);
      await expect
        .poll(() => workers.find((w) => /run taken-over: started/.test(w.out.stderr)), { timeout: 30_000 })
        .toBeDefined();
      const first = workers.find((w) => /run taken-over: started/.test(w.out.stderr))!;
      await expect
        .poll(() => lossSteps('taken-over').length, { timeout: 30_000, interval: 20 })
        .toBeGreaterThan(300);
      first.kill('SIGKILL');
      await first.exited;
      await run.done;
      expect(run.events.at(-1)).toMatchObject({ type: 'end', reason: 'completed', step: 3000 });
      const other = workers.find((w) => w !== first)!;
      // From its checkpoint, or from the start when it had none yet: the replayed steps are dropped.
      await other.waitFor(
        /run taken-over: started \(attempt 2\)[\s\S]*run taken-over: completed after step 3000/,
      );
      await expect.poll(() => store.getRun('taken-over')?.status, { timeout: 10_000 }).toBe('completed');
      expect(lossSteps('taken-over')).toEqual(range(1, 3000));
      expect(store.loggedEvents('taken-over').filter((l) => l.event.type === 'start')).toHaveLength(1);
      expect(hubLines.join('\n')).toContain('run taken-over: taken over by another worker');
    } finally {
      for (const w of workers) {
        w.kill('SIGKILL');
        await w.exited;
      }
    }
  });

  it('as processes: `dashboard --queue` records a remote run beside a `train --queue` recording its own, credentials nowhere', async () => {
    const password = 'pw-Hub-93kq';
    const admin = new Redis(redis.url);
    await admin.call('ACL', 'SETUSER', 'hubuser', 'on', `>${password}`, '~*', '&*', '+@all');
    await admin.quit();
    const url = redis.url.replace('redis://', `redis://hubuser:${password}@`);
    const cliStore = mkdtempSync(join(tmpdir(), 'gradstream-hub-cli-'));
    const hubCli = startCli(['dashboard', '--store', cliStore, '--port', '0', '--queue', url]);
    try {
      const [, shown] = await hubCli.waitFor(/recording the runs of queue (\S+);/, 'stderr', 60_000);
      expect(shown).toBe(`redis://***:***@127.0.0.1:${redis.port}`);
      // A run only the hub records, and one its submitter records on the same store.
      const remote = submit('cli-remote', 80, 'remote-cli');
      const file = join(cliStore, 'config.json');
      writeFileSync(
        file,
        JSON.stringify({
          model: { hidden: [16] },
          batchSize: 50,
          steps: 60,
          data: { trainLimit: 1000 },
          workers: 1,
        }),
      );
      const trainer = startCli(['train', '--config', file, '--queue', url, '--json', '--store', cliStore]);
      const [, ownId] = await trainer.waitFor(/run (\S+): submitted to/, 'stderr', 60_000);
      await remote.done;
      expect(await trainer.exited).toEqual({ code: 0, signal: null });
      await hubCli.waitFor(/run cli-remote: completed after step 80/);

      const reader = RunStore.open({ dir: cliStore, readonly: true });
      try {
        expect(reader.getRun('cli-remote')).toMatchObject({ status: 'completed', name: 'remote-cli' });
        expect(reader.metricsFrom('cli-remote', 0).filter((p) => p.name === 'loss')).toHaveLength(80);
        // The submitter's run: recorded once, by the submitter.
        expect(reader.getRun(ownId!)?.status).toBe('completed');
        expect(
          reader
            .metricsFrom(ownId!, 0)
            .filter((p) => p.name === 'loss')
            .map((p) => p.step),
        ).toEqual(range(1, 60));
      } finally {
        reader.close();
      }
      expect(hubCli.out.stderr).not.toContain(`recording run ${ownId}`);
      hubCli.kill('SIGINT');
      expect(await hubCli.exited).toEqual({ code: 0, signal: null });
      const files = readdirSync(cliStore, { recursive: true })
        .map((f) => join(cliStore, String(f)))
        .filter((f) => statSync(f).isFile());
      const outputs = [hubCli, trainer].flatMap((c) => [c.out.stdout, c.out.stderr]).join('\n');
      for (const text of [outputs, ...files.map((f) => readFileSync(f).toString('latin1'))]) {
        expect(text).not.toContain(password);
        expect(text).not.toContain('hubuser');
      }
      // A queue URL that is not one: one line naming the flag, its credentials masked, exit 2.
      const bad = startCli([
        'dashboard',
        '--store',
        cliStore,
        '--port',
        '0',
        '--queue',
        'http://eve:pw-x@host',
      ]);
      expect((await bad.exited).code).toBe(2);
      expect(bad.out.stderr).toMatch(/--queue must be a Redis URL .*got http:\/\/\*\*\*:\*\*\*@host/);
      expect(bad.out.stderr).not.toContain('pw-x');
      // A queue that is not there: said once, masked, and waited for; Ctrl-C still quits at once.
      const away = startCli([
        'dashboard',
        '--store',
        cliStore,
        '--port',
        '0',
        '--queue',
        `redis://eve:pw-y@127.0.0.1:${await freePort()}`,
      ]);
      await away.waitFor(
        /queue redis:\/\/\*\*\*:\*\*\*@127\.0\.0\.1:\d+: connect ECONNREFUSED .*; reconnecting/,
      );
      away.kill('SIGINT');
      const quit = await Promise.race([away.exited, new Promise((r) => setTimeout(() => r('hung'), 5000))]);
      away.kill('SIGKILL');
      expect(quit).toEqual({ code: 0, signal: null });
      expect(away.out.stderr).not.toContain('pw-y');
    } finally {
      hubCli.kill('SIGKILL');
      await hubCli.exited;
      rmSync(cliStore, { recursive: true, force: true });
    }
  });
});
