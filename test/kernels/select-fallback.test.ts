// selectKernels on an engine without WebAssembly SIMD (detection mocked): 'auto' falls back to JS,
// a forced 'wasm' fails loudly.

import { describe, expect, it, vi } from 'vitest';
import { jsKernels } from '../../src/kernels/js/index.js';
import { KERNELS_ENV, selectKernels } from '../../src/kernels/select.js';

vi.mock('../../src/kernels/wasm/detect.js', () => ({
  detectWasmFeatures: () => ({ simd: false, relaxedSimd: false, sharedMemory: false }),
}));

describe('selectKernels without WebAssembly SIMD', () => {
  it("falls back to the JS kernels under 'auto' and says why", () => {
    const selection = selectKernels({ env: {} });
    expect(selection.kernels).toBe(jsKernels);
    expect(selection.reason).toBe("prefer: 'auto'; WebAssembly SIMD is unavailable");
  });

  it("throws when wasm is forced, pointing at prefer: 'auto'", () => {
    expect(() => selectKernels({ prefer: 'wasm', env: {} })).toThrow(
      /this runtime has no WebAssembly SIMD; use selectKernels\(\{ prefer: 'auto' \}\)/,
    );
    expect(() => selectKernels({ env: { [KERNELS_ENV]: 'wasm' } })).toThrow(/no WebAssembly SIMD/);
  });
});
