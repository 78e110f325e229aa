// The wasm kernel set's memory model: the arena inside the module's memory, foreign or short views
// refused, option checks, and a worker thread attached to the same shared memory.

import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { GradstreamError } from '../../src/errors.js';
import { jsKernels } from '../../src/kernels/js/index.js';
import { attachWasmKernels, createWasmKernels, detectWasmFeatures } from '../../src/kernels/wasm/index.js';
import { Rng } from '../../src/random/rng.js';
import { ArenaBuilder } from '../../src/tensor/arena.js';
import { absProduct, fillUniform, productBound, wasmWithArena, worst } from './helpers.js';

const features = detectWasmFeatures();

/**
 * Starts a TypeScript worker: Node 20 ignores `--import tsx` in a worker's execArgv, so a tiny
 * eval'd script loads the file through tsx's API instead.
 */
function tsWorker(file: URL, workerData: unknown): Worker {
  // An eval'd worker resolves bare specifiers from the working directory: the repository root.
  const source = `import('tsx/esm/api').then((api) => api.tsImport(${JSON.stringify(file.href)}, ${JSON.stringify(file.href)}))`;
  return new Worker(source, { eval: true, workerData });
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof GradstreamError) return error.code;
    throw error;
  }
  return undefined;
}

describe('createWasmKernels', () => {
  it('places the arena in its memory, above the pages the kernels reserve', () => {
    const { set, arena } = wasmWithArena({ relaxed: false, shared: true });
    expect(arena.buffer).toBe(set.memory.buffer);
    expect(arena.buffer).toBeInstanceOf(SharedArrayBuffer);
    // docs/kernels.md: page 0, then 32 scratch panels of 72 KiB.
    expect(set.allocation.byteOffset).toBe(65536 + 32 * 72 * 1024);
    const first = Math.min(...arena.descriptor.regions.map((r) => r.byteOffset));
    expect(first).toBeGreaterThanOrEqual(set.allocation.byteOffset ?? 0);
  });

  it('backs a non-shared set with a plain ArrayBuffer', () => {
    const { arena } = wasmWithArena({ relaxed: false, shared: false });
    expect(arena.buffer).toBeInstanceOf(ArrayBuffer);
  });

  it.runIf(features.relaxedSimd)('names the set after the instructions it uses', () => {
    expect(createWasmKernels({ relaxed: true }).kernels.name).toBe('wasm-relaxed-simd');
    expect(createWasmKernels({ relaxed: false }).kernels.name).toBe('wasm-simd');
  });

  it('refuses a view that is not inside its memory instead of copying it', () => {
    const { arena, kernels } = wasmWithArena({ relaxed: false, shared: false });
    const other = wasmWithArena({ relaxed: false, shared: false }).arena.f32('a');
    const a = arena.f32('a');
    expect(() => kernels.matmul(new Float32Array(4), a, a, 2, 2, 2)).toThrow(
      /matmul: a must be a view inside the wasm kernels' memory.*got "a Float32Array on another ArrayBuffer"/,
    );
    expect(() => kernels.reluForward(a, other, 4)).toThrow(/reluForward: y must be a view inside/);
    expect(codeOf(() => kernels.sumRows(a, new Float32Array(8), 2, 2))).toBe('ERR_INVALID_OPTION');
  });

  it('refuses a view shorter than the sizes need and sizes that are not integers', () => {
    const { arena, kernels } = wasmWithArena({ relaxed: false, shared: false });
    const a = arena.f32('a');
    expect(() => kernels.matmul(a.subarray(0, 5), a, a, 2, 3, 2)).toThrow(/matmul: a has length 5, needs 6/);
    expect(codeOf(() => kernels.addRowVector(a, a.subarray(0, 2), 2, 3))).toBe('ERR_SHAPE_MISMATCH');
    expect(() => kernels.reluForward(a, a, 2.5)).toThrow(
      /reluForward: len must be an integer in \[0, 2147483647\], got 2\.5/,
    );
    expect(() => kernels.matmul(a, a, a, -1, 2, 2)).toThrow(/m must be an integer/);
  });

  it('allows its allocation to be used once, since growing would detach the first arena', () => {
    const set = createWasmKernels();
    new ArenaBuilder().f32('x', 10).build(set.allocation);
    expect(() => new ArenaBuilder().f32('y', 10).build(set.allocation)).toThrow(
      /allocation was already used/,
    );
  });

  it('says to raise maximumBytes when the arena does not fit', () => {
    const set = createWasmKernels({ maximumBytes: 64 * 65536 });
    expect(() => new ArenaBuilder().f32('x', 16 * 65536).build(set.allocation)).toThrow(/raise maximumBytes/);
    // Below the kernels' own reserved pages nothing would fit at all.
    expect(() => createWasmKernels({ maximumBytes: 65536 })).toThrow(/maximumBytes must be more than \d+/);
  });

  it('checks its options, naming the option and the value', () => {
    expect(() => createWasmKernels({ relaxed: 'yes' as never })).toThrow(
      /relaxed must be true, false or 'auto', got "yes"/,
    );
    expect(() => createWasmKernels({ maximumBytes: 1000 })).toThrow(
      /maximumBytes must be a positive multiple of 65536/,
    );
    expect(() => createWasmKernels({ maximumBytes: 2 ** 33 })).toThrow(/maximumBytes must be at most 4 GiB/);
    expect(() => createWasmKernels({ shared: 1 as never })).toThrow(/shared must be a boolean, got 1/);
  });
});

