// Run stores damaged in the ways a bad disk (or a bad hand) leaves them, each built in its own temp
// folder with better-sqlite3 and fs: for the table-driven CLI tests of test/cli/bad-store.test.ts.

import { closeSync, mkdtempSync, openSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createRunRecorder } from '../../src/store/recorder.js';
import { RunStore } from '../../src/store/run-store.js';

/** The completed run every damaged store starts from (where its damage leaves one). */
export const GOOD = '20260101-000000-good';
/** Runs whose `config` / `final_metrics` column holds broken JSON (the `bad-row` store). */
export const BAD_CONFIG = '20260102-000000-badc';
export const BAD_FINAL = '20260103-000000-badf';

/** A store with one completed run of 20 steps (metrics and final metrics). */
export function goodStore(): string {
  const dir = mkdtempSync(join(tmpdir(), 'gradstream-bad-store-'));
  const store = RunStore.open({ dir });
  store.createRun({ id: GOOD, name: 'good', config: { optimizer: { name: 'adam', lr: 0.001 } } });
  const recorder = createRunRecorder(store, GOOD);
  for (let step = 1; step <= 20; step++)
    recorder.record({
      type: 'step',
      step,
      epoch: 0,
      loss: 1 / step,
      lr: 0.001,
      samples: 10,
      samplesPerSecond: 1000,
      elapsedMs: step,
      skipped: false,
      gradNorm: 1,
    });
  recorder.record({ type: 'end', step: 20, reason: 'completed', elapsedMs: 20, skippedSteps: 0 });
  recorder.close();
  store.close();
  return dir;
}

const dbFile = (dir: string) => join(dir, 'gradstream.db');

/** The damaged stores, by name: each returns a fresh folder. */
export const DAMAGED: Record<string, () => string> = {
  'not a database': () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradstream-bad-store-'));
    writeFileSync(dbFile(dir), 'this is not a database\n'.repeat(200));
    return dir;
  },
  'malformed pages': () => {
    const dir = goodStore();
    // Page 1 (the header and the schema) stays; every later page, the tables' included, is garbage.
    const size = statSync(dbFile(dir)).size;
    const fd = openSync(dbFile(dir), 'r+');
    writeSync(fd, Buffer.alloc(size - 4096, 0xab), 0, size - 4096, 4096);
    closeSync(fd);
    return dir;
  },
  'malformed metric pages': () => {
    const dir = goodStore();
    // Only the metrics table's root page: the runs table still reads, the metrics do not.
    const db = new Database(dbFile(dir), { readonly: true });
    const { rootpage, size } = db
      .prepare(
        `SELECT rootpage, (SELECT page_size FROM pragma_page_size) AS size FROM sqlite_master WHERE name = 'metrics'`,
      )
      .get() as { rootpage: number; size: number };
    db.close();
    const fd = openSync(dbFile(dir), 'r+');
    writeSync(fd, Buffer.alloc(size, 0xab), 0, size, (rootpage - 1) * size);
    closeSync(fd);
    return dir;
  },
  'zero-length': () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradstream-bad-store-'));
    writeFileSync(dbFile(dir), '');
    return dir;
  },
  'missing table': () => {
    const dir = goodStore();
    const db = new Database(dbFile(dir));
    db.pragma('foreign_keys = OFF');
    db.exec('DROP TABLE runs');
    db.close();
    return dir;
  },
  'bad-row': () => {
    const dir = goodStore();
    const db = new Database(dbFile(dir));
    const insert = db.prepare(
      `INSERT INTO runs (id, name, config, status, created_at, updated_at, ended_at, final_metrics)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    insert.run(BAD_CONFIG, 'badc', '{"optimizer": {"name": "ad', 'stopped', 2, 3, 3, null);
    insert.run(BAD_FINAL, 'badf', '{}', 'completed', 4, 5, 5, '{"loss": 0.1, "steps": ');
    db.close();
    return dir;
  },
};
