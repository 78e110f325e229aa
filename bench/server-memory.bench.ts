// bench/server-memory: does the dashboard server's memory stay bounded over a long run? One
// DashboardServer with one attached run, fed `steps` synthetic step events (with 6 histogram events every
// 50 steps and a validation eval every 540, as the CLI's run sends), its broadcast loop ticking; every
// 100,000 steps a forced GC and the process's RSS, V8 heap, external memory and array buffers.
// Usage: node --expose-gc --import tsx bench/server-memory.bench.ts [steps=1500000]

import { Subject } from 'rxjs';
import { createController } from '../src/pipeline/controller.js';
import { startDashboardServer } from '../src/server/dashboard-server.js';
import type { TrainEvent } from '../src/train/events.js';

const steps = Number(process.argv[2] ?? 1_500_000);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) process.stderr.write('server-memory: run with node --expose-gc for a GC before each sample\n');
const server = await startDashboardServer({ host: '127.0.0.1', port: 0, control: true, log: () => {} });
const events = new Subject<TrainEvent>();
server.attachRun('run', events, createController());
const mb = (n: number) => (n / 2 ** 20).toFixed(1);
const edges = Array.from({ length: 31 }, (_, j) => j);
const counts = Array.from({ length: 30 }, (_, j) => j);
process.stdout.write(
  '| step | RSS (MB) | V8 heap (MB) | external (MB) | array buffers (MB) |\n|---:|---:|---:|---:|---:|\n',
);
for (let step = 1; step <= steps; step++) {
  events.next({
    type: 'step',
    step,
    epoch: 0,
    loss: 1 / step,
    lr: 0.001,
    samples: 100,
    samplesPerSecond: 1e5,
    elapsedMs: step,
    skipped: false,
    gradNorm: 1,
  });
  if (step % 50 === 0)
    for (let l = 0; l < 6; l++)
      events.next({ type: 'histogram', step, layer: `l${l}`, kind: 'weights', edges, counts });
  if (step % 540 === 0)
    events.next({ type: 'eval', step, epoch: 0, split: 'validation', loss: 1, accuracy: 0.9, n: 6000 });
  // Let the broadcast loop tick between thousands of steps, as it does between a run's steps.
  if (step % 1000 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
  if (step % 100_000 === 0) {
    gc?.();
    const m = process.memoryUsage();
    process.stdout.write(
      `| ${step} | ${mb(m.rss)} | ${mb(m.heapUsed)} | ${mb(m.external)} | ${mb(m.arrayBuffers)} |\n`,
    );
  }
}
await server.close();
