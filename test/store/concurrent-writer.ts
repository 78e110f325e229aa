// Child process of concurrent.test.ts: records `steps` step events for a new run into a shared store,
// in many small transactions, starting at a given wall-clock time so that writers overlap.

import { createRunRecorder } from '../../src/store/recorder.js';
import { RunStore } from '../../src/store/run-store.js';

const [dir, runId, steps, startAt] = process.argv.slice(2);
const store = RunStore.open({ dir });
store.createRun({ id: runId, config: { writer: runId } });
const recorder = createRunRecorder(store, runId, { flushMs: 5, maxRows: 50 });
await new Promise((r) => setTimeout(r, Math.max(0, Number(startAt) - Date.now())));
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
  if (n % 20 === 0) await new Promise((r) => setImmediate(r));
}
recorder.record({ type: 'end', step: Number(steps), reason: 'completed', elapsedMs: 1, skippedSteps: 0 });
recorder.close();
store.close();
