// bench/pipeline: training throughput of the worker pipeline (1 and 2 workers) against a plain
// single-threaded loop over the same kernels, side by side in one process, in rotating order, median of N.
// Model: the book's 5-layer MNIST net 784-100-100-100-100-10, ReLU, He init, batch 128, Adam.
// Rows: 1 and 2 workers with the defaults (lookahead 1, barrier spin 0.15 ms), then 2 workers with one
// knob changed each (lookahead 8: the workers run up to 8 steps ahead and the main thread wakes every
// 6 steps; barrier spin 2 ms: the lanes hardly ever sleep at a barrier), then with a subscriber that
// keeps the main thread busy 0.3 ms per step (as a store and a dashboard do), with the defaults and with
// each knob changed.
// Every run trains `warmup + steps` steps on all of MNIST's training set (epoch after epoch) and is timed
// over the last `steps`: the steady state of a long job. The first steps of a pipeline run pay for
// starting its threads and for compiling the workers' code (each worker is a fresh V8 isolate: a few
// hundred ms of compiler threads' CPU on cores the lanes need), which the loop, running on the
// already-warm main thread, does not; `warmup` 10 shows that short-run case.
// Thread columns (Linux): CPU and run-queue wait per timed step from /proc/self/task/*/schedstat.
// Usage: npx tsx bench/pipeline.bench.ts [steps=1500] [repeats=5] [warmup=500]; BENCH_VARIANTS=1,4 picks rows

import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { lastValueFrom, tap } from 'rxjs';
import { loadMnist } from '../src/data/mnist.js';
import { mlp } from '../src/nn/mlp.js';
import { adam } from '../src/optim/alias.js';
import { train } from '../src/pipeline/train.js';
import { trainLoop } from '../src/train/train-loop.js';

const steps = Number(process.argv[2] ?? 1500);
const repeats = Number(process.argv[3] ?? 5);
const WARMUP = Number(process.argv[4] ?? 500); // steps before the timed ones (thread start, JIT)
const TOTAL = WARMUP + steps;
const BATCH = 128;
const model = mlp({ sizes: [784, 100, 100, 100, 100, 10], activation: 'relu', init: 'he' });
const optimizer = adam({ lr: 1e-3 });
const data = loadMnist().train;

/** Samples per second between the end of step WARMUP and the end of step TOTAL. */
function rate(stepEnds: number[]): number {
  return (steps * BATCH * 1000) / (stepEnds[TOTAL - 1] - stepEnds[WARMUP - 1]);
}

function baseline(): number {
  const ends: number[] = [];
  trainLoop({
    model,
    optimizer,
    train: data,
    // whole epochs (trainLoop's unit) covering TOTAL steps; the steps past it are not timed
    epochs: Math.ceil(TOTAL / Math.ceil(data.n / BATCH)),
    batchSize: BATCH,
    seed: 1,
    onStep: () => ends.push(performance.now()),
  });
  return rate(ends);
}

/** A thread's CPU time and its time runnable but waiting for a core, in ms (Linux schedstat). */
interface ThreadTimes {
  readonly cpu: number;
  readonly wait: number;
}

/**
 * Every thread of this process (Linux: /proc/self/task/<tid>/schedstat, in ns); empty elsewhere.
 * On a 2-core machine the lanes share their cores with the main thread and V8's helper threads, so
 * their CPU and their wait for a core say where a step's time went.
 */
function threadTimes(): Map<number, ThreadTimes> {
  const times = new Map<number, ThreadTimes>();
  try {
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        const [cpu, wait] = readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
        times.set(Number(tid), { cpu: cpu / 1e6, wait: wait / 1e6 });
      } catch {
        // the thread ended between the listing and the read
      }
    }
  } catch {
    // not Linux
  }
  return times;
}

/** Per timed step, in µs: the main thread's CPU, each lane's CPU and wait for a core, the rest's CPU. */
interface ThreadUse {
  readonly main: number;
  readonly laneCpu: number;
  readonly laneWait: number;
  readonly others: number;
}

/**
 * What each thread used between two snapshots, per step. The lanes are taken to be the `lanes`
 * threads other than the main one that used the most CPU (the pool's threads are not named).
 */
function threadUse(
  before: Map<number, ThreadTimes>,
  after: Map<number, ThreadTimes>,
  lanes: number,
  n: number,
): ThreadUse {
  if (after.size === 0)
    return { main: Number.NaN, laneCpu: Number.NaN, laneWait: Number.NaN, others: Number.NaN };
  const deltas = [...after].map(([tid, t]) => {
    const b = before.get(tid) ?? { cpu: 0, wait: 0 };
    return { tid, cpu: t.cpu - b.cpu, wait: t.wait - b.wait };
  });
  const main = deltas.find((d) => d.tid === process.pid);
  const rest = deltas.filter((d) => d.tid !== process.pid).sort((a, b) => b.cpu - a.cpu);
  const laneThreads = rest.slice(0, lanes);
  const perStep = (ms: number) => (ms * 1000) / n;
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  return {
    main: main ? perStep(main.cpu) : Number.NaN,
    laneCpu: perStep(sum(laneThreads.map((d) => d.cpu)) / lanes),
    laneWait: perStep(sum(laneThreads.map((d) => d.wait)) / lanes),
    others: perStep(sum(rest.slice(lanes).map((d) => d.cpu))),
  };
}

