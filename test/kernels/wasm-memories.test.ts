// Several wasm kernel sets on shared memories in one process: each keeps accepting its own views
// (V8 may hand out new buffer objects for a shared memory) and refuses the others'.

import { describe, expect, it } from 'vitest';
import { createWasmKernels } from '../../src/kernels/wasm/wasm-kernels.js';
import { ArenaBuilder } from '../../src/tensor/arena.js';

function arenaOf(set: ReturnType<typeof createWasmKernels>) {
  return new ArenaBuilder()
    .f32('a', 4 * 3)
    .f32('b', 3 * 2)
    .f32('c', 4 * 2)
    .build(set.allocation);
}

describe('wasm kernel memories', () => {
  it('accept their own views after another shared kernel memory is created', () => {
    const first = createWasmKernels({ shared: true });
    const arena = arenaOf(first);
    arena.f32('a').fill(1);
    arena.f32('b').fill(2);
    createWasmKernels({ shared: true }); // in V8 this makes `first.memory.buffer` a new object
    first.kernels.matmul(arena.f32('a'), arena.f32('b'), arena.f32('c'), 4, 3, 2);
    expect(Array.from(arena.f32('c'))).toEqual(new Array(8).fill(6));
  });

  it("refuse another kernel memory's views", () => {
    const first = createWasmKernels({ shared: true });
    const second = createWasmKernels({ shared: true });
    const mine = arenaOf(first);
    const theirs = arenaOf(second);
    expect(() => first.kernels.matmul(theirs.f32('a'), mine.f32('b'), mine.f32('c'), 4, 3, 2)).toThrow(
      /a must be a view inside the wasm kernels' memory/,
    );
  });
});
