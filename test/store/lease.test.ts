// Run leases on a real SQLite store (issue 14): a version 1 store migrates and keeps its runs; a
// running run whose lease expired (another host) or whose process died (this host) reads as
// `interrupted`; the heartbeat renews; claims refuse live, completed and damaged runs.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DB_FILE, SCHEMA_VERSION } from '../../src/store/database.js';
import { LEASE } from '../../src/store/lease.js';
import { RunStore } from '../../src/store/run-store.js';
import { storedRunEvents } from '../../src/store/stored-events.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gradstream-lease-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const raw = () => new Database(join(dir, DB_FILE));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A pid that existed and has exited (a finished child of this process). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
}

/** Sets a run's lease columns by hand (another process's lease). */
function setLease(id: string, pid: number, host: string, expiresAt: number): void {
  const db = raw();
  db.prepare('UPDATE runs SET lease_pid = ?, lease_host = ?, lease_expires_at = ? WHERE id = ?').run(
    pid,
    host,
    expiresAt,
    id,
  );
  db.close();
}

describe('schema versions 2 and 3', () => {
  it('migrates a version 1 store, keeping its runs and metrics; a reader leaves it at version 1', () => {
    const db = raw();
    db.exec(`
      CREATE TABLE runs (id TEXT PRIMARY KEY, name TEXT, config TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'stopped', 'failed')),
        created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, ended_at INTEGER, final_metrics TEXT, error TEXT);
      CREATE TABLE metrics (run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE, step INTEGER NOT NULL,
        name TEXT NOT NULL, value REAL, PRIMARY KEY (run_id, name, step)) WITHOUT ROWID;
      CREATE INDEX metrics_by_step ON metrics (run_id, step);
      PRAGMA user_version = 1;
      INSERT INTO runs VALUES ('old-done', 'done', '{"batchSize":10}', 'completed', 1, 2, 2, '{"loss":0.5,"steps":3}', NULL);
      INSERT INTO runs VALUES ('old-killed', NULL, '{}', 'running', 3, 4, NULL, NULL, NULL);
      INSERT INTO metrics VALUES ('old-done', 1, 'loss', 0.25), ('old-done', 2, 'loss', 0.125);
    `);
    db.pragma('journal_mode = WAL');
    db.close();

    const reader = RunStore.open({ dir, readonly: true });
    expect(reader.listRuns().map((r) => [r.id, r.status])).toEqual([
      ['old-killed', 'interrupted'], // a v1 running row not written to for LEASE.expiryMs
      ['old-done', 'completed'],
    ]);
    // The hub's tables (version 3) read as empty in an older store opened read-only.
    expect(reader.loggedEvents('old-done')).toEqual([]);
    expect(reader.standingDashboards()).toEqual([]);
    reader.close();
    expect(raw().pragma('user_version', { simple: true })).toBe(1);

    const store = RunStore.open({ dir });
    expect(raw().pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(SCHEMA_VERSION).toBe(3);
    store.sendControl('old-killed', 'pause');
    expect(store.takeControls('old-killed')).toEqual([{ id: 1, action: 'pause', lr: null }]);
    const done = store.getRun('old-done')!;
    expect(done).toMatchObject({
      name: 'done',
      config: { batchSize: 10 },
      finalMetrics: { loss: 0.5, steps: 3 },
    });
    expect(store.metrics('old-done').map((p) => p.value)).toEqual([0.25, 0.125]);
    expect(store.getRun('old-killed')?.status).toBe('interrupted');
    const fresh = store.createRun({ id: 'new', config: {} });
    expect(fresh.lease).toEqual({ pid: process.pid, host: hostname(), expiresAt: expect.any(Number) });
    store.close();
    // Opening it again (already version 3) changes nothing.
    const again = RunStore.open({ dir });
    expect(again.listRuns()).toHaveLength(3);
    again.close();
  });
});

describe('leases', () => {
  let store: RunStore;
  beforeEach(() => {
    store = RunStore.open({ dir, onLeaseProblem: () => {} });
  });
  afterEach(() => store.close());

  it('reads a run whose lease expired as interrupted, by the expiry alone (another host)', async () => {
    store.createRun({ id: 'far', config: {} });
    // Another machine's lease: its process cannot be probed from here, so only the clock decides.
    setLease('far', process.pid, 'another-host.example', Date.now() + 400);
    expect(store.getRun('far')?.status).toBe('running');
    expect(store.listRuns({ status: 'running' }).map((r) => r.id)).toEqual(['far']);
    await sleep(500);
    const reader = RunStore.open({ dir, readonly: true });
    expect(reader.getRun('far')).toMatchObject({
      status: 'interrupted',
      lease: { pid: process.pid, host: 'another-host.example' },
    });
    expect(reader.listRuns({ status: 'interrupted' }).map((r) => r.id)).toEqual(['far']);
    expect(reader.listRuns({ status: 'running' })).toEqual([]);
    expect(reader.findRun('far')?.status).toBe('interrupted');
    reader.close();
  });

  it('reads a run whose process on this host is gone as interrupted at once', () => {
    store.createRun({ id: 'killed', config: {} });
    setLease('killed', deadPid(), hostname(), Date.now() + 3_600_000);
    expect(store.getRun('killed')?.status).toBe('interrupted');
    setLease('killed', process.pid, hostname(), Date.now() + 3_600_000);
    expect(store.getRun('killed')?.status).toBe('running');
  });

  it('renews the lease every heartbeat and ends it with the run', async () => {
    const created = store.createRun({ id: 'beating', config: {} });
    const first = created.lease!.expiresAt;
    expect(first - Date.now()).toBeGreaterThan(LEASE.expiryMs - 1000);
    await sleep(LEASE.heartbeatMs + 500);
    expect(store.getRun('beating')!.lease!.expiresAt).toBeGreaterThan(first);
    store.updateRun('beating', { status: 'stopped' });
    const row = raw().prepare('SELECT lease_pid, lease_host, lease_expires_at FROM runs').get();
    expect(row).toEqual({ lease_pid: null, lease_host: null, lease_expires_at: null });
    expect(store.getRun('beating')).toMatchObject({ status: 'stopped', lease: null });
  });

  it('claims an interrupted, stopped or failed run, and refuses a live, completed or damaged one', () => {
    store.createRun({ id: 'live', config: {} });
    setLease('live', process.pid, 'another-host.example', Date.now() + 3_600_000);
    expect(() => store.claimRun('live')).toThrow(
      /run live is being trained by pid \d+ on host another-host\.example \(its lease is live\)/,
    );
    store.createRun({ id: 'done', config: {} });
    store.updateRun('done', { status: 'completed', finalMetrics: { steps: 7 } });
    expect(() => store.claimRun('done')).toThrow(
      /run done is completed \(7 steps\); there is nothing to resume/,
    );
    expect(store.getRun('done')).toMatchObject({ status: 'completed', finalMetrics: { steps: 7 } });
    store.createRun({ id: 'dead', config: {} });
    setLease('dead', deadPid(), hostname(), Date.now() + 3_600_000);
    const claimed = store.claimRun('dead');
    expect(claimed).toMatchObject({ status: 'running', lease: { pid: process.pid, host: hostname() } });
    for (const status of ['stopped', 'failed'] as const) {
      store.createRun({ id: status, config: {} });
      store.updateRun(status, { status, error: 'x' });
      expect(store.claimRun(status)).toMatchObject({ status: 'running', error: null, endedAt: null });
    }
    const db = raw();
    db.prepare(
      `INSERT INTO runs (id, config, status, created_at, updated_at) VALUES ('broken', '{', 'stopped', 1, 1)`,
    ).run();
    db.close();
    expect(() => store.claimRun('broken')).toThrow(
      /gradstream\.db: run broken is damaged: runs\.config is not valid JSON/,
    );
  });

  it('refuses an empty or blank run reference instead of matching every run as a prefix', () => {
    store.createRun({ id: 'only', config: {} });
    for (const ref of ['', ' ', '\t\n'])
      expect(() => store.findRun(ref)).toThrow(/run must be a run id, id prefix or name, got/);
    expect(store.findRun('on')?.id).toBe('only');
  });

  it('gives the dashboard an end for an interrupted run and the damage of a damaged one', () => {
    store.createRun({ id: 'gone', config: { batchSize: 5 } });
    store.insertMetrics('gone', [{ step: 1, name: 'loss', value: 2 }]);
    setLease('gone', deadPid(), hostname(), Date.now() + 3_600_000);
    const gone = storedRunEvents(store, store.getRun('gone')!);
    expect(gone.map((e) => e.type)).toEqual(['start', 'step', 'end']);
    expect(gone.at(-1)).toMatchObject({ type: 'end', reason: 'stopped', step: 1 });
    const db = raw();
    db.prepare(
      `INSERT INTO runs (id, config, status, created_at, updated_at) VALUES ('bad', '[1', 'stopped', 1, 1)`,
    ).run();
    db.close();
    const [start] = storedRunEvents(store, store.getRun('bad')!);
    expect(start).toMatchObject({
      type: 'start',
      config: { damaged: expect.stringMatching(/^runs\.config is not valid JSON/) },
    });
  });
});
