// The wasm kernels' linear memory and the arena allocation carved from it: the kernels' reserved
// pages first, then the one Arena of the run, so every view the kernels get is a pointer they can use.

import { GradstreamError } from '../../errors.js';
import type { ArenaAllocation } from '../../tensor/arena.js';

/** Bytes in one WebAssembly page. */
export const WASM_PAGE_BYTES = 65536;

/** Default largest size of the memory: 1 GiB, room for MNIST as f32 several times over. */
export const DEFAULT_MAXIMUM_BYTES = 1 << 30;

/** Largest wasm32 memory: 65536 pages, 4 GiB. */
export const MAX_MAXIMUM_BYTES = 65536 * WASM_PAGE_BYTES;

/**
 * A memory of `initialBytes`, growable to `maximumBytes`. A shared memory must declare its
 * maximum, and V8 reserves (but does not commit) that much address space up front.
 */
export function createKernelMemory(
  shared: boolean,
  initialBytes: number,
  maximumBytes: number,
): WebAssembly.Memory {
  return new WebAssembly.Memory({
    initial: Math.ceil(initialBytes / WASM_PAGE_BYTES),
    maximum: maximumBytes / WASM_PAGE_BYTES,
    shared,
  });
}

/**
 * An `ArenaAllocation` that places the arena at `base` inside `memory`, growing the memory to fit.
 * It can be used once: growing a non-shared memory detaches every view made before, and a second
 * arena would overlap the first.
 *
 * @example
 * const arena = builder.build(arenaAllocation(memory, 327680));
 */
export function arenaAllocation(memory: WebAssembly.Memory, base: number): ArenaAllocation {
  let used = false;
  return {
    byteOffset: base,
    allocate(byteLength: number): ArrayBuffer {
      if (used) {
        throw new GradstreamError(
          'ERR_INVALID_OPTION',
          'wasm kernels: allocation was already used; a kernel memory holds one Arena (build it once)',
        );
      }
      used = true;
      const needed = base + byteLength;
      const pages = Math.ceil(needed / WASM_PAGE_BYTES) - memory.buffer.byteLength / WASM_PAGE_BYTES;
      try {
        if (pages > 0) memory.grow(pages);
      } catch (cause) {
        throw new GradstreamError(
          'ERR_INVALID_OPTION',
          `wasm kernels: the arena needs ${needed} bytes, more than the memory can grow to; ` +
            'raise maximumBytes (at most 4 GiB)',
          { cause },
        );
      }
      return memory.buffer;
    },
  };
}
