// bench/step-parts: the parts of one training step, timed one after another on ONE thread, so that the
// pipeline's best case can be read off without any synchronisation, main thread or second lane:
//
//   loop step         = gradient of the 128-row batch + Adam over every parameter (what trainLoop does)
//   1 worker's step   = gradients of the two 64-row micro-batches + reduce + Adam over every parameter
//   a lane of 2       = gradient of one 64-row micro-batch + reduce + Adam over half the parameters
//
// The parameters change every step (the updates are applied), as in training, so the update reads what
// the gradient phase left in the caches. The ratio loop / lane is the 2-worker speed-up the pipeline
// could reach if two lanes ran side by side with nothing else in their way and nothing slowing either:
// an upper bound for bench/pipeline's "× loop" column.
// Model and data as bench/pipeline: MNIST 784-100-100-100-100-10, ReLU, He init, batch 128, Adam,
// wasm kernels, the first layer skipping the input's zeros. The loop runs on memory built by trainLoop's
// own setup (createLoopState); the worker variants run lane 0's handlers (workers/handlers.ts) on the
// memory train() lays out for 1 and for 2 workers, as a pool thread would, minus the barriers.
// Usage: npx tsx bench/step-parts.bench.ts [steps=300] [rounds=7]

import { cpus } from 'node:os';
import { epochOrder } from '../src/data/batch.js';
import { loadMnist } from '../src/data/mnist.js';
import { mlp } from '../src/nn/mlp.js';
import { adam } from '../src/optim/alias.js';
import { batchSchedule, stepRows } from '../src/pipeline/batch-source.js';
import { createPipelineMemory } from '../src/pipeline/memory.js';
import { createPlan } from '../src/pipeline/plan.js';
import { shareDataset } from '../src/pipeline/shared-data.js';
import { createLoopState } from '../src/train/loop-state.js';
import { computeGradients, reduceShard, updateShard } from '../workers/handlers.js';
import { WorkerState } from '../workers/worker-state.js';

const steps = Number(process.argv[2] ?? 300);
const rounds = Number(process.argv[3] ?? 7);
const BATCH = 128;
const model = mlp({ sizes: [784, 100, 100, 100, 100, 10], activation: 'relu', init: 'he' });
const spec = adam({ lr: 1e-3 });
const train = loadMnist().train;
const order = epochOrder(train.n, 1, 0);

// The loop's memory, built by trainLoop's own setup (a private wasm memory).
const loop = createLoopState({ model, optimizer: spec, train, batchSize: BATCH, seed: 1, kernels: 'wasm' });

/**
 * A worker's view of the memory train() lays out for `workers` workers: the same WorkerState a pool
 * thread builds from its init, here on the main thread, so the bench runs the lanes' own handlers.
 */
function workerState(workers: number): WorkerState {
  const plan = createPlan({ model, optimizer: spec, batchSize: BATCH, workers, seed: 1 });
  const memory = createPipelineMemory(plan, 'wasm', { train });
  return new WorkerState({
    plan,
    memory: { buffer: memory.arena.buffer as SharedArrayBuffer, descriptor: memory.arena.descriptor },
    wasm: memory.kernels.wasm?.handle,
    train: shareDataset(memory.data.train),
    evalSets: {},
    barrier: { timeoutMs: 30_000, spinMs: 0 },
    schedule: batchSchedule({ n: train.n, batchSize: BATCH, steps: 1_000_000 }),
  });
}
const oneWorker = workerState(1);
const twoWorkers = workerState(2);

/** Per-step durations (ms) of each part, appended to `parts[name]`. */
type Parts = Record<string, number[]>;

/** Lane 0's share of step `s` (its micro-batches' gradients, reduce, update), by the workers' handlers. */
function laneStep(state: WorkerState, s: number, parts: Parts): void {
  const rows = stepRows(state.init.schedule, s + 1, {
    step: 0,
    epoch: 0,
    start: 0,
    count: 0,
    ring: 0,
    lane: 0,
  });
  const t0 = performance.now();
  computeGradients(state, rows);
  const t1 = performance.now();
  reduceShard(state, 0, 0, rows.count);
  const t2 = performance.now();
  updateShard(state, { t: s + 1, count: rows.count, ring: 0, lane: 0 });
  const t3 = performance.now();
  parts.gradients.push(t1 - t0);
  parts.reduce.push(t2 - t1);
  parts.update.push(t3 - t2);
  parts.step.push(t3 - t0);
}

const VARIANTS: Record<string, (step: number, parts: Parts) => void> = {
  loop: (s, parts) => {
    const t0 = performance.now();
    loop.network.loadBatch(loop.data, order, (s * BATCH) % (train.n - BATCH), BATCH);
    loop.network.lossAndGradient(BATCH, s);
    const t1 = performance.now();
    loop.optimizer.step();
    const t2 = performance.now();
    parts.gradients.push(t1 - t0);
    parts.update.push(t2 - t1);
    parts.step.push(t2 - t0);
  },
  'one worker': (s, parts) => laneStep(oneWorker, s, parts),
  'a lane of two': (s, parts) => laneStep(twoWorkers, s, parts),
};

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const results: Record<string, Parts> = {};
for (const name of Object.keys(VARIANTS)) results[name] = { gradients: [], reduce: [], update: [], step: [] };
for (let r = 0; r < rounds; r++) {
  // Rotated order each round, as in bench/pipeline; the first 10 steps of a run warm it up.
  const names = Object.keys(VARIANTS);
  for (let i = 0; i < names.length; i++) {
    const name = names[(i + r) % names.length];
    const parts: Parts = { gradients: [], reduce: [], update: [], step: [] };
    for (let s = 0; s < steps + 10; s++) VARIANTS[name](s, parts);
    for (const key of Object.keys(parts)) results[name][key].push(...parts[key].slice(10));
  }
  process.stderr.write(`round ${r + 1}/${rounds}\n`);
}

const us = (ms: number): string => (ms * 1000).toFixed(0);
const loopStep = median(results.loop.step);
console.log(
  `\nbench/step-parts — ${cpus()[0]?.model.trim()}, ${cpus().length} cores, Node ${process.version}; ` +
    `one thread, ${steps} steps × ${rounds} rounds per variant, median of the per-step times\n`,
);
console.log('| variant | gradients µs | reduce µs | update µs | step µs | loop step ÷ this step |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const [name, parts] of Object.entries(results)) {
  const step = median(parts.step);
  const cell = (xs: number[]) => (xs.length ? us(median(xs)) : '—');
  console.log(
    `| ${name} | ${cell(parts.gradients)} | ${cell(parts.reduce)} | ${cell(parts.update)} | ${us(step)} | ${(loopStep / step).toFixed(2)} |`,
  );
}
