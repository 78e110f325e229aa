// `gradstream dashboard` over a store whose runs ended every way: the page is told `interrupted` for a
// run whose process died (its lease names a dead pid on this host) and `failed` for a failed one —
// their replayed events alone end as `stopped` — and `completed` as its events say.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunState } from '../../src/protocol/server-messages.js';
import { DB_FILE } from '../../src/store/database.js';
import { RunStore } from '../../src/store/run-store.js';
import { connect } from '../server/clients.js';
import { runCli } from './cli-child.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gradstream-dashboard-stored-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
}

describe('gradstream dashboard over stored runs', () => {
  it('tells the page a dead process’s run is interrupted and a failed run failed', async () => {
    const store = RunStore.open({ dir });
    for (const id of ['gone', 'broke', 'done']) {
      store.createRun({ id, config: { batchSize: 5 } });
      store.insertMetrics(id, [{ step: 1, name: 'loss', value: 2 }]);
    }
    store.updateRun('broke', { status: 'failed', error: 'step 1: loss is NaN' });
    store.updateRun('done', { status: 'completed', finalMetrics: { loss: 2 } });
    store.close();
    const db = new Database(join(dir, DB_FILE));
    db.prepare(`UPDATE runs SET lease_pid = ?, lease_host = ?, lease_expires_at = ? WHERE id = 'gone'`).run(
      deadPid(),
      hostname(),
      Date.now() + 3_600_000,
    );
    db.close();

    const states = new Map<string, RunState>();
    const result = await runCli(['dashboard', '--store', dir, '--port', '0'], {
      timeoutMs: 60_000,
      onStderr: (stderr, child) => {
        const url = /at (http:\/\/\S+)/.exec(stderr)?.[1];
        if (!url || states.size > 0) return;
        states.set('', { status: 'running', lrOverride: null, endReason: null }); // once
        void (async () => {
          const client = await connect(Number(new URL(url).port));
          await client.until(() => client.messages.some((m) => m.type === 'hello'));
          for (const m of client.messages)
            if (m.type === 'hello') for (const r of m.runs) if (r.state) states.set(r.runId, r.state);
          client.ws.close();
          child.kill('SIGINT');
        })();
      },
    });
    expect(result.timedOut).toBe(false);
    expect(states.get('gone')).toMatchObject({ status: 'ended', endReason: 'interrupted' });
    expect(states.get('broke')).toMatchObject({ status: 'ended', endReason: 'failed' });
    expect(states.get('done')).toMatchObject({ status: 'ended', endReason: 'completed' });
  });
});
