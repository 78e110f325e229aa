// `npx tsx bench/kernels.bench.ts [--reps N]`: GFLOP/s of the three matrix products on one core,
// plain JS vs wasm SIMD vs wasm relaxed SIMD (FMA) in the same run, median of N timed repetitions,
// then the first layer's two products on real MNIST rows, dense against zero-skipping, then µs per
// call of the elementwise kernels; printed as markdown tables.

import { cpus, loadavg } from 'node:os';
import { loadMnist } from '../src/data/mnist.js';
import { zeroFraction } from '../src/data/sparsity.js';
import { jsKernels } from '../src/kernels/js/index.js';
import type { Kernels } from '../src/kernels/kernels.js';
import { createWasmKernels, detectWasmFeatures } from '../src/kernels/wasm/index.js';
import { Rng } from '../src/random/rng.js';
import { ArenaBuilder } from '../src/tensor/arena.js';

type Product = 'matmul' | 'matmulTransA' | 'matmulTransB';
const PRODUCTS: readonly Product[] = ['matmul', 'matmulTransA', 'matmulTransB'];
/** m×k·k×n: a layer's forward, its weight gradient, a small layer, and a large square-ish product. */
const SHAPES: ReadonlyArray<readonly [number, number, number]> = [
  [128, 784, 100],
  [784, 128, 100],
  [128, 100, 100],
  [256, 1024, 1024],
];
const MAX = 1024 * 1024;
const repsAt = process.argv.indexOf('--reps');
const REPS = repsAt > 0 ? Number(process.argv[repsAt + 1]) : 15;
/** Each timed repetition runs the kernel for at least this long, so timer resolution does not matter. */
const MIN_SAMPLE_MS = 30;

interface Contender {
  readonly kernels: Kernels;
  readonly a: Float32Array;
  readonly b: Float32Array;
  readonly c: Float32Array;
  readonly labels: Uint8Array;
  /** 1000 MNIST-sized rows of bytes and 128 row indices into them, for gatherRows. */
  readonly pixels: Uint8Array;
  readonly rows: Int32Array;
}

function contender(
  kernels: Kernels,
  build: (b: ArenaBuilder) => ReturnType<ArenaBuilder['build']>,
): Contender {
  const builder = new ArenaBuilder().f32('a', MAX).f32('b', MAX).f32('c', MAX).u8('labels', 1024);
  builder.u8('pixels', 1000 * 784).i32('rows', 128);
  const arena = build(builder);
  const rng = new Rng(1);
  for (const name of ['a', 'b', 'c']) {
    const x = arena.f32(name);
    for (let i = 0; i < x.length; i++) x[i] = rng.uniform(-1, 1);
  }
  const labels = arena.u8('labels');
  for (let i = 0; i < labels.length; i++) labels[i] = rng.int(10);
  const pixels = arena.u8('pixels');
  for (let i = 0; i < pixels.length; i++) pixels[i] = rng.int(256);
  const rows = arena.i32('rows');
  for (let i = 0; i < rows.length; i++) rows[i] = rng.int(1000);
  return { kernels, a: arena.f32('a'), b: arena.f32('b'), c: arena.f32('c'), labels, pixels, rows };
}

function sample(run: () => void): number {
  const start = performance.now();
  let n = 0;
  do {
    run();
    n++;
  } while (performance.now() - start < MIN_SAMPLE_MS);
  return (performance.now() - start) / 1000 / n;
}

/**
 * Median seconds per call of each runner, after a warm-up long enough for V8 to tier its wasm up
 * to the optimizing compiler. Repetitions take turns between runners, so load from other processes
 * on the machine spreads over all of them instead of landing on whichever ran at that moment.
 */
function secondsPerCall(runs: ReadonlyArray<() => void>): number[] {
  for (const run of runs) {
    const warmUntil = performance.now() + 300;
    do run();
    while (performance.now() < warmUntil);
  }
  const samples = runs.map((): number[] => []);
  for (let r = 0; r < REPS; r++) {
    for (let i = 0; i < runs.length; i++) samples[i].push(sample(runs[i]));
  }
  return samples.map((s) => s.sort((x, y) => x - y)[Math.floor(s.length / 2)]);
}

const features = detectWasmFeatures();
const contenders: Contender[] = [contender(jsKernels, (b) => b.build())];
if (features.simd) {
  const simd = createWasmKernels({ relaxed: false });
  contenders.push(contender(simd.kernels, (b) => b.build(simd.allocation)));
}
if (features.relaxedSimd) {
  const relaxed = createWasmKernels({ relaxed: true });
  contenders.push(contender(relaxed.kernels, (b) => b.build(relaxed.allocation)));
}
const names = contenders.map((c) => c.kernels.name);

