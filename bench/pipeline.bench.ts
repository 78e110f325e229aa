// bench/pipeline: training throughput of the worker pipeline (1 and 2 workers) against a plain
// single-threaded loop over the same kernels, side by side in one process, alternating, median of N.
// Model: the book's 5-layer MNIST net 784-100-100-100-100-10, ReLU, He init, batch 128, Adam.
// Usage: npx tsx bench/pipeline.bench.ts [steps=200] [repeats=3]

import { cpus } from 'node:os';
import { lastValueFrom, tap } from 'rxjs';
import { subset } from '../src/data/dataset.js';
import { loadMnist } from '../src/data/mnist.js';
import { mlp } from '../src/nn/mlp.js';
import { adam } from '../src/optim/alias.js';
import { train } from '../src/pipeline/train.js';
import { trainLoop } from '../src/train/train-loop.js';

const steps = Number(process.argv[2] ?? 200);
const repeats = Number(process.argv[3] ?? 3);
const WARMUP = 10; // steps excluded from timing (thread start, JIT)
const BATCH = 128;
const model = mlp({ sizes: [784, 100, 100, 100, 100, 10], activation: 'relu', init: 'he' });
const optimizer = adam({ lr: 1e-3 });
const data = subset(loadMnist().train, 0, steps * BATCH);

/** Samples per second between the end of step WARMUP and the end of the last step. */
function rate(stepEnds: number[]): number {
  return ((stepEnds.length - WARMUP) * BATCH * 1000) / (stepEnds.at(-1)! - stepEnds[WARMUP - 1]);
}

function baseline(): number {
  const ends: number[] = [];
  trainLoop({
    model,
    optimizer,
    train: data,
    epochs: 1,
    batchSize: BATCH,
    seed: 1,
    onStep: () => ends.push(performance.now()),
  });
  return rate(ends);
}

async function pipeline(workers: number): Promise<number> {
  const ends: number[] = [];
  const run = train({ model, optimizer, train: data, steps, batchSize: BATCH, workers, seed: 1 });
  await lastValueFrom(run.pipe(tap((e) => e.type === 'step' && ends.push(performance.now()))));
  return rate(ends);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = { loop: [] as number[], w1: [] as number[], w2: [] as number[] };
for (let r = 0; r < repeats; r++) {
  results.loop.push(baseline());
  results.w1.push(await pipeline(1));
  results.w2.push(await pipeline(2));
  process.stderr.write(
    `repeat ${r + 1}/${repeats}: loop ${results.loop.at(-1)!.toFixed(0)}, 1 worker ${results.w1.at(-1)!.toFixed(0)}, 2 workers ${results.w2.at(-1)!.toFixed(0)} samples/s\n`,
  );
}
const loop = median(results.loop);
console.log(
  `\nbench/pipeline — ${cpus()[0].model}, ${cpus().length} cores, Node ${process.version}; ${steps} steps of batch ${BATCH} (first ${WARMUP} untimed), median of ${repeats}\n`,
);
console.log('| runner | samples/s | × single-threaded loop |');
console.log('|---|---:|---:|');
console.log(`| single-threaded loop (trainLoop) | ${loop.toFixed(0)} | 1.00 |`);
console.log(
  `| pipeline, 1 worker | ${median(results.w1).toFixed(0)} | ${(median(results.w1) / loop).toFixed(2)} |`,
);
console.log(
  `| pipeline, 2 workers | ${median(results.w2).toFixed(0)} | ${(median(results.w2) / loop).toFixed(2)} |`,
);
