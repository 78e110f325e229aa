// A read-only store (issue 14): the reading commands work, `train` and `resume` refuse with one
// line before any work. Root ignores file modes (open(2) and access(2) grant it writing whatever
// chmod says), so when the tests run as root the CLI children run as `nobody` (uid 65534), for
// whom the modes apply as for any user.

import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRunRecorder } from '../../src/store/recorder.js';
import { RunStore } from '../../src/store/run-store.js';
import { hasStackTrace, runCli, stderrLines } from './cli-child.js';

const uid = process.getuid?.() === 0 ? 65534 : undefined;
const parent = mkdtempSync(join(tmpdir(), 'gradstream-read-only-'));
const store = join(parent, 'runs');
const db = join(store, 'gradstream.db');
const ID = '20260101-000000-read';
const digest = () => createHash('sha256').update(readFileSync(db)).digest('hex');
let before: string;

beforeAll(() => {
  const s = RunStore.open({ dir: store });
  s.createRun({ id: ID, name: 'archived', config: { optimizer: { name: 'sgd', lr: 0.1 } } });
  const recorder = createRunRecorder(s, ID);
  for (let step = 1; step <= 10; step++)
    recorder.record({
      type: 'step',
      ...{ step, epoch: 0, loss: 1 / step, lr: 0.1, samples: 1, samplesPerSecond: 1, elapsedMs: step },
      ...{ skipped: false, gradNorm: 1 },
    });
  recorder.record({ type: 'end', step: 10, reason: 'stopped', elapsedMs: 10, skippedSteps: 0 });
  recorder.close();
  s.close();
  // Readable by anyone (nobody included), writable by no one but root.
  chmodSync(parent, 0o755);
  chmodSync(db, 0o444);
  chmodSync(store, 0o555);
  expect(readdirSync(store)).toEqual(['gradstream.db']); // closed cleanly: no -wal or -shm to lean on
  before = digest();
});
afterAll(() => chmodSync(store, 0o755));

const cli = (args: string[]) => runCli([...args, '--store', store], { uid, timeoutMs: 60_000 });

describe.concurrent('a read-only store', () => {
  it('runs list, list --json, show and export read it', async () => {
    const [list, json, show, csv] = await Promise.all([
      cli(['runs', 'list']),
      cli(['runs', 'list', '--json']),
      cli(['runs', 'show', 'archived']),
      cli(['runs', 'export', 'archived', '--csv']),
    ]);
    for (const r of [list, json, show, csv]) expect(r.status, r.stderr).toBe(0);
    expect(list.stdout).toMatch(/^20260101-000000-read\s+archived\s+stopped\s+10\s+0\.1\s/m);
    expect(JSON.parse(json.stdout)).toMatchObject([{ id: ID, status: 'stopped' }]);
    expect(show.stdout).toMatch(/^loss\s+10\s+1–10\s+0\.1\s/m);
    expect(csv.stdout.split('\n').filter((l) => /^\d+,loss,/.test(l))).toHaveLength(10);
  });

  it('the dashboard serves it', async () => {
    let stopped = false;
    const r = await runCli(['dashboard', '--port', '0', '--store', store], {
      uid,
      timeoutMs: 60_000,
      onStderr: (text, child) => {
        if (/stored run\(s\) at/.test(text) && !stopped) stopped = child.kill('SIGTERM');
      },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/gradstream: 1 stored run\(s\) at http:/);
  });

  it.each([
    ['train', ['train', '--steps', '3', '--hidden', '8', '--train-limit', '300', '--no-dashboard']],
    ['resume', ['resume', 'archived', '--no-dashboard']],
  ])('%s says the store is read-only and exits 2 before any work', async (_name, args) => {
    const r = await cli(args);
    expect(r.status, r.stderr).toBe(2);
    expect(stderrLines(r)).toEqual([expect.stringContaining(`run store ${db}: read-only`)]);
    expect(hasStackTrace(r.stderr)).toBe(false);
  });
});

afterAll(() => {
  // Nothing wrote to it: the same bytes, and no journal files left by a reader.
  expect(digest()).toBe(before);
  expect(existsSync(`${db}-wal`) || existsSync(`${db}-shm`)).toBe(false);
});
