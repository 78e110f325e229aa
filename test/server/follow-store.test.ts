// The standing dashboard's follower against a real store, a real server and a real socket client:
// runs written by other store handles (as other processes would) appear and stream, end as their row
// says, come back when resumed without a second copy of their steps, and are steered through the store.

import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunState, RunUpdate } from '../../src/protocol/server-messages.js';
import { type DashboardServer, startDashboardServer } from '../../src/server/dashboard-server.js';
import { followStore, type StoreFollower } from '../../src/server/follow-store.js';
import { DB_FILE } from '../../src/store/database.js';
import { createRunRecorder, type RunRecorder } from '../../src/store/recorder.js';
import { RunStore } from '../../src/store/run-store.js';
import { startEvent, stepEvent } from '../helpers/event-fixtures.js';
import { connect, type TestClient } from './clients.js';

let dir: string;
let hubStore: RunStore;
let trainer: RunStore;
let server: DashboardServer;
let follower: StoreFollower;
let client: TestClient;

const quiet = () => {};
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gradstream-follow-'));
  trainer = RunStore.open({ dir, onLeaseProblem: quiet });
  hubStore = RunStore.open({ dir, onLeaseProblem: quiet });
});
afterEach(async () => {
  client?.ws.close();
  follower?.stop();
  await server?.close();
  hubStore.close();
  trainer.close();
  rmSync(dir, { recursive: true, force: true });
});

async function startHub(): Promise<void> {
  server = await startDashboardServer({ port: 0, control: true, intervalMs: 20, log: quiet });
  follower = followStore(hubStore, server, { pollMs: 30, control: true, log: quiet });
  client = await connect(server.port);
  await client.until(() => client.messages.some((m) => m.type === 'hello'));
}

/** The latest info/state the client was sent for `runId`. */
function latest(runId: string): { state?: RunState; info?: RunUpdate['info']; histograms: number } {
  const out: { state?: RunState; info?: RunUpdate['info']; histograms: number } = { histograms: 0 };
  for (const m of client.messages) {
    if (m.type !== 'hello' && m.type !== 'frame') continue;
    for (const r of m.runs) {
      if (r.runId !== runId) continue;
      if (r.state) out.state = r.state;
      if (r.info) out.info = r.info;
      out.histograms += r.histograms?.length ?? 0;
    }
  }
  return out;
}

const start = (totalSteps: number) => startEvent(totalSteps);
const step = stepEvent;