describe('attachWasmKernels', () => {
  it('refuses a handle without a memory', () => {
    expect(() => attachWasmKernels({ relaxed: false, shared: false } as never)).toThrow(
      /handle\.memory must be a WebAssembly\.Memory/,
    );
  });

  it('compiles the module itself when the handle carries none, and shares the arena', () => {
    const { set, arena, kernels } = wasmWithArena({ relaxed: false, shared: false });
    const second = attachWasmKernels({ memory: set.memory, relaxed: false, shared: false });
    const rng = new Rng(9);
    const a = fillUniform(rng, arena.f32('a').subarray(0, 12 * 20));
    const b = fillUniform(rng, arena.f32('b').subarray(0, 20 * 9));
    kernels.matmul(a, b, arena.f32('c'), 12, 20, 9);
    second.matmul(a, b, arena.f32('d'), 12, 20, 9);
    expect(Array.from(arena.f32('d').subarray(0, 108))).toEqual(Array.from(arena.f32('c').subarray(0, 108)));
  });

  it('runs in a worker thread on the shared memory while the main thread computes too', async () => {
    const [m, k, n] = [61, 300, 45];
    const { set, arena, kernels } = wasmWithArena({ relaxed: features.relaxedSimd, shared: true });
    const rng = new Rng(5);
    const a = fillUniform(rng, arena.f32('a').subarray(0, m * k));
    const b = fillUniform(rng, arena.f32('b').subarray(0, n * k));
    const worker = tsWorker(new URL('./fixtures/attach-worker.ts', import.meta.url), {
      handle: set.handle,
      descriptor: arena.descriptor,
      ...{ m, k, n, rounds: 200 },
    });
    // Messages wait in the port while the main thread's loop blocks, so none is missed.
    const next = () =>
      new Promise<{ ready?: boolean; name?: string }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    expect((await next()).ready).toBe(true);
    // Both threads claim packing panels from the same busy word while they run.
    for (let r = 0; r < 200; r++) kernels.matmulTransB(a, b, arena.f32('c'), m, k, n);
    const { name } = await next();
    await worker.terminate();
    expect(name).toBe(kernels.name);
    const ref = new Float32Array(m * n);
    jsKernels.matmulTransB(a, b, ref, m, k, n);
    const sums = absProduct(
      (i, p) => a[i * k + p],
      (p, j) => b[j * k + p],
      m,
      k,
      n,
    );
    const bound = (i: number) => productBound(k, sums[i]);
    expect(worst(arena.f32('d').subarray(0, m * n), ref, bound)).toBeNull();
    expect(worst(arena.f32('c').subarray(0, m * n), ref, bound)).toBeNull();
    expect(new Int32Array(set.memory.buffer, 0, 1)[0]).toBe(0); // every panel released
  });
});
