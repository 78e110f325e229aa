// The store as the hub (schema 3): a recorder logs a run's start, control and histogram events beside
// its metrics (histograms thinned for a long run); a resume truncates both; control requests are taken
// once, in order; standing dashboards register under a lease that a dead process loses.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createController } from '../../src/pipeline/controller.js';
import { DB_FILE } from '../../src/store/database.js';
import { followControls } from '../../src/store/follow-controls.js';
import { createRunRecorder, STORED_HISTOGRAM_SNAPSHOTS } from '../../src/store/recorder.js';
import { RunStore } from '../../src/store/run-store.js';
import { storedRunEvents } from '../../src/store/stored-events.js';
import type { TrainEvent } from '../../src/train/events.js';
import { startEvent, stepEvent } from '../helpers/event-fixtures.js';

let dir: string;
let store: RunStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gradstream-hub-store-'));
  store = RunStore.open({ dir, onLeaseProblem: () => {} });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

const start = (totalSteps: number) => startEvent(totalSteps, { plan: 'big' });
const step = stepEvent;
const histogram = (n: number, layer = 'layer1'): TrainEvent => ({
  type: 'histogram',
  step: n,
  layer,
  kind: 'weights',
  edges: [0, 1, 2],
  counts: [3, 4],
});

describe('the event log', () => {
  it('keeps start, control and histogram events beside the metrics, and replays them in step order', () => {
    const run = store.createRun({ id: 'r', name: 'lr-probe', config: { batchSize: 10 } });
    const recorder = createRunRecorder(store, run.id);
    for (const e of [start(4), step(1), { type: 'paused', step: 1 } as TrainEvent, step(2), histogram(2)])
      recorder.record(e);
    recorder.record({ type: 'lr', step: 2, lr: 0.05 });
    recorder.record(step(3));
    recorder.close('stopped');

    const logged = store.loggedEvents('r').map((l) => l.event.type);
    expect(logged).toEqual(['start', 'paused', 'histogram', 'lr']);
    // The pipeline's plan stays out of the store: the run's config is its row's.
    expect(store.loggedEvents('r')[0].event).toMatchObject({ type: 'start', config: {}, totalSteps: 4 });

    const replay = storedRunEvents(store, store.getRun('r')!);
    expect(replay.map((e) => e.type)).toEqual([
      'start',
      'step',
      'paused',
      'step',
      'histogram',
      'lr',
      'step',
      'end',
    ]);
    // The start carries the row's config and name (the page names runs by config.name).
    expect(replay[0]).toMatchObject({ totalSteps: 4, config: { batchSize: 10, name: 'lr-probe' } });
  });

  it('keeps about STORED_HISTOGRAM_SNAPSHOTS snapshots of a long run, every layer of a kept step', () => {
    store.createRun({ id: 'long', config: {} });
    const recorder = createRunRecorder(store, 'long', { maxRows: 100_000 });
    const total = 100_000;
    recorder.record(start(total));
    for (let s = 100; s <= total; s += 100) {
      recorder.record(histogram(s, 'layer1'));
      recorder.record(histogram(s, 'layer2'));
    }
    recorder.close('completed');
    const kept = store.loggedEvents('long').filter((l) => l.event.type === 'histogram');
    const steps = new Set(kept.map((l) => (l.event as { step: number }).step));
    expect(steps.size).toBeGreaterThan(STORED_HISTOGRAM_SNAPSHOTS / 2);
    expect(steps.size).toBeLessThanOrEqual(STORED_HISTOGRAM_SNAPSHOTS + 1);
    expect(kept).toHaveLength(2 * steps.size); // both layers of every kept step
  });

  it('a resume truncates the logged events after its checkpoint with the metrics', () => {
    store.createRun({ id: 'r', config: {} });
    store.record('r', [{ step: 5, name: 'loss', value: 1 }], [histogram(5), histogram(9)]);
    store.record('r', [{ step: 9, name: 'loss', value: 1 }], [{ type: 'paused', step: 9 }]);
    expect(store.truncateMetrics('r', 5)).toBe(1);
    expect(store.loggedEvents('r').map((l) => (l.event as { step: number }).step)).toEqual([5]);
    expect(store.metrics('r').map((p) => p.step)).toEqual([5]);
  });

  it('numbers events across runs in the order written, for a follower', () => {
    store.createRun({ id: 'a', config: {} });
    store.createRun({ id: 'b', config: {} });
    const before = store.lastLoggedEvent();
    store.record('a', [], [histogram(1)]);
    store.record('b', [], [{ type: 'paused', step: 3 }]);
    const after = store.loggedEventsAfter(before);
    expect(after.map((l) => [l.runId, l.event.type])).toEqual([
      ['a', 'histogram'],
      ['b', 'paused'],
    ]);
    expect(store.loggedEventsAfter(after[1].id)).toEqual([]);
  });
});

