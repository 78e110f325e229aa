// The WebAssembly SIMD kernel set: create it on its own memory, attach workers to that memory.

export type { WasmFeatures } from './detect.js';
export { detectWasmFeatures, RELAXED_SIMD_FLAG } from './detect.js';
export { DEFAULT_MAXIMUM_BYTES, WASM_PAGE_BYTES } from './memory.js';
export type { OptimizerKernelExports } from './optim-bind.js';
export { bindOptimizerKernels } from './optim-bind.js';
export type { WasmKernelHandle, WasmKernelOptions, WasmKernelSet } from './wasm-kernels.js';
export { attachWasmKernels, attachWasmOptimizerKernels, createWasmKernels } from './wasm-kernels.js';
