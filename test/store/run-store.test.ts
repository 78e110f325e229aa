import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseMetricsCsv } from '../../src/store/csv.js';
import { DB_FILE, SCHEMA_VERSION } from '../../src/store/database.js';
import { newRunId } from '../../src/store/run-record.js';
import { RunStore } from '../../src/store/run-store.js';

let dir: string;
let store: RunStore;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gradstream-store-'));
  store = RunStore.open({ dir });
});
afterEach(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('RunStore', () => {
  describe('.open', () => {
    it('creates gradstream.db in WAL mode with a busy timeout', () => {
      expect(existsSync(join(dir, DB_FILE))).toBe(true);
      const db = new Database(join(dir, DB_FILE), { readonly: true });
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      db.close();
    });

    it('refuses to open a missing store read-only instead of creating one', () => {
      expect(() => RunStore.open({ dir: join(dir, 'none'), readonly: true })).toThrow();
      expect(existsSync(join(dir, 'none'))).toBe(false);
    });
  });

  describe('runs', () => {
    it('creates, updates, lists newest first, finds by prefix or name, and deletes', () => {
      const a = store.createRun({ id: 'run-a', name: 'first', config: { batchSize: 1 } });
      const b = store.createRun({ id: 'run-b', config: { batchSize: 2 } });
      expect(a).toMatchObject({
        id: 'run-a',
        name: 'first',
        status: 'running',
        config: { batchSize: 1 },
        endedAt: null,
      });
      store.updateRun('run-a', { status: 'completed', finalMetrics: { loss: 0.5, acc: Number.NaN } });
      const done = store.getRun('run-a');
      expect(done?.status).toBe('completed');
      expect(done?.finalMetrics).toEqual({ loss: 0.5, acc: null });
      expect(done?.endedAt).toBeGreaterThanOrEqual(a.createdAt);
      expect(store.listRuns().map((r) => r.id)).toEqual(['run-b', 'run-a']);
      expect(store.listRuns({ status: 'running' }).map((r) => r.id)).toEqual(['run-b']);
      expect(store.findRun('first')?.id).toBe('run-a');
      expect(store.findRun('run-b')?.id).toBe(b.id);
      expect(() => store.findRun('run-')).toThrow('run "run-" is ambiguous: it matches run-a, run-b');
      expect(store.findRun('nope')).toBeUndefined();
      expect(store.findRun('%')).toBeUndefined();
      expect(store.deleteRun('run-a')).toBe(true);
      expect(store.deleteRun('run-a')).toBe(false);
      expect(() => store.updateRun('run-a', { status: 'failed' })).toThrow('unknown run "run-a"');
    });

    it('makes sortable ids from the UTC time', () => {
      expect(newRunId(new Date('2026-03-01T14:23:55Z'))).toMatch(/^20260301-142355-[0-9a-f]{4}$/);
    });
  });

  describe('metrics', () => {
    it('stores points (NaN and ±Infinity too), replacing a point recorded twice', () => {
      store.createRun({ id: 'r', config: {} });
      store.insertMetrics('r', [
        { step: 1, name: 'loss', value: 2 },
        { step: 1, name: 'acc', value: Number.NaN },
        { step: 2, name: 'loss', value: Number.POSITIVE_INFINITY },
      ]);
      store.insertMetrics('r', [{ step: 1, name: 'loss', value: 1.5 }]);
      expect(store.metrics('r')).toEqual([
        { step: 1, name: 'acc', value: Number.NaN },
        { step: 1, name: 'loss', value: 1.5 },
        { step: 2, name: 'loss', value: Number.POSITIVE_INFINITY },
      ]);
      expect(store.metricSummary('r')).toEqual([
        {
          name: 'acc',
          count: 1,
          firstStep: 1,
          lastStep: 1,
          last: Number.NaN,
          min: Number.NaN,
          max: Number.NaN,
        },
        {
          name: 'loss',
          count: 2,
          firstStep: 1,
          lastStep: 2,
          last: Number.POSITIVE_INFINITY,
          min: 1.5,
          max: Number.POSITIVE_INFINITY,
        },
      ]);
    });

    it('deletes a run’s metrics with it', () => {
      store.createRun({ id: 'r', config: {} });
      store.insertMetrics('r', [{ step: 1, name: 'loss', value: 2 }]);
      store.deleteRun('r');
      store.createRun({ id: 'r', config: {} });
      expect(store.metrics('r')).toEqual([]);
    });
  });

  describe('#series', () => {
    it('returns short series whole, in step order', () => {
      store.createRun({ id: 'r', config: {} });
      store.insertMetrics(
        'r',
        [3, 1, 2].map((step) => ({ step, name: 'loss', value: step * 10 })),
      );
      expect(store.series('r', 'loss')).toEqual({ step: [1, 2, 3], value: [10, 20, 30], total: 3 });
      expect(store.series('r', 'missing')).toEqual({ step: [], value: [], total: 0 });
    });

    it('downsamples to at most maxPoints with min/max buckets, keeping spikes', () => {
      store.createRun({ id: 'r', config: {} });
      const n = 10_000;
      const points = Array.from({ length: n }, (_, i) => ({
        step: i + 1,
        name: 'loss',
        value: Math.sin(i / 100),
      }));
      points[4321] = { step: 4322, name: 'loss', value: 50 }; // an upward spike
      points[8765] = { step: 8766, name: 'loss', value: -50 }; // a downward one
      store.insertMetrics('r', points);
      const s = store.series('r', 'loss', { maxPoints: 100 });
      expect(s.total).toBe(n);
      expect(s.step.length).toBeLessThanOrEqual(100);
      expect(s.step.length).toBeGreaterThan(90);
      expect([...s.step]).toEqual([...s.step].sort((a, b) => a - b));
      expect(s.step).toContain(4322);
      expect(s.value).toContain(50);
      expect(s.step).toContain(8766);
      expect(s.value).toContain(-50);
      // Every returned point is a real stored point.
      for (let i = 0; i < s.step.length; i++) expect(s.value[i]).toBe(points[s.step[i] - 1].value);
      expect(() => store.series('r', 'loss', { maxPoints: 1 })).toThrow(
        'series: maxPoints must be an integer',
      );
    });
  });

  describe('#exportCsv', () => {
    it('writes long-format CSV that parses back to the stored points bit for bit', () => {
      store.createRun({ id: 'r', config: {} });
      const points = [
        { step: 1, name: 'loss', value: 0.1 + 0.2 },
        { step: 1, name: 'validation.accuracy', value: 1 / 3 },
        { step: 2, name: 'loss', value: Number.NaN },
        { step: 2, name: 'odd, "name"', value: -1e-300 },
      ];
      store.insertMetrics('r', points);
      const csv = store.exportCsv('r');
      expect(csv.split('\n')[0]).toBe('step,name,value');
      expect(csv).toContain('2,"odd, ""name""",-1e-300');
      expect(parseMetricsCsv(csv)).toEqual(store.metrics('r'));
      expect(() => store.exportCsv('nope')).toThrow('unknown run "nope"');
    });
  });
});
