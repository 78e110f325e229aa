// bench/update-drift: does a training step slow down as a run goes on? The book's 5-layer MNIST net,
// batch 128, Adam, wasm kernels, on memory built by trainLoop's own setup, trained for `steps`
// steps; per window of steps, the median gradient pass and update, and how many entries of Adam's m
// and v are subnormal at the window's end. Subnormal floats are computed in microcode on x86 and
// WebAssembly cannot flush them to zero, so moments that decay into that range slow the update (the
// wasm steps flush m, not v: docs/optimizers.md).
// Usage: npx tsx bench/update-drift.bench.ts [steps=40000] [window=4000]

import { cpus } from 'node:os';
import { epochOrder } from '../src/data/batch.js';
import { loadMnist } from '../src/data/mnist.js';
import { mlp } from '../src/nn/mlp.js';
import { adam } from '../src/optim/alias.js';
import { createLoopState } from '../src/train/loop-state.js';

const steps = Number(process.argv[2] ?? 40_000);
const window = Number(process.argv[3] ?? 4_000);
const BATCH = 128;
const model = mlp({ sizes: [784, 100, 100, 100, 100, 10], activation: 'relu', init: 'he' });
const train = loadMnist().train;

const {
  network: net,
  optimizer,
  data,
  kernels,
} = createLoopState({
  model,
  optimizer: adam({ lr: 1e-3 }),
  train,
  batchSize: BATCH,
  seed: 1,
  kernels: 'wasm',
});
const [m, v] = ['scaleByAdam.mu', 'scaleByAdam.nu'].map((name) => optimizer.slots[name]);
const perEpoch = Math.floor(train.n / BATCH);
const order = new Uint32Array(train.n);

const FLT_MIN = 2 ** -126;
const subnormals = (x: Float32Array): number => {
  let n = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== 0 && Math.abs(x[i]) < FLT_MIN) n++;
  return n;
};
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

console.log(
  `\nbench/update-drift — ${cpus()[0]?.model.trim()}, Node ${process.version}; ${kernels.kernels.name}, ` +
    `${steps.toLocaleString('en-US')} steps, medians per window of ${window.toLocaleString('en-US')}\n`,
);
console.log('| steps | gradient pass µs | Adam update µs | subnormal entries of m | of v |');
console.log('|---|---:|---:|---:|---:|');
let grads: number[] = [];
let updates: number[] = [];
for (let s = 0; s < steps; s++) {
  const b = s % perEpoch;
  if (b === 0) epochOrder(train.n, 1, s / perEpoch, order);
  const t0 = performance.now();
  net.loadBatch(data, order, b * BATCH, BATCH);
  net.lossAndGradient(BATCH, s + 1);
  const t1 = performance.now();
  optimizer.step();
  const t2 = performance.now();
  grads.push(t1 - t0);
  updates.push(t2 - t1);
  if ((s + 1) % window === 0) {
    const us = (xs: number[]) => (median(xs) * 1000).toFixed(0);
    console.log(
      `| ${s + 1 - window + 1}–${s + 1} | ${us(grads)} | ${us(updates)} | ${subnormals(m)} | ${subnormals(v)} |`,
    );
    grads = [];
    updates = [];
  }
}
