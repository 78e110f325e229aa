// Feature detection for the wasm kernels: WebAssembly SIMD, relaxed SIMD (fused multiply-add) and
// shared memory, each answered by validating or creating something tiny, never by version sniffing.

import { setFlagsFromString } from 'node:v8';

/** What the running engine offers the wasm kernels. */
export interface WasmFeatures {
  /** 128-bit SIMD (Node ≥ 16). Without it only the JS kernels run. */
  readonly simd: boolean;
  /** Relaxed SIMD, for `f32x4.relaxed_madd` (behind a V8 flag in Node 20, on by default later). */
  readonly relaxedSimd: boolean;
  /** Shared `WebAssembly.Memory` (a SharedArrayBuffer underneath), for worker threads. */
  readonly sharedMemory: boolean;
}

const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
/** Type section `(func (result v128))` and a function section declaring one such function. */
const SIGNATURE = [0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x03, 0x02, 0x01, 0x00];
/** `f32.const 0` `f32x4.splat` */
const SPLAT_ZERO = [0x43, 0x00, 0x00, 0x00, 0x00, 0xfd, 0x13];

/** `(func (result v128) (f32x4.splat (f32.const 0)))` */
const SIMD_PROBE = Uint8Array.of(...HEADER, ...SIGNATURE, 0x0a, 0x0b, 0x01, 0x09, 0x00, ...SPLAT_ZERO, 0x0b);

/** `(func (result v128) (f32x4.relaxed_madd (splat 0) (splat 0) (splat 0)))`; the opcode is 0xfd 0x105. */
const RELAXED_PROBE = Uint8Array.of(
  ...HEADER,
  ...SIGNATURE,
  ...[0x0a, 0x1c, 0x01, 0x1a, 0x00],
  ...SPLAT_ZERO,
  ...SPLAT_ZERO,
  ...SPLAT_ZERO,
  ...[0xfd, 0x85, 0x02, 0x0b],
);

/** The V8 flag that turns relaxed SIMD on in Node 20 (V8 11.3); shipped by default from V8 11.4. */
export const RELAXED_SIMD_FLAG = '--experimental-wasm-relaxed-simd';

function sharedMemoryWorks(): boolean {
  try {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
  } catch {
    return false;
  }
}

/**
 * Detects the engine's wasm features. With `enableRelaxed` (the default) and relaxed SIMD not yet
 * valid, sets V8's `--experimental-wasm-relaxed-simd` first: a process-wide switch, which only
 * matters for modules compiled afterwards. Pass `enableRelaxed: false` to leave V8's flags alone.
 *
 * @example
 * const { simd, relaxedSimd } = detectWasmFeatures();
 */
export function detectWasmFeatures(options: { readonly enableRelaxed?: boolean } = {}): WasmFeatures {
  if (typeof WebAssembly !== 'object' || !WebAssembly.validate(SIMD_PROBE)) {
    return { simd: false, relaxedSimd: false, sharedMemory: false };
  }
  let relaxedSimd = WebAssembly.validate(RELAXED_PROBE);
  if (!relaxedSimd && options.enableRelaxed !== false) {
    setFlagsFromString(RELAXED_SIMD_FLAG);
    relaxedSimd = WebAssembly.validate(RELAXED_PROBE);
  }
  return { simd: true, relaxedSimd, sharedMemory: sharedMemoryWorks() };
}
