// Picks the kernel set for a run: the WebAssembly SIMD kernels where the engine has SIMD, the
// plain-JS kernels otherwise, or whichever one the caller or the GRADSTREAM_KERNELS variable forces.

import { invalidOption } from '../errors.js';
import type { ArenaAllocation } from '../tensor/arena.js';
import { jsKernels } from './js/index.js';
import type { Kernels } from './kernels.js';
import { detectWasmFeatures } from './wasm/detect.js';
import { createWasmKernels, type WasmKernelOptions, type WasmKernelSet } from './wasm/wasm-kernels.js';

/** Which kernel set to use: 'auto' picks wasm when WebAssembly SIMD validates, else JS. */
export type KernelPreference = 'auto' | 'wasm' | 'js';

/** The environment variable that overrides `prefer`: `GRADSTREAM_KERNELS=js|wasm|auto`. */
export const KERNELS_ENV = 'GRADSTREAM_KERNELS';

/** The kernel sets a run may ask for. */
export const KERNEL_PREFERENCES: readonly KernelPreference[] = ['auto', 'wasm', 'js'];

/** Options of `selectKernels`; `shared`, `relaxed` and `maximumBytes` go to `createWasmKernels`. */
export interface SelectKernelsOptions extends WasmKernelOptions {
  /** Default 'auto'. The environment variable GRADSTREAM_KERNELS, when set, wins. */
  readonly prefer?: KernelPreference;
  /** Where GRADSTREAM_KERNELS is read from; default `process.env` (tests pass their own). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** The chosen kernels and how to allocate the run's Arena for them. */
export interface KernelSelection {
  readonly kernels: Kernels;
  /** Pass to `ArenaBuilder.build`: inside the wasm memory for wasm, a plain (shared) buffer for JS. */
  readonly allocation: ArenaAllocation;
  /** The wasm set (memory, handle for workers) when wasm was chosen, else null. */
  readonly wasm: WasmKernelSet | null;
  /** Why this set was chosen, for logs: e.g. "GRADSTREAM_KERNELS=js". */
  readonly reason: string;
}

function js(shared: boolean, reason: string): KernelSelection {
  return { kernels: jsKernels, allocation: { shared }, wasm: null, reason };
}

function wasm(options: WasmKernelOptions, reason: string): KernelSelection {
  const set = createWasmKernels(options);
  return { kernels: set.kernels, allocation: set.allocation, wasm: set, reason };
}

/**
 * Selects the kernel set. 'wasm' (from `prefer` or the environment) throws a GradstreamError where
 * the engine lacks WebAssembly SIMD; 'auto' falls back to the JS kernels instead.
 *
 * @example
 * const { kernels, allocation, wasm, reason } = selectKernels({ shared: true });
 * const arena = builder.build(allocation);
 * // GRADSTREAM_KERNELS=js npm start   forces the plain-JS kernels without a code change
 */
export function selectKernels(options: SelectKernelsOptions = {}): KernelSelection {
  const { prefer = 'auto', env = process.env, ...wasmOptions } = options;
  if (!KERNEL_PREFERENCES.includes(prefer))
    invalidOption('selectKernels', 'prefer', "'auto', 'wasm' or 'js'", prefer);
  const fromEnv = env[KERNELS_ENV];
  if (fromEnv !== undefined && fromEnv !== '' && !KERNEL_PREFERENCES.includes(fromEnv as KernelPreference)) {
    invalidOption('selectKernels', KERNELS_ENV, "'auto', 'wasm' or 'js'", fromEnv);
  }
  const choice = fromEnv ? (fromEnv as KernelPreference) : prefer;
  const why = fromEnv ? `${KERNELS_ENV}=${fromEnv}` : `prefer: '${prefer}'`;
  const shared = wasmOptions.shared ?? false;
  if (choice === 'js') return js(shared, why);
  if (choice === 'wasm') return wasm(wasmOptions, why);
  const features = detectWasmFeatures({ enableRelaxed: wasmOptions.relaxed !== false });
  if (!features.simd) return js(shared, `${why}; WebAssembly SIMD is unavailable`);
  if (shared && !features.sharedMemory) return js(shared, `${why}; shared WebAssembly.Memory is unavailable`);
  return wasm(wasmOptions, `${why}; WebAssembly SIMD available`);
}
