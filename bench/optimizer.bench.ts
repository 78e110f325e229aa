// bench/optimizer: one Adam update over 10M float32 parameters, on the same buffers (inside a shared
// wasm memory), contenders alternating within each repetition, median of N: the composed JS chain
// (scaleByAdam → scaleByLearningRate → applyUpdates), the fused JS step, the fused wasm step (SIMD, and
// FMA when available) on one thread, and the fused wasm step split over two worker threads.
// GB/s counts Adam's essential traffic: read g, m, v, p and write m, v, p = 28 bytes per parameter.
// Usage: npx tsx bench/optimizer.bench.ts [params=10000000] [repeats=15]

import { cpus, loadavg } from 'node:os';
import { isMainThread, Worker, workerData } from 'node:worker_threads';
import {
  attachWasmOptimizerKernels,
  createWasmKernels,
  type WasmKernelHandle,
} from '../src/kernels/wasm/index.js';
import { adam } from '../src/optim/alias.js';
import { compile } from '../src/optim/compile.js';
import { applyUpdates } from '../src/optim/optimizer.js';
import type { Slots } from '../src/optim/transform.js';
import { Rng } from '../src/random/rng.js';
import { Arena, ArenaBuilder, type ArenaDescriptor } from '../src/tensor/arena.js';

const SPEC = adam({ lr: 1e-3 });
/** Control words of the two-thread harness (an Int32Array on a SharedArrayBuffer). */
const CTL = { go: 0, done: 1, ready: 2, t: 3, variant: 4, stop: 5 } as const;

/** What each worker thread gets: the memory, where the buffers are, its half, the control words. */
interface HarnessInit {
  readonly handles: readonly WasmKernelHandle[];
  readonly arena: ArenaDescriptor;
  readonly lo: number;
  readonly hi: number;
  readonly ctl: Int32Array;
}

function views(arena: Arena, lo: number, hi: number) {
  const at = (name: string) => arena.f32(name).subarray(lo, hi);
  const slots: Slots = { 'scaleByAdam.mu': at('m'), 'scaleByAdam.nu': at('v') };
  return { p: at('p'), g: at('g'), u: at('u'), slots };
}

/** Worker side: wait for `go`, run the fused step of the chosen kernels on its half, count `done`. */
function workerLoop(init: HarnessInit): void {
  const { handles, lo, hi, ctl } = init;
  const arena = new Arena(handles[0].memory.buffer as unknown as SharedArrayBuffer, init.arena);
  const { p, g, slots } = views(arena, lo, hi);
  const steps = handles.map((h) => compile(SPEC, { kernels: attachWasmOptimizerKernels(h) }).step!);
  Atomics.add(ctl, CTL.ready, 1);
  Atomics.notify(ctl, CTL.ready);
  for (let gen = 0; ; ) {
    Atomics.wait(ctl, CTL.go, gen);
    gen = Atomics.load(ctl, CTL.go);
    if (Atomics.load(ctl, CTL.stop)) return;
    steps[Atomics.load(ctl, CTL.variant)](g, slots, p, { step: Atomics.load(ctl, CTL.t), gradNorm: 0 });
    Atomics.add(ctl, CTL.done, 1);
    Atomics.notify(ctl, CTL.done);
  }
}

/** Blocks until ctl[index] reaches `target` (the main thread may wait in Node). */
function waitFor(ctl: Int32Array, index: number, target: number): void {
  for (let v = Atomics.load(ctl, index); v < target; v = Atomics.load(ctl, index))
    Atomics.wait(ctl, index, v);
}

