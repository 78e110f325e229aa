// Creates the WebAssembly SIMD kernel set on its own linear memory (optionally shared) and
// attaches further instances to that memory, one per worker thread, from a plain postable handle.

import { GradstreamError, invalidOption } from '../../errors.js';
import type { ArenaAllocation } from '../../tensor/arena.js';
import type { Kernels } from '../kernels.js';
import type { OptimizerKernels } from '../optimizer-kernels.js';
import { bindKernels, type KernelExports, stampMemory } from './bind.js';
import { detectWasmFeatures } from './detect.js';
import {
  arenaAllocation,
  createKernelMemory,
  DEFAULT_MAXIMUM_BYTES,
  MAX_MAXIMUM_BYTES,
  WASM_PAGE_BYTES,
} from './memory.js';
import { WASM_MODULES } from './modules.generated.js';
import { bindOptimizerKernels, type OptimizerKernelExports } from './optim-bind.js';

/** Options of `createWasmKernels`. */
export interface WasmKernelOptions {
  /** Back the kernels with a shared memory (a SharedArrayBuffer) for worker threads. Default false. */
  readonly shared?: boolean;
  /** Fused multiply-add via relaxed SIMD: 'auto' (default) when detected, true to require it, false never. */
  readonly relaxed?: boolean | 'auto';
  /** Largest size the memory may grow to, a multiple of 64 KiB up to 4 GiB. Default 1 GiB. */
  readonly maximumBytes?: number;
}

/** Everything a worker needs to run the same kernels on the same memory; structured-clonable. */
export interface WasmKernelHandle {
  readonly memory: WebAssembly.Memory;
  /** The compiled module; when absent it is compiled again from the embedded bytes. */
  readonly module?: WebAssembly.Module;
  readonly relaxed: boolean;
  readonly shared: boolean;
}

/** A wasm kernel set with its memory, the arena allocation inside it, and a handle for workers. */
export interface WasmKernelSet {
  readonly kernels: Kernels;
  /** The fused optimizer steps of the same instance, for `compile(spec, { kernels })`. */
  readonly optimizer: OptimizerKernels;
  readonly memory: WebAssembly.Memory;
  /** Pass to `ArenaBuilder.build` (once): the arena then lives in `memory`, after the kernels' pages. */
  readonly allocation: ArenaAllocation;
  readonly handle: WasmKernelHandle;
}

const WHERE = 'createWasmKernels';
// Compiling is the slow part (~ms); modules are immutable, so one per variant per thread is kept.
const compiled = new Map<string, WebAssembly.Module>();

function moduleFor(relaxed: boolean, shared: boolean): WebAssembly.Module {
  const variant = `${relaxed ? 'relaxed' : 'simd'}${shared ? '-shared' : ''}` as keyof typeof WASM_MODULES;
  let module = compiled.get(variant);
  if (!module) {
    module = new WebAssembly.Module(Buffer.from(WASM_MODULES[variant], 'base64'));
    compiled.set(variant, module);
  }
  return module;
}

function unsupported(what: string): never {
  throw new GradstreamError(
    'ERR_INVALID_OPTION',
    `${WHERE}: this runtime has no ${what}; use selectKernels({ prefer: 'auto' }) to fall back to the JS kernels`,
  );
}

function instantiate(handle: WasmKernelHandle): KernelExports & OptimizerKernelExports {
  if (!(handle?.memory instanceof WebAssembly.Memory)) {
    invalidOption('attachWasmKernels', 'handle.memory', 'a WebAssembly.Memory', typeof handle?.memory);
  }
  let module = handle.module;
  if (!module) {
    if (handle.relaxed) detectWasmFeatures(); // turns relaxed SIMD on before compiling it here
    module = moduleFor(handle.relaxed, handle.shared);
  }
  const instance = new WebAssembly.Instance(module, { env: { memory: handle.memory } });
  return instance.exports as unknown as KernelExports & OptimizerKernelExports;
}

