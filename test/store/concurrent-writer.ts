// Child process of concurrent.test.ts: records `steps` step events for a new run into a shared store,
// in many small transactions. It says `ready` on stdout once its store, run and recorder are set up,
// starts on the parent's `go` (sent to both writers once both are ready), and reads the other writer's
// committed row count as it goes; its last stdout line is those counts, as JSON, for the parent to
// check that the two writers' transactions really interleaved.

import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import Database from 'better-sqlite3';
import { DB_FILE } from '../../src/store/database.js';
import { createRunRecorder } from '../../src/store/recorder.js';
import { RunStore } from '../../src/store/run-store.js';

const [dir, runId, otherId, steps] = process.argv.slice(2);
const store = RunStore.open({ dir });
store.createRun({ id: runId, config: { writer: runId } });
const recorder = createRunRecorder(store, runId, { flushMs: 5, maxRows: 50 });
const reader = new Database(join(dir, DB_FILE), { readonly: true });
const countOther = reader.prepare('SELECT COUNT(*) AS n FROM metrics WHERE run_id = ?').pluck();
/** The other writer's committed metric rows, read every 20 steps. */
const otherRows: number[] = [];

/**
 * Lockstep with slack: a writer more than `LEAD` rows ahead of the other (its own rows flushed first,
 * so the other sees them) waits for it. On a loaded 2-core machine the OS may otherwise run one
 * writer's whole loop between two of the other's reads, and the test would see no interleaving for
 * reasons that are not the store's. Both cannot wait at once: each waits only while strictly ahead.
 */
const LEAD = 600;
async function keepPace(): Promise<void> {
  recorder.flush();
  const own = countOther.get(runId) as number;
  while ((countOther.get(otherId) as number) + LEAD < own) await new Promise((r) => setTimeout(r, 2));
}

const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
const [line] = (await once(lines, 'line')) as [string];
lines.close();
if (line !== 'go') throw new Error(`expected go, got ${line}`);
const t0 = performance.now();
for (let n = 1; n <= Number(steps); n++) {
  recorder.record({
    type: 'step',
    step: n,
    epoch: 0,
    loss: 1 / n,
    lr: 0.01,
    samples: 1,
    samplesPerSecond: 1,
    elapsedMs: n,
    skipped: false,
    gradNorm: 1,
  });
  // Let the flush timer interleave with recording, as it does during training.
  if (n % 20 === 0) {
    otherRows.push(countOther.get(otherId) as number);
    await new Promise((r) => setImmediate(r));
    await keepPace();
  }
}
recorder.record({ type: 'end', step: Number(steps), reason: 'completed', elapsedMs: 1, skippedSteps: 0 });
recorder.close();
reader.close();
store.close();
process.stdout.write(`${JSON.stringify({ otherRows, ms: performance.now() - t0 })}\n`);
