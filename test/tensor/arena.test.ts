// The arena's layout: every region 64-byte aligned, large regions staggered within the 4 KiB page so
// that the streams of a fused update never start at the same page offset (4K aliasing).
import { describe, expect, it } from 'vitest';
import { createWasmKernels } from '../../src/kernels/wasm/index.js';
import { ARENA_ALIGN_BYTES, ARENA_STAGGER_BYTES, ArenaBuilder } from '../../src/tensor/arena.js';

const inPage = (offset: number, base = 0) => (offset - base) % 4096;

describe('ArenaBuilder layout', () => {
  it('aligns every region to 64 bytes and keeps regions apart', () => {
    const arena = new ArenaBuilder().f32('a', 3).u8('b', 5).f64('c', 7).i32('d', 1).build();
    const regions = arena.descriptor.regions;
    for (const r of regions) expect(r.byteOffset % ARENA_ALIGN_BYTES).toBe(0);
    for (let i = 1; i < regions.length; i++) {
      const prev = regions[i - 1];
      const bytes = prev.length * { f32: 4, f64: 8, i32: 4, u8: 1 }[prev.type];
      expect(regions[i].byteOffset).toBeGreaterThanOrEqual(prev.byteOffset + bytes);
    }
    expect(arena.f64('c').length).toBe(7);
  });

  it('staggers regions of a page or more: the k-th starts (k mod 8)·512 bytes into a page', () => {
    const b = new ArenaBuilder();
    // Sizes that are whole pages would otherwise put every region on a page boundary.
    for (let i = 0; i < 10; i++) b.f32(`big${i}`, 1024 * (i + 1)).i32(`small${i}`, 3);
    const arena = b.build();
    for (let i = 0; i < 10; i++) {
      expect(inPage(arena.f32(`big${i}`).byteOffset)).toBe((i % 8) * ARENA_STAGGER_BYTES);
      expect(arena.i32(`small${i}`).byteOffset % ARENA_ALIGN_BYTES).toBe(0);
    }
  });

  it('gives the update streams of a model distinct page offsets whatever the parameter count', () => {
    for (const size of [1000, 1024, 4096, 79_510, 109_386, 262_144]) {
      const arena = new ArenaBuilder()
        .f32('params', size)
        .f32('grads', size)
        .f32('opt/mu', size)
        .f32('opt/nu', size)
        .build();
      const offsets = ['params', 'grads', 'opt/mu', 'opt/nu'].map((n) => inPage(arena.f32(n).byteOffset));
      expect(new Set(offsets).size).toBe(4);
    }
  });

  it('counts page offsets from the allocation base inside a wasm memory', () => {
    const wasm = createWasmKernels();
    const base = wasm.allocation.byteOffset ?? 0;
    const arena = new ArenaBuilder().f32('params', 5000).f32('grads', 5000).build(wasm.allocation);
    expect(inPage(arena.f32('params').byteOffset, base)).toBe(0);
    expect(inPage(arena.f32('grads').byteOffset, base)).toBe(ARENA_STAGGER_BYTES);
    expect(arena.f32('grads').buffer).toBe(wasm.memory.buffer);
  });
});
