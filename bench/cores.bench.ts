// bench/cores: how much parallel compute this machine really gives — the ceiling for any 2-worker
// speedup. 1, 2 and 4 threads each spin on the same arithmetic loop for a fixed time; the table
// shows the total work done relative to one thread, median of N runs.
// Usage: npx tsx bench/cores.bench.ts [seconds=1] [repeats=5]

import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';

const seconds = Number(process.argv[2] ?? 1);
const repeats = Number(process.argv[3] ?? 5);
const SPIN = `
const { parentPort, workerData } = require('node:worker_threads');
let x = 0, iterations = 0;
const end = Date.now() + workerData;
while (Date.now() < end) { for (let i = 0; i < 10000; i++) x = (x * 1664525 + 1013904223) | 0; iterations++; }
parentPort.postMessage(iterations + (x & 0));
`;

function spin(threads: number): Promise<number> {
  const runs = Array.from(
    { length: threads },
    () =>
      new Promise<number>((resolve, reject) => {
        const worker = new Worker(SPIN, { eval: true, workerData: seconds * 1000 });
        worker.once('message', (n: number) => {
          resolve(n);
          void worker.terminate();
        });
        worker.once('error', reject);
      }),
  );
  return Promise.all(runs).then((counts) => counts.reduce((a, b) => a + b, 0));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const work: Record<number, number[]> = { 1: [], 2: [], 4: [] };
for (let r = 0; r < repeats; r++) for (const t of [1, 2, 4]) work[t].push(await spin(t));
console.log(
  `\nbench/cores — ${cpus()[0].model}, ${cpus().length} logical CPUs, Node ${process.version}; ${seconds} s per run, median of ${repeats}\n`,
);
console.log('| threads | total work × one thread |');
console.log('|---:|---:|');
for (const t of [1, 2, 4]) console.log(`| ${t} | ${(median(work[t]) / median(work[1])).toFixed(2)} |`);
