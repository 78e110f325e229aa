// A run's status is the truth (issue 14), with the real CLI: a `gradstream train` killed with
// SIGKILL reads as interrupted (at once on this host, by the lease's expiry alone from another)
// and `resume` takes it over bit-identically; live runs, completed runs and empty ids are refused;
// a dashboard port in use is one line and leaves no run row.

import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { checkpointDir, latestCheckpoint } from '../../src/store/checkpoint.js';
import { LEASE } from '../../src/store/lease.js';
import { createRunRecorder } from '../../src/store/recorder.js';
import { RunStore } from '../../src/store/run-store.js';
import { hasStackTrace, runCli, stderrLines } from './cli-child.js';

const newStore = () => mkdtempSync(join(tmpdir(), 'gradstream-lease-cli-'));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const listJson = async (store: string, ...args: string[]) => {
  const r = await runCli(['runs', 'list', '--json', ...args, '--store', store]);
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { id: string; name: string; status: string }[];
};
/** Everything the store holds about a run, byte for byte as SQLite returns it. */
const rawRun = (store: string, id: string) => {
  const db = new Database(join(store, 'gradstream.db'), { readonly: true });
  const row = db.prepare('SELECT * FROM runs WHERE id = ?').get(id);
  const metrics = db.prepare('SELECT * FROM metrics WHERE run_id = ? ORDER BY name, step').all(id);
  db.close();
  return { row, metrics };
};

describe('a killed run', () => {
  it('reads as interrupted after kill -9, and resume continues it bit-identically', async () => {
    const store = newStore();
    const common = [
      ...['--steps', '60', '--batch-size', '50', '--hidden', '16', '--train-limit', '2000'],
      ...['--checkpoint-every', '10', '--workers', '2', '--no-dashboard', '--store', store],
    ];
    const straight = await runCli(['train', '--name', 'straight', ...common], { timeoutMs: 300_000 });
    expect(straight.status, straight.stderr).toBe(0);

    // Killed mid-run (SIGKILL: no handler runs, the row stays `running` with the dead pid's lease).
    let killedAt = 0;
    const killed = await runCli(['train', '--name', 'killed', '--json', ...common], {
      timeoutMs: 300_000,
      onStdout: (stdout, child) => {
        if (killedAt === 0 && /"type":"step","step":(2[5-9]|[3-5]\d)\b/.test(stdout)) {
          killedAt = Date.now();
          child.kill('SIGKILL');
        }
      },
    });
    expect(killed.signal).toBe('SIGKILL');
    // This host: the lease's process is gone, so the very first listing says interrupted (started
    // now, it runs while the other host's view is watched below).
    const firstListingStarted = Date.now() - killedAt;
    const firstListing = listJson(store);
    const db = new Database(join(store, 'gradstream.db'));
    const row = db.prepare(`SELECT status, lease_pid, lease_host FROM runs WHERE name = 'killed'`).get();
    expect(row).toEqual({ status: 'running', lease_pid: expect.any(Number), lease_host: hostname() });
    // Another host's view, where the pid cannot be probed and only the lease's expiry can tell: a
    // copy of the store taken now whose lease names another host, watched from the kill on.
    const elsewhere = newStore();
    db.exec(`VACUUM INTO '${join(elsewhere, 'gradstream.db')}'`);
    db.close();
    const copy = new Database(join(elsewhere, 'gradstream.db'));
    copy.prepare(`UPDATE runs SET lease_host = 'another-host.example' WHERE name = 'killed'`).run();
    const { lease_expires_at: expiresAt } = copy
      .prepare(`SELECT lease_expires_at FROM runs WHERE name = 'killed'`)
      .get() as { lease_expires_at: number };
    copy.close();
    const reader = RunStore.open({ dir: elsewhere, readonly: true });
    const watchFrom = Date.now();
    while (reader.findRun('killed')?.status === 'running') await sleep(50);
    const turned = Date.now();
    reader.close();
    console.log(
      `another host: the lease expired ${expiresAt - killedAt} ms after kill -9; read as interrupted ${turned - killedAt} ms after it (watched from ${watchFrom - killedAt} ms)`,
    );
    // Renewed last before the kill, the lease expires at most LEASE.expiryMs after it.
    expect(expiresAt - killedAt).toBeLessThanOrEqual(LEASE.expiryMs);
    expect(turned).toBeLessThanOrEqual(Math.max(watchFrom, expiresAt) + 500);
    expect((await listJson(elsewhere)).find((r) => r.name === 'killed')?.status).toBe('interrupted');

    const listed = await firstListing;
    expect(listed.find((r) => r.name === 'killed')?.status).toBe('interrupted');
    console.log(
      `this host: interrupted in the first runs list --json, started ${firstListingStarted} ms after kill -9`,
    );
    expect((await listJson(store, '--status', 'interrupted')).map((r) => r.name)).toEqual(['killed']);
    const table = await runCli(['runs', 'list', '--store', store]);
    expect(table.stdout).toMatch(/^\S+\s+killed\s+interrupted\s/m);
    const show = await runCli(['runs', 'show', 'killed', '--store', store]);
    expect(show.stdout).toMatch(/^status\s+interrupted$/m);

    const resumed = await runCli(['resume', 'killed', '--no-dashboard', '--store', store], {
      timeoutMs: 300_000,
    });
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming run \S+ from .*ckpt-\d+\.gsc \(step [1-5]0\)/);
    const runs = RunStore.open({ dir: store, readonly: true });
    const [a, b] = ['straight', 'killed'].map((name) => runs.findRun(name)!);
    expect(b.status).toBe('completed');
    expect(b.lease).toBeNull();
    const ca = latestCheckpoint(checkpointDir(store, a.id))!.checkpoint;
    const cb = latestCheckpoint(checkpointDir(store, b.id))!.checkpoint;
    expect(cb.step).toBe(60);
    expect(Buffer.from(cb.params.buffer).equals(Buffer.from(ca.params.buffer))).toBe(true);
    for (const name of Object.keys(ca.slots))
      expect(Buffer.from(cb.slots[name].buffer).equals(Buffer.from(ca.slots[name].buffer))).toBe(true);
    const series = (id: string, name: string) =>
      runs
        .metrics(id)
        .filter((p) => p.name === name)
        .map((p) => [p.step, p.value]);
    for (const name of ['loss', 'gradNorm', 'lr', 'validation.accuracy', 'test.accuracy'])
      expect(series(b.id, name), name).toEqual(series(a.id, name));
    expect(series(a.id, 'loss')).toHaveLength(60);
    runs.close();
  });
});

