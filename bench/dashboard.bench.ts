// bench/dashboard: training throughput with the dashboard server and 10 connected clients against
// training alone, alternating the two conditions; medians of N runs and of the N paired ratios
// (robust to load drifting on a shared machine). Target ≥ 97%. Two trainers: the worker pipeline
// (`train()`) and a main-thread loop that shares its thread with the server (the worst case).
// The clients run in a child process, as browsers would, and parse every message.
// Usage: npx tsx bench/dashboard.bench.ts [steps=150] [repeats=7] [trainers=pipeline,loop]

import { type ChildProcess, fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { lastValueFrom, type Observable, share, tap } from 'rxjs';
import WebSocket from 'ws';
import { type Dataset, subset } from '../src/data/dataset.js';
import { loadMnist } from '../src/data/mnist.js';
import { mlp } from '../src/nn/mlp.js';
import { adam } from '../src/optim/alias.js';
import { train } from '../src/pipeline/train.js';
import { startDashboardServer } from '../src/server/dashboard-server.js';
import type { TrainEvent } from '../src/train/events.js';
import { loopEvents } from './helpers/loop-events.js';

const CLIENTS = 10;
const WARMUP = 10; // steps excluded from timing (thread start, JIT)
const BATCH = 128;
const SETTLE_MS = 1000;

/** Child mode: open `n` sockets to `port`, parse everything, report counts when told to stop. */
async function runClients(port: number, n: number): Promise<void> {
  let messages = 0;
  let bytes = 0;
  const sockets = await Promise.all(
    Array.from({ length: n }, () => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
      ws.on('message', (data) => {
        JSON.parse(data.toString());
        messages++;
        bytes += (data as Buffer).length;
      });
      return new Promise<WebSocket>((resolve) => ws.once('open', () => resolve(ws)));
    }),
  );
  process.send?.('ready');
  process.once('message', () => {
    for (const ws of sockets) ws.close();
    process.send?.({ messages, bytes }, () => process.exit(0));
  });
}

type Trainer = 'pipeline' | 'loop';

let mnist: { train: Dataset; test: Dataset } | undefined;

/** The run to time: the book's 5-layer MNIST net, Adam, batch 128, `steps` steps. */
function run(trainer: Trainer, steps: number): Observable<TrainEvent> {
  mnist ??= loadMnist();
  const data = subset(mnist.train, 0, steps * BATCH);
  const model = mlp({ sizes: [784, 100, 100, 100, 100, 10] });
  const optimizer = adam({ lr: 1e-3 });
  if (trainer === 'pipeline')
    return train({ model, optimizer, train: data, steps, batchSize: BATCH, seed: 1, histogramEvery: 0 });
  // The main-thread loop (JS kernels) yields to the event loop every 4 steps: the server runs in those gaps.
  const evaluation = subset(mnist.test, 0, 100);
  return loopEvents({
    model,
    optimizer,
    train: data,
    evaluation,
    batchSize: BATCH,
    kernels: 'js',
    stepsPerChunk: 4,
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];

/** Samples per second of one run (after WARMUP steps), with `attach` subscribing a server first. */
async function timedRun(trainer: Trainer, steps: number, attach?: (e: Observable<TrainEvent>) => void) {
  // The same quiet second before every run, so the previous run's worker threads have exited.
  await sleep(SETTLE_MS);
  const ends: number[] = [];
  const events$ = run(trainer, steps).pipe(
    tap((e) => e.type === 'step' && ends.push(performance.now())),
    share(),
  );
  attach?.(events$);
  await lastValueFrom(events$);
  return ((ends.length - WARMUP) * BATCH * 1000) / (ends.at(-1)! - ends[WARMUP - 1]);
}

/** One run watched by a dashboard server and CLIENTS clients in a child process. */
async function watchedRun(trainer: Trainer, steps: number) {
  const server = await startDashboardServer({ port: 0 });
  const args = ['--clients', String(server.port), String(CLIENTS)];
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), args);
  await new Promise((resolve) => child.once('message', resolve));
  const rate = await timedRun(trainer, steps, (events$) => server.attachRun('bench', events$));
  await sleep(300); // the last frame
  const report = new Promise<{ messages: number; bytes: number }>((resolve) =>
    child.once('message', resolve as never),
  );
  child.send('stop');
  const traffic = await report;
  await server.close();
  return { rate, traffic };
}

async function measure(trainer: Trainer, steps: number, repeats: number) {
  await timedRun(trainer, steps); // warm-up (JIT, page cache), not counted
  const alone: number[] = [];
  const watched: number[] = [];
  let traffic = { messages: 0, bytes: 0 };
  for (let r = 0; r < repeats; r++) {
    // Alternate which condition goes first, so drift (thermal, other load) hits both alike.
    const a = async () => alone.push(await timedRun(trainer, steps));
    const w = async () => {
      const out = await watchedRun(trainer, steps);
      watched.push(out.rate);
      traffic = out.traffic;
    };
    for (const condition of r % 2 === 0 ? [a, w] : [w, a]) await condition();
    const line = `alone ${alone.at(-1)!.toFixed(0)}, with dashboard ${watched.at(-1)!.toFixed(0)} samples/s`;
    process.stderr.write(`${trainer} ${r + 1}/${repeats}: ${line}\n`);
  }
  const paired = median(watched.map((w, i) => w / alone[i]));
  return { alone: median(alone), watched: median(watched), paired, traffic };
}

async function main(steps: number, repeats: number, trainers: Trainer[]): Promise<void> {
  const rows: string[] = [];
  for (const trainer of trainers) {
    const m = await measure(trainer, steps, repeats);
    const perClient = `${m.traffic.messages / CLIENTS} msgs, ${(m.traffic.bytes / 1024 / CLIENTS).toFixed(0)} KiB`;
    rows.push(
      `| ${trainer} | ${m.alone.toFixed(0)} | ${m.watched.toFixed(0)} | ${(100 * m.paired).toFixed(1)}% | ${perClient} |`,
    );
  }
  console.log(
    `\nMNIST 784-100-100-100-100-10, Adam, batch ${BATCH}, ${steps} steps, ${repeats} pairs per trainer`,
  );
  console.log(
    `| trainer | alone (samples/s) | + server, ${CLIENTS} clients | paired ratio (median) | per client |`,
  );
  console.log('| --- | ---: | ---: | ---: | --- |');
  for (const row of rows) console.log(row);
}

if (process.argv[2] === '--clients') await runClients(Number(process.argv[3]), Number(process.argv[4]));
else {
  const trainers = (process.argv[4] ?? 'pipeline,loop').split(',') as Trainer[];
  await main(Number(process.argv[2] ?? 150), Number(process.argv[3] ?? 7), trainers);
}
