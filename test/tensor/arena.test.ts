// The arena's layout: regions in request order, each 64-byte aligned, views by name.
import { describe, expect, it } from 'vitest';
import { createWasmKernels } from '../../src/kernels/wasm/index.js';
import { ARENA_ALIGN_BYTES, ArenaBuilder } from '../../src/tensor/arena.js';

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

  it("lays regions out past the kernels' reserved pages inside a wasm memory", () => {
    const wasm = createWasmKernels();
    const base = wasm.allocation.byteOffset ?? 0;
    expect(base).toBeGreaterThan(0);
    const arena = new ArenaBuilder().f32('params', 5000).f32('grads', 5000).build(wasm.allocation);
    expect(arena.f32('params').byteOffset).toBe(base);
    expect(arena.f32('grads').byteOffset).toBe(
      base + Math.ceil((5000 * 4) / ARENA_ALIGN_BYTES) * ARENA_ALIGN_BYTES,
    );
    expect(arena.f32('grads').buffer).toBe(wasm.memory.buffer);
    expect(wasm.memory.buffer.byteLength).toBeGreaterThanOrEqual(base + 10_000 * 4);
  });

  it('refuses a duplicate region and names the missing one', () => {
    expect(() => new ArenaBuilder().f32('a', 1).f32('a', 2)).toThrow(/duplicate region a/);
    expect(() => new ArenaBuilder().f32('a', 1).build().f32('b')).toThrow(/no region "b"; regions: a/);
    expect(() => new ArenaBuilder().f32('a', 1).build().i32('a')).toThrow(/not a Int32Array/);
  });
});
