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
// own setup (createLoopState), the worker variants on the memory train() lays out for 2 workers (lane 0's
// network and shard), so the update streams the same regions at the same offsets as in a real run.
// Usage: npx tsx bench/step-parts.bench.ts [steps=300] [rounds=7]

import { cpus } from 'node:os';
import { epochOrder } from '../src/data/batch.js';
import { loadMnist } from '../src/data/mnist.js';
import { mlp, mlpLayouts } from '../src/nn/mlp.js';
import { Network } from '../src/nn/network.js';
import { adam } from '../src/optim/alias.js';
import { compile } from '../src/optim/compile.js';
import { stepInPlace } from '../src/optim/optimizer.js';
import type { Slots } from '../src/optim/transform.js';
import { createPipelineMemory } from '../src/pipeline/memory.js';
import {
  createPlan,
  gradRegion,
  laneScope,
  NORM_BLOCKS,
  slotRegion,
  statsRegion,
} from '../src/pipeline/plan.js';
import { shardRanges } from '../src/tensor/layout.js';
import { createLoopState } from '../src/train/loop-state.js';

const steps = Number(process.argv[2] ?? 300);
const rounds = Number(process.argv[3] ?? 7);
const BATCH = 128;
const model = mlp({ sizes: [784, 100, 100, 100, 100, 10], activation: 'relu', init: 'he' });
const spec = adam({ lr: 1e-3 });
const train = loadMnist().train;
const size = mlpLayouts(model).params.size;
const order = epochOrder(train.n, 1, 0);
const ctx = { step: 0, lrOverride: undefined as number | undefined, gradNorm: 0 };
const norms = new Float64Array(NORM_BLOCKS);

// The loop's memory, built by trainLoop's own setup (a private wasm memory).
const loop = createLoopState({ model, optimizer: spec, train, batchSize: BATCH, seed: 1, kernels: 'wasm' });

// The pipeline's memory for 2 workers, as train() lays it out (a shared wasm memory), and lane 0's views.
const plan = createPlan({ model, optimizer: spec, batchSize: BATCH, workers: 2, seed: 1 });
const memory = createPipelineMemory(plan, 'wasm', { train });
const arena = memory.arena;
const kernels = memory.kernels.kernels;
const transform = compile(spec, { kernels: memory.kernels.wasm?.optimizer });
const MICRO = plan.microBatchSize;
const micro = [0, 1].map(
  (k) =>
    new Network(model, arena, {
      capacity: MICRO,
      kernels,
      seed: 1,
      grads: gradRegion(0, k),
      batchStats: statsRegion(0, k),
      scope: laneScope(0, 0),
    }),
);
const data = memory.data.train;
const g = [arena.f32(gradRegion(0, 0)), arena.f32(gradRegion(0, 1))];
const blocks = shardRanges(size, NORM_BLOCKS);

/** The views of the parameter range [0, end), made once (as a worker's shard is): no allocation per step. */
function shardViews(end: number) {
  const slots: Record<string, Float32Array> = {};
  for (const name of transform.slots) slots[name] = arena.f32(slotRegion(name)).subarray(0, end);
  return {
    end,
    g0: g[0].subarray(0, end),
    g1: g[1].subarray(0, end),
    blocks: blocks.filter(([, hi]) => hi <= end).map(([lo, hi]) => g[0].subarray(lo, hi)),
    slots: slots as Slots,
    params: arena.f32('params').subarray(0, end),
  };
}
type Shard = ReturnType<typeof shardViews>;
const whole = shardViews(size);
const laneZero = shardViews(blocks[NORM_BLOCKS / 2][0]); // lane 0's shard of two: the first 32 norm blocks

/** The pipeline's reduce over a shard: g₀ ← ½·g₁ + ½·g₀, then each norm block's Σg². */
function reduce(s: Shard): void {
  kernels.axpby(0.5, s.g1, 0.5, s.g0, s.end);
  for (let b = 0; b < s.blocks.length; b++) norms[b] = kernels.sumSquares(s.blocks[b], s.blocks[b].length);
}

function update(s: Shard): void {
  ctx.step++;
  stepInPlace(transform, s.g0, s.slots, s.params, ctx);
}

/** Per-step durations (ms) of each part, appended to `parts[name]`. */
type Parts = Record<string, number[]>;

/** A worker's share of step `s`: gradients of its first `microBatches` micro-batches, reduce, update. */
function workerStep(s: number, parts: Parts, microBatches: number, shard: Shard): void {
  const t0 = performance.now();
  for (let k = 0; k < microBatches; k++) {
    micro[k].loadBatch(data, order, ((s * BATCH) % (train.n - BATCH)) + k * MICRO, MICRO);
    micro[k].lossAndGradient(MICRO, s);
  }
  const t1 = performance.now();
  reduce(shard);
  const t2 = performance.now();
  update(shard);
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
  'one worker': (s, parts) => workerStep(s, parts, 2, whole),
  'a lane of two': (s, parts) => workerStep(s, parts, 1, laneZero),
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