const out: string[] = [];
const load = () => loadavg()[0].toFixed(2);
out.push(
  `Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'}, one thread, median of ${REPS}; load ${load()}`,
);
out.push('', `| product | m×k·k×n | ${names.map((n) => `${n} GFLOP/s`).join(' | ')} |`);
out.push(`|---|---|${names.map(() => '---:').join('|')}|`);
for (const [m, k, n] of SHAPES) {
  for (const op of PRODUCTS) {
    const seconds = secondsPerCall(
      contenders.map(
        ({ kernels, a, b, c }) =>
          () =>
            kernels[op](a, b, c, m, k, n),
      ),
    );
    const cells = seconds.map((s) => ((2 * m * k * n) / s / 1e9).toFixed(1));
    out.push(`| ${op} | ${m}×${k}·${k}×${n} | ${cells.join(' | ')} |`);
    process.stderr.write('.');
  }
}

// The first layer on 128 real MNIST rows (scaled to [0, 1]), as the network runs it: x·W and xᵀ·dy.
const mnist = loadMnist({ trainLimit: 128, testLimit: 1 }).train;
for (const { a } of contenders) for (let i = 0; i < 128 * 784; i++) a[i] = mnist.x[i] * mnist.scale;
const zeros = (100 * zeroFraction(mnist)).toFixed(0);
out.push(
  '',
  `| first layer, 128 MNIST rows (${zeros}% zeros) | ${names.map((n) => `${n} dense µs | ${n} zero-skipping µs`).join(' | ')} |`,
);
out.push(`|---|${names.map(() => '---:|---:').join('|')}|`);
const firstLayer = [
  ['x·W 128×784·784×100', 'matmul', 'matmulSparseA', 128, 784, 100],
  ['xᵀ·dy 784×128·128×100', 'matmulTransA', 'matmulTransASparseA', 784, 128, 100],
] as const;
for (const [label, dense, sparse, m, k, n] of firstLayer) {
  const runs = contenders.flatMap(({ kernels, a, b, c }) => [
    () => kernels[dense](a, b, c, m, k, n),
    () => kernels[sparse](a, b, c, m, k, n),
  ]);
  const cells = secondsPerCall(runs).map((s) => (s * 1e6).toFixed(1));
  out.push(`| ${label} | ${cells.join(' | ')} |`);
  process.stderr.write('.');
}

const [m, n] = [128, 100];
const elementwise: ReadonlyArray<readonly [string, (x: Contender) => void]> = [
  ['addRowVector 128×100', ({ kernels, b, c }) => kernels.addRowVector(c, b, m, n)],
  ['sumRows 128×100', ({ kernels, a, b }) => kernels.sumRows(a, b, m, n)],
  ['reluForward 12800', ({ kernels, a, b }) => kernels.reluForward(a, b, m * n)],
  ['reluBackward 12800', ({ kernels, a, b, c }) => kernels.reluBackward(a, b, c, m * n)],
  ['sigmoidForward 12800', ({ kernels, a, b }) => kernels.sigmoidForward(a, b, m * n)],
  ['sigmoidBackward 12800', ({ kernels, a, b, c }) => kernels.sigmoidBackward(a, b, c, m * n)],
  [
    'softmaxCrossEntropy 128×10',
    ({ kernels, a, labels, c }) => kernels.softmaxCrossEntropy(a, labels, c, 128, 10),
  ],
  // The data path and the pipeline's gradient reduction, at the 5-layer net's sizes (109,386 parameters).
  [
    'gatherRows 128×784 bytes',
    ({ kernels, pixels, rows, c }) => kernels.gatherRows(pixels, rows, c, 128, 784, 1 / 255),
  ],
  ['axpby 109386', ({ kernels, a, b }) => kernels.axpby(0.5, a, 0.5, b, 109_386)],
  ['sumSquares 109386', ({ kernels, a }) => kernels.sumSquares(a, 109_386)],
];
out.push('', `| kernel | ${names.map((n) => `${n} µs`).join(' | ')} |`);
out.push(`|---|${names.map(() => '---:').join('|')}|`);
for (const [label, run] of elementwise) {
  const cells = secondsPerCall(contenders.map((x) => () => run(x))).map((s) => (s * 1e6).toFixed(2));
  out.push(`| ${label} | ${cells.join(' | ')} |`);
  process.stderr.write('.');
}
process.stderr.write('\n');
out.push('', `1-minute load average at the end: ${load()} (${cpus().length} cores)`);
process.stdout.write(`${out.join('\n')}\n`);
