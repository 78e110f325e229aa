// selectKernels: the preference, the GRADSTREAM_KERNELS override, and the arena allocation returned.

import { describe, expect, it } from 'vitest';
import { jsKernels } from '../../src/kernels/js/index.js';
import { KERNELS_ENV, selectKernels } from '../../src/kernels/select.js';
import { detectWasmFeatures } from '../../src/kernels/wasm/index.js';
import { ArenaBuilder } from '../../src/tensor/arena.js';

const { simd } = detectWasmFeatures();

describe('selectKernels', () => {
  it.runIf(simd)("picks the wasm kernels under 'auto' where WebAssembly SIMD validates", () => {
    const selection = selectKernels({ env: {} });
    expect(selection.kernels.name).toMatch(/^wasm-/);
    expect(selection.wasm).not.toBeNull();
    expect(selection.reason).toBe("prefer: 'auto'; WebAssembly SIMD available");
    const arena = new ArenaBuilder().f32('x', 8).build(selection.allocation);
    expect(arena.buffer).toBe(selection.wasm?.memory.buffer);
  });

  it("returns the JS kernels and a plain (shared) allocation for prefer: 'js'", () => {
    const selection = selectKernels({ prefer: 'js', shared: true, env: {} });
    expect(selection.kernels).toBe(jsKernels);
    expect(selection.wasm).toBeNull();
    expect(new ArenaBuilder().f32('x', 8).build(selection.allocation).buffer).toBeInstanceOf(
      SharedArrayBuffer,
    );
  });

  it(`lets ${KERNELS_ENV}=js override prefer: 'wasm'`, () => {
    const selection = selectKernels({ prefer: 'wasm', env: { [KERNELS_ENV]: 'js' } });
    expect(selection.kernels).toBe(jsKernels);
    expect(selection.reason).toBe(`${KERNELS_ENV}=js`);
  });

  it.runIf(simd)(`lets ${KERNELS_ENV}=wasm override prefer: 'js'`, () => {
    const selection = selectKernels({ prefer: 'js', relaxed: false, env: { [KERNELS_ENV]: 'wasm' } });
    expect(selection.kernels.name).toBe('wasm-simd');
  });

  it(`ignores an empty ${KERNELS_ENV}`, () => {
    expect(selectKernels({ prefer: 'js', env: { [KERNELS_ENV]: '' } }).reason).toBe("prefer: 'js'");
  });

  it(`rejects an unknown ${KERNELS_ENV} or prefer, listing the allowed values`, () => {
    expect(() => selectKernels({ env: { [KERNELS_ENV]: 'gpu' } })).toThrow(
      `selectKernels: ${KERNELS_ENV} must be 'auto', 'wasm' or 'js', got "gpu"`,
    );
    expect(() => selectKernels({ prefer: 'fast' as never, env: {} })).toThrow(
      /prefer must be 'auto', 'wasm' or 'js'/,
    );
  });
});