/** Two threads on halves of the buffers; `run(variant, t)` is one timed step of both. */
function twoThreads(handles: WasmKernelHandle[], arena: ArenaDescriptor, n: number) {
  const ctl = new Int32Array(new SharedArrayBuffer(4 * 8));
  const half = Math.floor(n / 8) * 4; // a multiple of 4 floats: both halves start 16-byte aligned
  const self = new URL(import.meta.url).href;
  // Node 20 ignores `--import tsx` in a worker's execArgv: load this file through tsx's API instead.
  const url = JSON.stringify(self);
  const source = `import('tsx/esm/api').then((api) => api.tsImport(${url}, ${url}))`;
  const workers = [
    [0, half],
    [half, n],
  ].map(([lo, hi]) => new Worker(source, { eval: true, workerData: { handles, arena, lo, hi, ctl } }));
  waitFor(ctl, CTL.ready, 2);
  return {
    run(variant: number, t: number): void {
      Atomics.store(ctl, CTL.done, 0);
      Atomics.store(ctl, CTL.variant, variant);
      Atomics.store(ctl, CTL.t, t);
      Atomics.add(ctl, CTL.go, 1);
      Atomics.notify(ctl, CTL.go);
      waitFor(ctl, CTL.done, 2);
    },
    async close(): Promise<void> {
      Atomics.store(ctl, CTL.stop, 1);
      Atomics.add(ctl, CTL.go, 1);
      Atomics.notify(ctl, CTL.go);
      await Promise.all(workers.map((w) => new Promise((resolve) => w.once('exit', resolve))));
    },
  };
}

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 10_000_000);
  const repeats = Number(process.argv[3] ?? 15);
  // The largest wasm32 memory: V8 reserves the address space but commits only the pages touched.
  const set = createWasmKernels({ shared: true, maximumBytes: 2 ** 32 });
  const builder = new ArenaBuilder();
  for (const name of ['p', 'g', 'm', 'v', 'u']) builder.f32(name, n);
  const arena = builder.build(set.allocation);
  const rng = new Rng(1);
  rng.fillNormal(arena.f32('p'), 0.1);
  rng.fillNormal(arena.f32('g'), 0.01);
  const { p, g, u, slots } = views(arena, 0, n);
  // The SIMD-only module on the same memory, so every contender reads and writes the same pages.
  const simd: WasmKernelHandle = { memory: set.memory, relaxed: false, shared: true };
  const handles = set.handle.relaxed ? [simd, set.handle] : [simd];
  const pool = twoThreads(handles, arena.descriptor, n);
  // Every contender continues the same Adam run (t counts all updates): the timing does not depend on t.
  let t = 0;
  const chain = compile(SPEC);
  const composed = () => {
    chain.update(u, slots, p, { step: ++t, gradNorm: 0 });
    applyUpdates(p, u);
  };
  const oneThread = (h?: WasmKernelHandle) => {
    const step = compile(SPEC, { kernels: h ? attachWasmOptimizerKernels(h) : undefined }).step!;
    return () => step(g, slots, p, { step: ++t, gradNorm: 0 });
  };
  const name = (h: WasmKernelHandle) => `fused (${h.relaxed ? 'wasm-relaxed-simd' : 'wasm-simd'})`;
  const contenders: ReadonlyArray<readonly [string, number, () => void]> = [
    ['composed chain (js)', 1, composed],
    ['fused (js)', 1, oneThread()],
    ...handles.map((h) => [name(h), 1, oneThread(h)] as const),
    ...handles.map((h, i) => [name(h), 2, () => pool.run(i, ++t)] as const),
  ];
  const times = contenders.map((): number[] => []);
  for (let r = 0; r < repeats + 2; r++) {
    for (const [i, [, , run]] of contenders.entries()) {
      // The chain turns u into the update in place: refill it, untimed, before every contender, so
      // each starts with the same caches (the copy streams 80 MB through them).
      u.set(g);
      const start = performance.now();
      run();
      if (r >= 2) times[i].push(performance.now() - start);
    }
  }
  await pool.close();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const gbs = (ms: number) => (28 * n) / (ms * 1e6);
  console.log(
    `\nbench/optimizer — ${cpus()[0].model}, Node ${process.version}; ` +
      `Adam over ${n.toLocaleString('en-US')} params, ` +
      `median of ${repeats} (2 warm-up), contenders alternating; load ${loadavg()[0].toFixed(2)}\n`,
  );
  console.log('| update | threads | ms | GB/s (28 B/param) |');
  console.log('|---|---:|---:|---:|');
  for (const [i, [name, threads]] of contenders.entries()) {
    const ms = median(times[i]);
    console.log(`| ${name} | ${threads} | ${ms.toFixed(2)} | ${gbs(ms).toFixed(1)} |`);
  }
  console.log(`\n1-minute load average at the end: ${loadavg()[0].toFixed(2)} (${cpus().length} cores)`);
}

if (isMainThread) await main();
else workerLoop(workerData as HarnessInit);
