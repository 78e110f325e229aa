// bench/shared-memory: the same single-threaded training loop (the 5-layer MNIST net, batch 128,
// Adam, wasm kernels) on a private and on a shared WebAssembly.Memory, alternating, median of N —
// the cost the worker pipeline pays for sharing its memory between threads.
// Usage: npx tsx bench/shared-memory.bench.ts [steps=300] [repeats=5]

import { cpus } from 'node:os';
import { epochOrder, gatherBatch } from '../src/data/batch.js';
import { subset } from '../src/data/dataset.js';
import { loadMnist } from '../src/data/mnist.js';
import { createWasmKernels } from '../src/kernels/wasm/wasm-kernels.js';
import { mlp, mlpLayouts } from '../src/nn/mlp.js';
import { declareModelState, declareNetworkScratch, Network } from '../src/nn/network.js';
import { adam } from '../src/optim/alias.js';
import { createOptimizer, optimizerSlotNames } from '../src/optim/optimizer.js';
import { ArenaBuilder } from '../src/tensor/arena.js';

const steps = Number(process.argv[2] ?? 300);
const repeats = Number(process.argv[3] ?? 5);
const BATCH = 128;
const data = subset(loadMnist().train, 0, steps * BATCH);
const model = mlp({ sizes: [784, 100, 100, 100, 100, 10] });
const spec = adam({ lr: 1e-3 });

function run(shared: boolean): number {
  const wasm = createWasmKernels({ shared });
  const builder = new ArenaBuilder();
  declareModelState(builder, model);
  declareNetworkScratch(builder, model, BATCH);
  const names = optimizerSlotNames(spec);
  for (const name of names) builder.f32(`opt/${name}`, mlpLayouts(model).params.size);
  const arena = builder.build(wasm.allocation);
  const net = new Network(model, arena, { capacity: BATCH, kernels: wasm.kernels });
  net.initialize(1);
  const slots = Object.fromEntries(names.map((name) => [name, arena.f32(`opt/${name}`)]));
  const optimizer = createOptimizer(
    spec,
    { params: net.params, grads: net.grads, slots },
    { kernels: wasm.optimizer },
  );
  const order = epochOrder(data.n, 1, 0);
  const started = performance.now();
  for (let s = 0; s < steps; s++) {
    gatherBatch(data, order, s * BATCH, BATCH, net.input, net.labels);
    net.lossAndGradient(BATCH, s + 1);
    optimizer.step();
  }
  return (steps * BATCH * 1000) / (performance.now() - started);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rates = { private: [] as number[], shared: [] as number[] };
for (let r = 0; r < repeats; r++) {
  rates.private.push(run(false));
  rates.shared.push(run(true));
}
const base = median(rates.private);
console.log(
  `\nbench/shared-memory — ${cpus()[0].model}, one thread, Node ${process.version}; ${steps} steps of batch ${BATCH}, median of ${repeats}\n`,
);
console.log('| wasm memory | samples/s | × private |');
console.log('|---|---:|---:|');
console.log(`| private | ${base.toFixed(0)} | 1.00 |`);
console.log(`| shared | ${median(rates.shared).toFixed(0)} | ${(median(rates.shared) / base).toFixed(2)} |`);
