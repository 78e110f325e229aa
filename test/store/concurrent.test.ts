import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { DB_FILE } from '../../src/store/database.js';
import { RunStore } from '../../src/store/run-store.js';

const WRITER = fileURLToPath(new URL('./concurrent-writer.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'gradstream-concurrent-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writer(
  runId: string,
  steps: number,
  startAt: number,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', WRITER, dir, runId, String(steps), String(startAt)],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('exit', (code) => resolve({ code, stderr }));
  });
}

describe('RunStore with several writing processes', () => {
  it('keeps every point of two recorders writing at once, and the file intact', async () => {
    const steps = 3000;
    // Both children wait for the same moment, so their transactions interleave.
    const startAt = Date.now() + 2500;
    const results = await Promise.all([writer('run-1', steps, startAt), writer('run-2', steps, startAt)]);
    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });
    const store = RunStore.open({ dir, readonly: true });
    for (const id of ['run-1', 'run-2']) {
      expect(store.getRun(id)?.status).toBe('completed');
      const points = store.metrics(id);
      expect(points).toHaveLength(steps * 6);
      expect(store.series(id, 'loss', { maxPoints: steps }).value).toEqual(
        Array.from({ length: steps }, (_, i) => 1 / (i + 1)),
      );
    }
    store.close();
    const db = new Database(join(dir, DB_FILE), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });
});
