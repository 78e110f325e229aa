// bench/soak-library: where a long run's resident memory grows, without the CLI: `train()` alone on the
// default model (784-100-100-10, Adam, batch 100, 2 workers), no run store, no dashboard server, with
// histograms every `histogramEvery` steps (0: none). Every 20,000 steps it forces a GC of the main
// thread and prints the samples/s since the last row, RSS, the main thread's V8 heap and external
// memory. Growth in RSS with both flat is outside the main isolate (the worker threads' isolates, or
// native memory).
// With GRADSTREAM_MEMORY_PROBE=<file> and `--require ./bench/helpers/memory-probe.cjs`, each row also
// shows every worker thread's own V8 heap and external memory (the probe's files, written between chunks).
// Usage: node --expose-gc --import tsx bench/soak-library.bench.ts [steps=200000] [histogramEvery=0]

import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { loadMnist } from '../src/data/mnist.js';
import { mlp } from '../src/nn/mlp.js';
import { adam } from '../src/optim/alias.js';
import { train } from '../src/pipeline/train.js';

const steps = Number(process.argv[2] ?? 200_000);
const histogramEvery = Number(process.argv[3] ?? 0);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) process.stderr.write('soak-library: run with node --expose-gc for a GC before each sample\n');
const data = loadMnist();
const mb = (n: number) => (n / 2 ** 20).toFixed(1);
let last = 0;
let lastAt = performance.now();
const probe = process.env.GRADSTREAM_MEMORY_PROBE;
/** Each worker thread's V8 heap used / external, in MB, from the probe's files ('' without a probe). */
function workers(): string {
  if (!probe) return '';
  const files = readdirSync(dirname(probe)).filter((f) => f.startsWith(`${basename(probe)}.thread-`));
  return files
    .sort()
    .map((f) => {
      try {
        const m = JSON.parse(readFileSync(join(dirname(probe), f), 'utf8')) as NodeJS.MemoryUsage;
        return `${mb(m.heapUsed)} / ${mb(m.external)}`;
      } catch {
        return '—'; // caught mid-write
      }
    })
    .join(', ');
}
process.stdout.write(
  `| step | samples/s | RSS (MB) | main V8 heap (MB) | external (MB) | workers' V8 heap / external (MB) |\n|---:|---:|---:|---:|---:|---|\n`,
);
train({
  model: mlp({ sizes: [784, 100, 100, 10], activation: 'relu', init: 'he' }),
  optimizer: adam({ lr: 1e-3 }),
  train: data.train,
  batchSize: 100,
  steps,
  histogramEvery,
}).subscribe((e) => {
  if (e.type === 'step' && e.step - last >= 20_000) {
    const now = performance.now();
    const rate = Math.round(((e.step - last) * 100 * 1000) / (now - lastAt));
    last = e.step;
    gc?.();
    lastAt = performance.now(); // the GC is not the run's time
    const m = process.memoryUsage();
    process.stdout.write(
      `| ${e.step} | ${rate} | ${mb(m.rss)} | ${mb(m.heapUsed)} | ${mb(m.external)} | ${workers()} |\n`,
    );
  }
});