/** A pipeline configuration the bench runs: the worker count and the knobs it varies. */
interface Variant {
  readonly label: string;
  readonly workers: number;
  readonly lookahead?: number;
  readonly barrierSpinMs?: number;
  /** The subscriber keeps the main thread busy this long per step event (a store, a dashboard). */
  readonly busyMsPerStep?: number;
}

const ALL_VARIANTS: readonly Variant[] = [
  { label: 'pipeline, 1 worker', workers: 1 },
  { label: 'pipeline, 2 workers', workers: 2 },
  { label: 'pipeline, 2 workers, lookahead 8', workers: 2, lookahead: 8 },
  { label: 'pipeline, 2 workers, barrier spin 2 ms', workers: 2, barrierSpinMs: 2 },
  { label: 'pipeline, 2 workers, busy subscriber (0.3 ms per step)', workers: 2, busyMsPerStep: 0.3 },
  {
    label: 'pipeline, 2 workers, busy subscriber (0.3 ms per step), lookahead 8',
    workers: 2,
    busyMsPerStep: 0.3,
    lookahead: 8,
  },
  {
    label: 'pipeline, 2 workers, busy subscriber (0.3 ms per step), barrier spin 2 ms',
    workers: 2,
    busyMsPerStep: 0.3,
    barrierSpinMs: 2,
  },
];

// BENCH_VARIANTS=1,4 runs only those rows (0-based, in the order above): fewer rows, more repeats.
const picked = process.env.BENCH_VARIANTS?.split(',').map(Number);
const VARIANTS = picked ? picked.map((i) => ALL_VARIANTS[i]) : ALL_VARIANTS;

/** Samples/s of the pipeline, and what its threads used per timed step. */
async function pipeline(v: Variant): Promise<{ rate: number; use: ThreadUse }> {
  const ends: number[] = [];
  let atWarmup = new Map<number, ThreadTimes>();
  let atEnd = new Map<number, ThreadTimes>();
  const run = train({
    model,
    optimizer,
    train: data,
    steps: TOTAL,
    batchSize: BATCH,
    workers: v.workers,
    lookahead: v.lookahead,
    barrierSpinMs: v.barrierSpinMs,
    seed: 1,
    histogramEvery: 0, // the training alone (train()'s default takes histograms every 50 steps)
  });
  const record = tap((e: { type: string }) => {
    if (e.type !== 'step') return;
    ends.push(performance.now());
    const busyUntil = performance.now() + (v.busyMsPerStep ?? 0);
    while (performance.now() < busyUntil); // the subscriber's own work, on the main thread
    if (ends.length === WARMUP) atWarmup = threadTimes();
    if (ends.length === TOTAL) atEnd = threadTimes();
  });
  await lastValueFrom(run.pipe(record));
  return { rate: rate(ends), use: threadUse(atWarmup, atEnd, v.workers, steps) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const loopRates: number[] = [];
const rates = VARIANTS.map(() => [] as number[]);
const uses = VARIANTS.map(() => [] as ThreadUse[]);
// A run's place in the repeat matters (the previous pool is still being torn down, its memory freed):
// each repeat starts one place later in the list (the loop is place 0), and runs are 300 ms apart.
const SETTLE_MS = 300;
const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
for (let r = 0; r < repeats; r++) {
  const places = VARIANTS.length + 1;
  for (let p = 0; p < places; p++) {
    const i = (p + r) % places;
    await settle();
    if (i === 0) {
      loopRates.push(baseline());
      continue;
    }
    const out = await pipeline(VARIANTS[i - 1]);
    rates[i - 1].push(out.rate);
    uses[i - 1].push(out.use);
  }
  process.stderr.write(
    `repeat ${r + 1}/${repeats}: loop ${loopRates.at(-1)!.toFixed(0)}, ${VARIANTS.map((v, i) => `${v.label.replace('pipeline, ', '')} ${rates[i].at(-1)!.toFixed(0)}`).join(', ')} samples/s\n`,
  );
}
const loop = median(loopRates);
const us = (xs: number[]) => (Number.isNaN(median(xs)) ? 'n/a' : median(xs).toFixed(0));
// The host's speed drifts between repeats; the ratio within each repeat, then its median, drifts less.
const pairedRatio = (xs: number[]) => median(xs.map((x, r) => x / loopRates[r]));
console.log(
  `\nbench/pipeline — ${cpus()[0].model}, ${cpus().length} cores, Node ${process.version}; batch ${BATCH}, ${steps} steps timed after ${WARMUP} untimed, median of ${repeats}\n`,
);
console.log(
  "| runner | samples/s | × loop (medians) | × loop (median of paired ratios) | µs/step | main thread CPU µs/step | a lane's CPU µs/step | a lane's wait for a core µs/step | other threads' CPU µs/step |",
);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
console.log(
  `| single-threaded loop (trainLoop) | ${loop.toFixed(0)} | 1.00 | 1.00 | ${((BATCH * 1e6) / loop).toFixed(0)} | (all of it) | | | |`,
);
for (const [i, v] of VARIANTS.entries()) {
  const m = median(rates[i]);
  const col = (key: keyof ThreadUse) => us(uses[i].map((u) => u[key]));
  console.log(
    `| ${v.label} | ${m.toFixed(0)} | ${(m / loop).toFixed(2)} | ${pairedRatio(rates[i]).toFixed(2)} | ${((BATCH * 1e6) / m).toFixed(0)} | ${col('main')} | ${col('laneCpu')} | ${col('laneWait')} | ${col('others')} |`,
  );
}