function record(recorder: RunRecorder, from: number, to: number): void {
  for (let s = from; s <= to; s++) recorder.record(step(s));
  recorder.flush();
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('followStore', () => {
  it('shows stored runs whole, then a run started later streams in, pauses and completes', async () => {
    trainer.createRun({ id: 'old', config: { optimizer: { name: 'sgd' } } });
    trainer.insertMetrics(
      'old',
      [1, 2, 3].map((s) => ({ step: s, name: 'loss', value: 1 })),
    );
    trainer.updateRun('old', { status: 'completed' });
    await startHub();
    // (A hello carries the state at once and the steps in the next frame.)
    await client.until(
      () => latest('old').state?.endReason === 'completed' && client.steps.get('old')?.length === 3,
      5000,
    );
    expect(client.steps.get('old')).toEqual([1, 2, 3]);

    const run = trainer.createRun({ id: 'new', name: 'later', config: { optimizer: { name: 'adam' } } });
    const recorder = createRunRecorder(trainer, run.id, { flushMs: 10_000 });
    recorder.record(start(100));
    record(recorder, 1, 40);
    await client.until(() => (client.steps.get('new') ?? []).length === 40, 5000);
    expect(latest('new').info).toMatchObject({ totalSteps: 100, config: { name: 'later' } });
    expect(latest('new').info?.controllable).toBe(true);

    recorder.record({ type: 'paused', step: 40 });
    recorder.record({
      type: 'histogram',
      step: 40,
      layer: 'layer1',
      kind: 'weights',
      edges: [0, 1],
      counts: [2],
    });
    recorder.flush();
    await client.until(() => latest('new').state?.status === 'paused', 5000);
    expect(latest('new').histograms).toBe(1);
    recorder.record({ type: 'resumed', step: 40 });
    record(recorder, 41, 60);
    recorder.record({ type: 'end', step: 60, reason: 'completed', elapsedMs: 600, skippedSteps: 0 });
    await client.until(() => latest('new').state?.endReason === 'completed', 5000);
    expect(client.steps.get('new')).toEqual(range(1, 60));
    expect(client.problems).toEqual([]);
  });

  it('ends a run failed or interrupted as its row says, and a resume continues its curve without a gap', async () => {
    trainer.createRun({ id: 'broke', config: {} });
    const run = trainer.createRun({ id: 'killed', config: {} });
    const recorder = createRunRecorder(trainer, run.id, { flushMs: 10_000 });
    recorder.record(start(80));
    record(recorder, 1, 50); // steps past its last checkpoint (at 30) reached the page
    await startHub();
    await client.until(() => client.steps.get('killed')?.length === 50, 5000);

    trainer.updateRun('broke', { status: 'failed', error: 'loss is NaN' });
    // The trainer dies: its lease names a process that is gone.
    const db = new Database(join(dir, DB_FILE));
    db.prepare(`UPDATE runs SET lease_host = ?, lease_expires_at = ? WHERE id = 'killed'`).run(
      hostname(),
      Date.now() - 1,
    );
    db.close();
    await client.until(
      () =>
        latest('broke').state?.endReason === 'failed' && latest('killed').state?.endReason === 'interrupted',
      5000,
    );

    // `gradstream resume`: another handle claims the run from its checkpoint at step 30.
    const resumer = RunStore.open({ dir, onLeaseProblem: quiet });
    try {
      resumer.claimRun('killed');
      resumer.truncateMetrics('killed', 30);
      const again = createRunRecorder(resumer, 'killed', { flushMs: 10_000 });
      again.record(start(80));
      record(again, 31, 80);
      again.close('completed');
      await client.until(() => latest('killed').state?.endReason === 'completed', 5000);
    } finally {
      resumer.close();
    }
    // One curve: every step once, in order (the replayed 31–50 are not drawn twice).
    expect(client.steps.get('killed')).toEqual(range(1, 80));
  });

  it('steers a live run through the store with the page’s token; a bad lr is refused at the page', async () => {
    trainer.createRun({ id: 'live', config: {} });
    await startHub();
    await client.until(() => latest('live').info?.controllable === true, 5000);
    const token = server.controlToken;
    const send = (m: object) =>
      client.ws.send(JSON.stringify({ v: 1, type: 'control', runId: 'live', token, ...m }));
    send({ action: 'pause' });
    send({ action: 'setLearningRate', lr: 0.02 });
    send({ action: 'setLearningRate', lr: 1e308 });
    await client.until(() => client.messages.some((m) => m.type === 'refused'), 5000);
    await expect
      .poll(() => trainer.takeControls('live').map((r) => [r.action, r.lr]), { timeout: 5000 })
      .toEqual([
        ['pause', null],
        ['setLearningRate', 0.02],
      ]);
  });
});

describe('/runs/<id>/metrics.csv', () => {
  it('serves a run’s metrics from the store at full resolution; 404 for an unknown run; the token when set', async () => {
    trainer.createRun({ id: 'r/1', config: {} });
    const points = range(1, 5000).map((s) => ({ step: s, name: 'loss', value: 1 / s }));
    trainer.insertMetrics('r/1', [...points, { step: 5000, name: 'test.accuracy', value: 0.9 }]);
    const { storedMetricsCsv } = await import('../../src/store/stored-csv.js');
    server = await startDashboardServer({ port: 0, metricsCsv: storedMetricsCsv(dir), log: quiet });
    const base = `http://127.0.0.1:${server.port}`;
    const csv = await fetch(`${base}/runs/${encodeURIComponent('r/1')}/metrics.csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/text\/csv/);
    const lines = (await csv.text()).trim().split('\n');
    expect(lines.filter((l) => /^\d+,loss,/.test(l))).toHaveLength(5000); // every step, not a page's sample
    expect(lines).toContain('5000,test.accuracy,0.9');
    expect((await fetch(`${base}/runs/nope/metrics.csv`)).status).toBe(404);
    expect((await fetch(`${base}/runs/x/metrics.csv`, { method: 'POST' })).status).toBe(405);
    await server.close();

    server = await startDashboardServer({
      port: 0,
      token: 't0k3n-abcdefgh',
      metricsCsv: storedMetricsCsv(dir),
      log: quiet,
    });
    const guarded = `http://127.0.0.1:${server.port}/runs/${encodeURIComponent('r/1')}/metrics.csv`;
    expect((await fetch(guarded)).status).toBe(401);
    expect((await fetch(`${guarded}?token=t0k3n-abcdefgh`)).status).toBe(200);
  });
});
