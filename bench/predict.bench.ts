// `npx tsx bench/predict.bench.ts [--runs N]`: inference on one exported model, side by side in one
// process: gradstream's `loadModel(file).predict` (wasm SIMD kernels, and the plain-JS ones) against
// onnxruntime-web (its WebAssembly build, one thread) running the ONNX export of the same weights.
// Batch 1 latency (median and p99 of 2,000 calls) and batch 256 throughput (rows/s over ≥ 0.5 s),
// on real MNIST test rows fed raw (bytes 0–255: both scale them), each the median of N runs taken in
// turns; printed as a markdown table naming the CPU.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web';
import { loadMnist } from '../src/data/mnist.js';
import { scalePreprocessing } from '../src/data/preprocessing.js';
import { onnxModel } from '../src/export/onnx.js';
import { encodeSafetensors, safetensorsMetadata, sequentialStateDict } from '../src/export/safetensors.js';
import { loadModel } from '../src/model/load-model.js';
import { mlp } from '../src/nn/mlp.js';
import { Network } from '../src/nn/network.js';
import { Rng } from '../src/random/rng.js';

ort.env.wasm.numThreads = 1; // one thread each: the comparison is per core

const runsAt = process.argv.indexOf('--runs');
const RUNS = runsAt > 0 ? Number(process.argv[runsAt + 1]) : 5;
const LATENCY_CALLS = 2000;
const BATCH = 256;
const THROUGHPUT_MS = 500;

/** The book's net with batch norm, random weights from a seed, running statistics made non-trivial. */
const spec = mlp({ sizes: [784, 100, 100, 10], batchNorm: true });
const net = Network.create(spec, { capacity: 1 });
net.initialize(1);
const rng = new Rng(2);
for (let i = 0; i < net.buffers.length; i++) net.buffers[i] = 0.5 + rng.uniform(0, 1);
const preprocessing = scalePreprocessing(784, 1 / 255, 10);

const dir = mkdtempSync(join(tmpdir(), 'gradstream-predict-bench-'));
const file = join(dir, 'model.safetensors');
const tensors = sequentialStateDict(spec, net.params, net.buffers, 1);
writeFileSync(
  file,
  encodeSafetensors(tensors, safetensorsMetadata({ model: spec, preprocessing, step: 1 }, 'bench')),
);
const onnxBytes = onnxModel(spec, net.params, net.buffers, preprocessing);

const test = loadMnist({ testLimit: 1024 }).test;
const bytes = test.x as Uint8Array;
const floats = Float32Array.from(bytes); // onnx takes float32 pixels 0–255 and scales them in the graph

/** One contender: predicts `rows` rows starting at row `first` (the batch's inputs prepared up front). */
interface Contender {
  readonly name: string;
  readonly predict: (first: number, rows: number) => unknown;
}

function gradstream(kernels: 'auto' | 'js'): Contender {
  const single = loadModel(file, { kernels, batchSize: 1 });
  const batched = loadModel(file, { kernels, batchSize: BATCH });
  // The views are made once: predict is then called with the same buffers, as a server would.
  const one = Array.from({ length: 1024 }, (_, i) => bytes.subarray(i * 784, (i + 1) * 784));
  const many = Array.from({ length: 4 }, (_, i) => bytes.subarray(i * BATCH * 784, (i + 1) * BATCH * 784));
  return {
    name: `gradstream predict (${single.kernels})`,
    predict: (first, rows) => (rows === 1 ? single.predict(one[first]) : batched.predict(many[first % 4])),
  };
}

async function onnxruntime(): Promise<Contender> {
  const session = await ort.InferenceSession.create(onnxBytes);
  const one = Array.from(
    { length: 1024 },
    (_, i) => new ort.Tensor('float32', floats.subarray(i * 784, (i + 1) * 784), [1, 784]),
  );
  const many = Array.from(
    { length: 4 },
    (_, i) =>
      new ort.Tensor('float32', floats.subarray(i * BATCH * 784, (i + 1) * BATCH * 784), [BATCH, 784]),
  );
  return {
    name: `onnxruntime-web ${ort.env.versions.web ?? ''} (wasm, 1 thread)`.replace('  ', ' '),
    predict: (first, rows) => session.run({ input: rows === 1 ? one[first] : many[first % 4] }),
  };
}

const quantile = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const median = (xs: readonly number[]) =>
  quantile(
    [...xs].sort((a, b) => a - b),
    0.5,
  );

/** Batch 1: µs per call, median and p99 of LATENCY_CALLS calls (awaited: onnxruntime's run is async). */
async function latency(c: Contender): Promise<{ median: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < LATENCY_CALLS; i++) {
    const start = performance.now();
    await c.predict(i % 1024, 1);
    times.push((performance.now() - start) * 1000);
  }
  times.sort((a, b) => a - b);
  return { median: quantile(times, 0.5), p99: quantile(times, 0.99) };
}

/** Batch 256: rows per second over at least THROUGHPUT_MS. */
async function throughput(c: Contender): Promise<number> {
  const start = performance.now();
  let rows = 0;
  for (let i = 0; performance.now() - start < THROUGHPUT_MS; i++) {
    await c.predict(i, BATCH);
    rows += BATCH;
  }
  return rows / ((performance.now() - start) / 1000);
}

const contenders = [gradstream('auto'), gradstream('js'), await onnxruntime()];
// Warm-up: V8 tiers the wasm and JS up, onnxruntime sets up its kernels.
for (const c of contenders) {
  await latency(c);
  await throughput(c);
}
const results = contenders.map(() => ({ median: [] as number[], p99: [] as number[], rows: [] as number[] }));
for (let run = 0; run < RUNS; run++) {
  // In turns, so the host's load spreads over every contender.
  for (const [i, c] of contenders.entries()) {
    const l = await latency(c);
    results[i].median.push(l.median);
    results[i].p99.push(l.p99);
    results[i].rows.push(await throughput(c));
  }
}
rmSync(dir, { recursive: true, force: true });

const cpu = cpus()[0]?.model ?? 'unknown CPU';
process.stdout.write(
  `\nInference on ${spec.sizes.join('-')} with batch norm, real MNIST rows; ${cpu}, ${cpus().length} CPUs, Node ${process.version}, ` +
    `load ${loadavg()[0].toFixed(2)}; median of ${RUNS} runs\n\n`,
);
process.stdout.write(
  '| runtime | batch 1 median µs | batch 1 p99 µs | batch 256 rows/s |\n|---|---:|---:|---:|\n',
);
for (const [i, c] of contenders.entries()) {
  const r = results[i];
  process.stdout.write(
    `| ${c.name} | ${median(r.median).toFixed(1)} | ${median(r.p99).toFixed(1)} | ${Math.round(median(r.rows)).toLocaleString('en-US')} |\n`,
  );
}
