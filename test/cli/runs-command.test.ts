import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseMetricsCsv } from '../../src/store/csv.js';
import { createRunRecorder } from '../../src/store/recorder.js';
import { RunStore } from '../../src/store/run-store.js';

const ENTRY = fileURLToPath(new URL('./runs-cli.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'gradstream-runs-cli-'));
const store = join(dir, 'runs');

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', ENTRY, 'runs', ...args, '--store', store], {
    encoding: 'utf8',
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  const s = RunStore.open({ dir: store });
  s.createRun({
    id: '20260101-120000-aaaa',
    name: 'baseline',
    config: { optimizer: { name: 'adam', lr: 0.001 } },
  });
  const recorder = createRunRecorder(s, '20260101-120000-aaaa');
  for (let step = 1; step <= 30; step++) {
    recorder.record({
      type: 'step',
      step,
      epoch: Math.floor(step / 10),
      loss: 2 / step,
      lr: 0.001,
      samples: 10,
      samplesPerSecond: 1e4 / 3,
      elapsedMs: step * 7,
      skipped: step === 13,
      gradNorm: 1,
    });
    if (step % 10 === 0)
      recorder.record({
        type: 'eval',
        step,
        epoch: step / 10 - 1,
        split: 'validation',
        loss: 1 / step,
        accuracy: 0.9 + step / 1000,
        n: 100,
      });
  }
  recorder.record({ type: 'end', step: 30, reason: 'completed', elapsedMs: 210, skippedSteps: 1 });
  recorder.close();
  s.createRun({ id: '20260102-120000-bbbb', config: {} });
  s.close();
  // bbbb stays running: its lease (this test process's) is made to outlast the file's tests.
  const db = new Database(join(store, 'gradstream.db'));
  db.prepare('UPDATE runs SET lease_expires_at = ? WHERE id = ?').run(
    Date.now() + 3_600_000,
    '20260102-120000-bbbb',
  );
  db.close();
  mkdirSync(join(store, '20260102-120000-bbbb', 'checkpoints'), { recursive: true });
  writeFileSync(join(store, '20260102-120000-bbbb', 'checkpoints', 'ckpt-0000000001.gsc'), 'x');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('gradstream runs', () => {
  it('list prints a table of runs, newest first', () => {
    const r = cli('list');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+STATUS\s+STEPS\s+LOSS\s+VAL ACC\/RMSE\s+CREATED\s+DURATION$/);
    expect(lines[1]).toMatch(/^20260102-120000-bbbb\s+running\s+—\s+—\s+—/);
    expect(lines[2]).toMatch(/^20260101-120000-aaaa\s+baseline\s+completed\s+30\s+0\.066667\s+93\.00%/);
    expect(cli('list', '--status', 'completed').stdout).not.toContain('bbbb');
    expect(JSON.parse(cli('list', '--json').stdout)).toHaveLength(2);
  });

  it('show prints the run, its final metrics, a metric summary and the config', () => {
    const r = cli('show', 'baseline');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^run\s+20260101-120000-aaaa$/m);
    expect(r.stdout).toMatch(/^status\s+completed$/m);
    expect(r.stdout).toMatch(/^validation\.accuracy\s+0\.93$/m);
    expect(r.stdout).toMatch(/^loss\s+30\s+1–30\s+0\.066667\s+0\.066667\s+2$/m);
    expect(r.stdout).toMatch(/^skipped\s+1\s+13–13\s+1\s+1\s+1$/m);
    expect(r.stdout).toContain('"lr": 0.001');
    expect(cli('show', '20260101').stdout).toMatch(/^run\s+20260101-120000-aaaa$/m);
  });

  it('export --csv round-trips the stored metrics', () => {
    const r = cli('export', 'baseline', '--csv');
    expect(r.status).toBe(0);
    const s = RunStore.open({ dir: store, readonly: true });
    const stored = s.metrics('20260101-120000-aaaa');
    s.close();
    expect(stored).toHaveLength(30 * 6 + 1 + 3 * 3);
    expect(parseMetricsCsv(r.stdout)).toEqual(stored);
    const out = join(dir, 'out.csv');
    const toFile = cli('export', 'baseline', '--csv', '--out', out);
    expect(toFile.status).toBe(0);
    expect(toFile.stderr).toContain(`wrote ${stored.length} metric points`);
    expect(readFileSync(out, 'utf8')).toBe(r.stdout);
  });

  it('exits 2 with a clear message for an unknown run', () => {
    for (const args of [
      ['show', 'nope'],
      ['export', 'nope', '--csv'],
      ['rm', 'nope'],
    ]) {
      const r = cli(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toBe(`gradstream: unknown run "nope" in ${join(store, 'gradstream.db')}\n`);
    }
    const ambiguous = cli('show', '2026');
    expect(ambiguous.status).toBe(2);
    expect(ambiguous.stderr).toContain(
      'run "2026" is ambiguous: it matches 20260101-120000-aaaa, 20260102-120000-bbbb',
    );
  });

  it('exits 2 when export is missing --csv', () => {
    const r = cli('export', 'baseline');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("required option '--csv' not specified");
  });

  it('rm deletes the run, its metrics and its folder (a live run only with --force)', () => {
    const folder = join(store, '20260102-120000-bbbb');
    expect(existsSync(folder)).toBe(true);
    // Running under a live lease: refused unless --force.
    const refused = cli('rm', '20260102-120000-bbbb');
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(
      /^gradstream: run 20260102-120000-bbbb is running \(pid \d+ on host .*--force/,
    );
    expect(existsSync(folder)).toBe(true);
    const r = cli('rm', '20260102-120000-bbbb', '--force');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(`removed run 20260102-120000-bbbb and ${folder}\n`);
    expect(existsSync(folder)).toBe(false);
    expect(cli('show', '20260102-120000-bbbb').status).toBe(2);
  });

  it('reports an empty or missing store without creating one', () => {
    const missing = join(dir, 'none');
    const r = spawnSync(process.execPath, ['--import', 'tsx', ENTRY, 'runs', 'list', '--store', missing], {
      encoding: 'utf8',
    });
    expect(r.stdout).toBe(`no runs in ${missing}\n`);
    expect(existsSync(missing)).toBe(false);
  });
});
