// `gradstream lab` finds the standing dashboard: with `gradstream dashboard` serving the store, the
// hyperparameter search prints that page's URL, opens no port of its own (it is given the standing
// page's port: a server of its own would fail to listen), and its trials — recorded in the store —
// stream on the standing page, which can steer them through the store. A lab whose runs are not
// recorded serves its own page as before. Real child processes.

import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunStore } from '../../src/store/run-store.js';
import { connect, isOneToN, type TestClient } from '../server/clients.js';
import { runCli } from './cli-child.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gradstream-lab-hub-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Starts `gradstream dashboard` on `dir`; resolves with its URL once it serves, and its exit. */
async function standingDashboard(store: string) {
  let child: ChildProcess | undefined;
  let found: (url: string) => void = () => {};
  const url = new Promise<string>((resolve) => {
    found = resolve;
  });
  const exit = runCli(['dashboard', '--store', store, '--port', '0'], {
    timeoutMs: 170_000,
    onStderr: (stderr, c) => {
      child = c;
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr);
      if (m) found(m[1]!);
    },
  });
  const served = await Promise.race([
    url,
    exit.then((r) => {
      throw new Error(`gradstream dashboard exited: ${r.stderr}`);
    }),
  ]);
  return { url: served, exit, stop: () => child?.kill('SIGINT') };
}

/** The page's id of the run named `name` (a trial is named in its config), once the client saw it. */
function runIdNamed(client: TestClient, name: string): string | undefined {
  for (const m of client.messages) {
    const runs = m.type === 'hello' || m.type === 'frame' ? m.runs : [];
    for (const r of runs) if (r.info?.config.name === name) return r.runId;
  }
  return undefined;
}

/** The last end reason the client saw for `runId`. */
function endReasonOf(client: TestClient, runId: string): string | null | undefined {
  let reason: string | null | undefined;
  for (const m of client.messages) {
    const runs = m.type === 'hello' || m.type === 'frame' ? m.runs : [];
    for (const r of runs) if (r.runId === runId && r.state) reason = r.state.endReason;
  }
  return reason;
}

describe('gradstream lab with a standing dashboard on its store', () => {
  it('shows the trials on the standing page, steered from it, and opens no port of its own', async () => {
    const standing = await standingDashboard(dir);
    const port = Number(new URL(standing.url).port);
    const html = await (await fetch(standing.url)).text();
    const token = /<meta name="gradstream-control-token" content="([^"]+)"/.exec(html)?.[1];
    expect(token).toBeDefined();
    const client = await connect(port);
    await client.until(() => client.messages.some((m) => m.type === 'hello'));

    // Trial 1 is stopped from the standing page as soon as it streams there; trial 2 then runs whole.
    const first = 'hyperparameter-search/trial-001';
    const steered = client
      .until(() => {
        const id = runIdNamed(client, first);
        return id !== undefined && (client.steps.get(id)?.length ?? 0) > 0;
      }, 90_000)
      .then(() => {
        const runId = runIdNamed(client, first);
        client.ws.send(JSON.stringify({ v: 1, type: 'control', runId, action: 'stop', token }));
      });
    const epochs = 100; // 400 training images in batches of 20: 2000 steps a trial
    const running = runCli(
      [
        'lab',
        'hyperparameter-search',
        '--quick',
        '--trials',
        '2',
        '--concurrency',
        '1',
        '--epochs',
        String(epochs),
        '--store',
        dir,
        '--out',
        join(dir, 'out'),
        '--port',
        String(port),
        '--no-wait',
      ],
      { timeoutMs: 100_000 },
    );
    // A lab that ends before its first trial streamed here (e.g. its own server failed to listen on
    // the standing page's port) fails now, with its output.
    await Promise.race([
      steered,
      running.then((r) => {
        throw new Error(`the lab ended before ${first} streamed on the standing page:\n${r.stderr}`);
      }),
    ]);
    const lab = await running;
    expect(lab.timedOut).toBe(false);
    expect(lab.status, lab.stderr).toBe(0);
    expect(lab.stderr).toContain(
      `gradstream: lab hyperparameter-search: its runs are on the standing dashboard at ${standing.url}`,
    );
    expect(lab.stderr).not.toMatch(/gradstream: dashboard at/);

    const store = RunStore.open({ dir, readonly: true });
    const trials = store
      .listRuns()
      .filter((r) => r.name?.startsWith('hyperparameter-search/trial-'))
      .sort((a, b) => (a.name! < b.name! ? -1 : 1));
    store.close();
    expect(trials.map((t) => [t.name, t.status])).toEqual([
      [first, 'stopped'],
      ['hyperparameter-search/trial-002', 'completed'],
    ]);
    const [stopped, completed] = trials.map((t) => t.id) as [string, string];
    // Both on the standing page by their store ids, ended as the store says; the completed one whole.
    await client.until(
      () => endReasonOf(client, stopped) === 'stopped' && endReasonOf(client, completed) === 'completed',
      20_000,
    );
    expect(client.steps.get(stopped)!.length).toBeLessThan(epochs * 20);
    expect(isOneToN(client.steps.get(completed)!, epochs * 20)).toBe(true);
    expect(client.problems).toEqual([]);

    client.ws.close();
    standing.stop();
    expect((await standing.exit).status).toBe(0);
  });

  it('serves a lab whose runs are not recorded (optimizers-2d) on its own page: the standing port is taken', async () => {
    const standing = await standingDashboard(dir);
    const port = new URL(standing.url).port;
    const lab = await runCli(
      [
        'lab',
        'optimizers-2d',
        '--quick',
        '--store',
        dir,
        '--out',
        join(dir, 'out'),
        '--port',
        port,
        '--no-wait',
      ],
      { timeoutMs: 60_000 },
    );
    expect(lab.status, lab.stderr).toBe(2);
    expect(lab.stderr.trim()).toBe(
      `gradstream: dashboard port ${port} on 127.0.0.1 is already in use; pass --port 0 for any free port (or --no-dashboard)`,
    );
    standing.stop();
    expect((await standing.exit).status).toBe(0);
  });
});