const nameOf = (relaxed: boolean): string => (relaxed ? 'wasm-relaxed-simd' : 'wasm-simd');

/**
 * Instantiates the kernels on an existing memory: in a worker, from the handle the main thread
 * sent once (`workerData`). Then build the worker's views with `new Arena(handle.memory.buffer, descriptor)`.
 *
 * @example
 * const kernels = attachWasmKernels(workerData.kernels);
 */
export function attachWasmKernels(handle: WasmKernelHandle): Kernels {
  return bindKernels(instantiate(handle), handle.memory, nameOf(handle.relaxed));
}

/**
 * The fused optimizer steps on an existing memory, for a worker's `compile(spec, { kernels })`. Like
 * `attachWasmKernels` it instantiates the module on the handle's memory (the module is stateless).
 *
 * @example
 * const transform = compile(plan.optimizer, { kernels: attachWasmOptimizerKernels(workerData.kernels) });
 */
export function attachWasmOptimizerKernels(handle: WasmKernelHandle): OptimizerKernels {
  return bindOptimizerKernels(instantiate(handle), handle.memory, nameOf(handle.relaxed));
}

/**
 * Creates the wasm SIMD kernels on a new memory. Build the run's one Arena with `allocation` so
 * that every buffer the kernels see lies in that memory; views from elsewhere are refused.
 *
 * @example
 * const wasm = createWasmKernels({ shared: true });
 * const arena = builder.build(wasm.allocation);
 * wasm.kernels.matmul(arena.f32('x'), arena.f32('w'), arena.f32('y'), 128, 784, 100);
 * new Piscina({ filename, workerData: { kernels: wasm.handle, arena: arena.descriptor } });
 */
export function createWasmKernels(options: WasmKernelOptions = {}): WasmKernelSet {
  const { shared = false, relaxed: relaxedOption = 'auto', maximumBytes = DEFAULT_MAXIMUM_BYTES } = options;
  if (typeof shared !== 'boolean') invalidOption(WHERE, 'shared', 'a boolean', shared);
  if (relaxedOption !== 'auto' && typeof relaxedOption !== 'boolean') {
    invalidOption(WHERE, 'relaxed', "true, false or 'auto'", relaxedOption);
  }
  if (!Number.isInteger(maximumBytes) || maximumBytes % WASM_PAGE_BYTES !== 0 || maximumBytes <= 0) {
    invalidOption(WHERE, 'maximumBytes', 'a positive multiple of 65536', maximumBytes);
  }
  if (maximumBytes > MAX_MAXIMUM_BYTES) invalidOption(WHERE, 'maximumBytes', 'at most 4 GiB', maximumBytes);
  const features = detectWasmFeatures({ enableRelaxed: relaxedOption !== false });
  if (!features.simd) unsupported('WebAssembly SIMD');
  if (shared && !features.sharedMemory) unsupported('shared WebAssembly.Memory');
  if (relaxedOption === true && !features.relaxedSimd) unsupported('relaxed SIMD');
  const relaxed = relaxedOption === 'auto' ? features.relaxedSimd : relaxedOption;

  const memory = createKernelMemory(shared, WASM_PAGE_BYTES, maximumBytes);
  const module = moduleFor(relaxed, shared);
  const handle: WasmKernelHandle = { memory, module, relaxed, shared };
  const exports = instantiate(handle);
  // The kernels own the pages below reservedBytes (busy bits, packing panels): reserve them now.
  const reserved = exports.reservedBytes();
  if (reserved >= maximumBytes) invalidOption(WHERE, 'maximumBytes', `more than ${reserved}`, maximumBytes);
  memory.grow(reserved / WASM_PAGE_BYTES - memory.buffer.byteLength / WASM_PAGE_BYTES);
  stampMemory(memory);
  const kernels = bindKernels(exports, memory, nameOf(relaxed));
  const optimizer = bindOptimizerKernels(exports, memory, nameOf(relaxed));
  return { kernels, optimizer, memory, allocation: arenaAllocation(memory, reserved), handle };
}
