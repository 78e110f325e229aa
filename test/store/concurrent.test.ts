// Two processes recording into one store at once: every point kept, the file intact. The writers
// start together by a rendezvous (each says it is ready; the parent then tells both to go), and each
// reports the other's committed row count as it went, which shows the transactions interleaved.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { DB_FILE } from '../../src/store/database.js';
import { RunStore } from '../../src/store/run-store.js';

const WRITER = fileURLToPath(new URL('./concurrent-writer.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'gradstream-concurrent-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface WriterReport {
  /** The other writer's committed metric rows, read every 20 steps. */
  readonly otherRows: number[];
  readonly ms: number;
}

interface Writer {
  /** Resolves once the child has opened the store and created its run. */
  readonly ready: Promise<void>;
  /** Tells it to start writing. */
  go(): void;
  readonly done: Promise<{ code: number | null; stderr: string; report: WriterReport | undefined }>;
}

function writer(runId: string, otherId: string, steps: number): Writer {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, dir, runId, otherId, String(steps)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const lines: string[] = [];
  let markReady = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  createInterface({ input: child.stdout }).on('line', (line) => {
    lines.push(line);
    if (line === 'ready') markReady();
  });
  const done = new Promise<{ code: number | null; stderr: string; report: WriterReport | undefined }>(
    (resolve) => {
      child.on('close', (code) => {
        markReady(); // a child that died before `ready` must not hang the rendezvous
        const last = lines.at(-1);
        const report = last?.startsWith('{') ? (JSON.parse(last) as WriterReport) : undefined;
        resolve({ code, stderr, report });
      });
    },
  );
  return { ready, go: () => child.stdin.end('go\n'), done };
}

describe('RunStore with several writing processes', () => {
  it('keeps every point of two recorders writing at once, and the file intact', async () => {
    const steps = 3000;
    const rowsPerRun = steps * 6;
    const writers = [writer('run-1', 'run-2', steps), writer('run-2', 'run-1', steps)];
    await Promise.all(writers.map((w) => w.ready));
    for (const w of writers) w.go();
    const results = await Promise.all(writers.map((w) => w.done));
    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0, stderr: '' });

    // Each writer, mid-run, saw the other's row count strictly between none and all of it, and saw it
    // grow: the other committed transactions between this one's. Run one after the other, a writer
    // would only ever see 0 or all of them.
    for (const { report } of results) {
      const partial = new Set(report?.otherRows.filter((n) => n > 0 && n < rowsPerRun));
      expect(partial.size, JSON.stringify(report)).toBeGreaterThanOrEqual(2);
    }

    const store = RunStore.open({ dir, readonly: true });
    for (const id of ['run-1', 'run-2']) {
      expect(store.getRun(id)?.status).toBe('completed');
      const points = store.metrics(id);
      expect(points).toHaveLength(rowsPerRun);
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