describe.concurrent('refusals', () => {
  /** A store with a live run (this test process's lease, far from expiry), a completed and a stopped one. */
  function fixture(): string {
    const store = newStore();
    const s = RunStore.open({ dir: store });
    s.createRun({ id: '20260101-000000-busy', name: 'busy', config: {} });
    for (const [id, status] of [
      ['20260101-000000-done', 'completed'],
      ['20260101-000000-stop', 'stopped'],
    ] as const) {
      s.createRun({ id, name: id.slice(-4), config: {} });
      const recorder = createRunRecorder(s, id);
      for (let step = 1; step <= 5; step++)
        recorder.record({
          type: 'step',
          ...{ step, epoch: 0, loss: 1 / step, lr: 0.1, samples: 1, samplesPerSecond: 1, elapsedMs: step },
          ...{ skipped: false, gradNorm: 1 },
        });
      recorder.record({ type: 'end', step: 5, reason: status, elapsedMs: 5, skippedSteps: 0 });
      recorder.close();
    }
    s.close();
    const db = new Database(join(store, 'gradstream.db'));
    db.prepare('UPDATE runs SET lease_expires_at = ? WHERE id = ?').run(
      Date.now() + 3_600_000,
      '20260101-000000-busy',
    );
    db.close();
    return store;
  }
  const oneLine = (r: Awaited<ReturnType<typeof runCli>>, pattern: RegExp) => {
    expect(r.status, r.stderr).toBe(2);
    expect(stderrLines(r)).toEqual([expect.stringMatching(pattern)]);
    expect(hasStackTrace(r.stderr)).toBe(false);
  };

  it('runs rm of a live run is refused unless --force', async () => {
    const store = fixture();
    const before = rawRun(store, '20260101-000000-busy');
    oneLine(
      await runCli(['runs', 'rm', 'busy', '--store', store]),
      /run 20260101-000000-busy is running \(pid \d+ on host .* holds a live lease\); stop it first, or pass --force/,
    );
    expect(rawRun(store, '20260101-000000-busy')).toEqual(before);
    const forced = await runCli(['runs', 'rm', 'busy', '--force', '--store', store]);
    expect(forced.status, forced.stderr).toBe(0);
    expect(rawRun(store, '20260101-000000-busy').row).toBeUndefined();
  });

  it('runs rm of an empty or blank id is refused and removes nothing', async () => {
    const store = fixture();
    for (const ref of ['', '   '])
      oneLine(
        await runCli(['runs', 'rm', ref, '--store', store]),
        /run must be a run id, id prefix or name, got/,
      );
    expect(await listJson(store)).toHaveLength(3);
  });

  it('resume of a run a live process trains is refused and changes nothing', async () => {
    const store = fixture();
    const before = rawRun(store, '20260101-000000-busy');
    oneLine(
      await runCli(['resume', 'busy', '--no-dashboard', '--store', store]),
      /run 20260101-000000-busy is being trained by pid \d+ on host .* \(its lease is live\)/,
    );
    expect(rawRun(store, '20260101-000000-busy')).toEqual(before);
  });

  it('resume of a completed run says so, exits 2 and keeps its final metrics and metrics', async () => {
    const store = fixture();
    const before = rawRun(store, '20260101-000000-done');
    expect(before.metrics).toHaveLength(5 * 6);
    oneLine(
      await runCli(['resume', 'done', '--no-dashboard', '--store', store]),
      /run 20260101-000000-done is completed \(5 steps\); there is nothing to resume/,
    );
    expect(rawRun(store, '20260101-000000-done')).toEqual(before);
  });

  it('a dashboard port in use is one line naming it and --port 0, exit 2, and no run row', async () => {
    const store = newStore();
    const taken = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    const port = (taken.address() as { port: number }).port;
    try {
      const args = ['--steps', '3', '--hidden', '8', '--train-limit', '300', '--workers', '1'];
      const r = await runCli([
        'train',
        ...args,
        '--host',
        '127.0.0.1',
        '--port',
        String(port),
        '--store',
        store,
      ]);
      oneLine(r, new RegExp(`dashboard port ${port} on 127\\.0\\.0\\.1 is already in use; pass --port 0`));
      expect(await listJson(store)).toEqual([]);
    } finally {
      taken.close();
    }
  });
});