describe('control requests', () => {
  it('are taken once, in the order sent, by the run they name', () => {
    store.createRun({ id: 'a', config: {} });
    store.createRun({ id: 'b', config: {} });
    store.sendControl('a', 'pause');
    store.sendControl('b', 'stop');
    store.sendControl('a', 'setLearningRate', 0.003);
    store.sendControl('a', 'setLearningRate', null);
    expect(store.takeControls('a').map((r) => [r.action, r.lr])).toEqual([
      ['pause', null],
      ['setLearningRate', 0.003],
      ['setLearningRate', null],
    ]);
    expect(store.takeControls('a')).toEqual([]);
    expect(store.takeControls('b').map((r) => r.action)).toEqual(['stop']);
  });

  it('reach a controller in another handle (the trainer’s) within a poll, and a refused one is said', async () => {
    store.createRun({ id: 'a', config: {} });
    const trainer = RunStore.open({ dir });
    const controller = createController();
    const lines: string[] = [];
    const stop = followControls(trainer, 'a', controller, { pollMs: 20, log: (l) => lines.push(l) });
    try {
      store.sendControl('a', 'pause');
      store.sendControl('a', 'setLearningRate', 0.5);
      await expect
        .poll(() => controller.state, { timeout: 2000 })
        .toMatchObject({ paused: true, lrOverride: 0.5 });
      // A row written by something else with an lr out of range: the controller refuses it, said once.
      store.sendControl('a', 'setLearningRate', 1e308);
      await expect.poll(() => lines.length, { timeout: 2000 }).toBe(1);
      expect(lines[0]).toMatch(/setLearningRate refused: .*lr/);
      expect(controller.state.lrOverride).toBe(0.5);
    } finally {
      stop();
      trainer.close();
    }
  });
});

describe('standing dashboards', () => {
  it('are found while registered and forgotten on close', () => {
    const hub = RunStore.open({ dir });
    hub.registerDashboard('http://127.0.0.1:1234/');
    expect(store.standingDashboards()).toEqual([
      { url: 'http://127.0.0.1:1234/', pid: process.pid, host: hostname() },
    ]);
    hub.close();
    expect(store.standingDashboards()).toEqual([]);
  });

  it('a registration whose process died is ignored (a killed dashboard)', () => {
    const dead = Number(
      spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' })
        .stdout,
    );
    store.registerDashboard('http://127.0.0.1:1/'); // creates the table's row shape; replaced below
    store.unregisterDashboard('http://127.0.0.1:1/');
    const db = new Database(join(dir, DB_FILE));
    db.prepare('INSERT INTO dashboards (url, pid, host, expires_at) VALUES (?, ?, ?, ?)').run(
      'http://127.0.0.1:9/',
      dead,
      hostname(),
      Date.now() + 3_600_000,
    );
    db.prepare('INSERT INTO dashboards (url, pid, host, expires_at) VALUES (?, ?, ?, ?)').run(
      'http://elsewhere:9/',
      1,
      'another-host',
      Date.now() - 1,
    );
    db.close();
    expect(store.standingDashboards()).toEqual([]);
  });
});
