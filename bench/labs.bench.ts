// bench/labs: do a lab's training runs slow each other down when they share the machine? Two runs
// of the optimizers-mnist net (784-100-100-100-100-10, batch 128; SGD and Adam) one after the
// other versus together, with 1 and 2 worker threads per run, through the labs' own runner.
// Usage: npx tsx bench/labs.bench.ts [steps=600] [repeats=3]

import { availableParallelism, loadavg } from 'node:os';
import { subset } from '../src/data/dataset.js';
import { loadMnist } from '../src/data/mnist.js';
import type { LabContext } from '../src/labs/lab.js';
import { type LabRun, trainRuns } from '../src/labs/train-runs.js';
import { mlp } from '../src/nn/mlp.js';
import { adam, sgd } from '../src/optim/alias.js';

const steps = Number(process.argv[2] ?? 600);
const repeats = Number(process.argv[3] ?? 3);
const BATCH = 128;
const mnist = loadMnist();
const train = subset(mnist.train, 0, Math.min(mnist.train.n, steps * BATCH));
const model = mlp({ sizes: [784, 100, 100, 100, 100, 10], activation: 'relu', init: 'he' });
const runs: LabRun[] = [
  { label: 'SGD', config: { model, optimizer: sgd({ lr: 0.01 }), train, batchSize: BATCH, steps, seed: 1 } },
  {
    label: 'Adam',
    config: { model, optimizer: adam({ lr: 0.001 }), train, batchSize: BATCH, steps, seed: 1 },
  },
];

function context(workers: number, concurrency: number): LabContext {
  return {
    seed: 1,
    workers,
    concurrency,
    storeDir: 'runs',
    dashboard: undefined,
    runIdPrefix: 'bench',
    log: () => {},
    mnist: () => mnist,
    signal: undefined,
    reportFailure: (runId, error) => {
      throw new Error(`${runId}: ${error}`);
    },
  };
}

/**
 * Wall-clock seconds for both runs, the mean of each run's own elapsed time, and the CPU seconds the
 * process spent (all threads): the work itself, which other load on the machine does not inflate.
 */
async function measure(
  workers: number,
  concurrency: number,
): Promise<{ wall: number; perRun: number; cpu: number }> {
  const started = performance.now();
  const cpu0 = process.cpuUsage();
  const histories = await trainRuns(runs, context(workers, concurrency));
  const wall = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu0);
  const cpu = (used.user + used.system) / 1e6;
  for (const h of histories)
    if (h.endReason !== 'completed') throw new Error(`${h.label}: ${h.endReason} ${h.error ?? ''}`);
  return { wall, perRun: histories.reduce((s, h) => s + h.elapsedMs, 0) / histories.length / 1000, cpu };
}

const MODES = [
  { name: 'one after the other, 1 worker each', workers: 1, concurrency: 1 },
  { name: 'together, 1 worker each', workers: 1, concurrency: 2 },
  { name: 'one after the other, 2 workers each', workers: 2, concurrency: 1 },
  { name: 'together, 2 workers each', workers: 2, concurrency: 2 },
] as const;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const wall = MODES.map(() => [] as number[]);
const perRun = MODES.map(() => [] as number[]);
const cpu = MODES.map(() => [] as number[]);
for (let r = 0; r < repeats; r++) {
  // Modes alternate within each repeat, so a busy moment of the machine hits all of them alike.
  for (const [i, mode] of MODES.entries()) {
    const m = await measure(mode.workers, mode.concurrency);
    wall[i].push(m.wall);
    perRun[i].push(m.perRun);
    cpu[i].push(m.cpu);
    process.stderr.write(`repeat ${r + 1}/${repeats}: ${mode.name}: ${m.wall.toFixed(1)} s\n`);
  }
}
const base = median(wall[0]);
const samples = 2 * steps * BATCH;
// The machine's load average: other work shares these cores and inflates wall times (not CPU time).
const load = loadavg()[0].toFixed(1);
console.log(
  `\n2 runs × ${steps} steps × batch ${BATCH}, ${availableParallelism()} cores (load ${load}), median of ${repeats}\n`,
);
console.log(
  '| mode | wall time | each run (own clock) | CPU time, all threads | samples/s, both | vs one after the other |',
);
console.log('|---|---:|---:|---:|---:|---:|');
for (const [i, mode] of MODES.entries()) {
  const w = median(wall[i]);
  console.log(
    `| ${mode.name} | ${w.toFixed(1)} s | ${median(perRun[i]).toFixed(1)} s | ${median(cpu[i]).toFixed(1)} s | ${(samples / w).toFixed(0)} | ${(base / w).toFixed(2)}× |`,
  );
}
