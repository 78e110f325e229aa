// The committed wasm modules are current: built from today's assembly/ sources, flags and compiler.

import { describe, expect, it } from 'vitest';
import { sourceHash, VARIANTS } from '../../scripts/build-wasm.js';
import { WASM_BUILD, WASM_MODULES } from '../../src/kernels/wasm/modules.generated.js';

describe('modules.generated.ts', () => {
  it('was built from the current sources (else run npm run build:wasm)', () => {
    expect(sourceHash(WASM_BUILD.compiler)).toBe(WASM_BUILD.sourceHash);
  });

  it('holds one valid module per variant, with SIMD enabled', () => {
    expect(Object.keys(WASM_MODULES).sort()).toEqual(Object.keys(VARIANTS).sort());
    const bytes = Buffer.from(WASM_MODULES['simd-shared'], 'base64');
    expect(WebAssembly.validate(bytes)).toBe(true);
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(bytes));
    expect(imports).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
  });
});
