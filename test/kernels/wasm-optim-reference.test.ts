// The PyTorch reference vectors (test/fixtures/optimizers.torch.json) replayed with the wasm fused
// steps: every case must stay within the same tolerance as the JS path (1e-4, docs/optimizers.md).

import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { OptimizerKernels } from '../../src/kernels/optimizer-kernels.js';
import { createWasmKernels, detectWasmFeatures } from '../../src/kernels/wasm/index.js';
import { createOptimizer, optimizerSlotNames } from '../../src/optim/optimizer.js';
import {
  checkOptimizerCaseFile,
  OPTIMIZER_TOLERANCE,
  type OptimizerCase,
  optimizerCaseGradient,
  optimizerCaseSpec,
  relativeError,
} from '../../src/reference/optimizer-case.js';
import { type Arena, ArenaBuilder } from '../../src/tensor/arena.js';

const file = checkOptimizerCaseFile(
  JSON.parse(readFileSync(new URL('../fixtures/optimizers.torch.json', import.meta.url), 'utf8')),
);
const features = detectWasmFeatures();
const VARIANTS = [false, ...(features.relaxedSimd ? [true] : [])];
const N = Math.max(...file.cases.map((c) => c.problem.x0.length));

/** Largest relative error of the trajectory when every buffer lives in the wasm kernels' memory. */
function replay(c: OptimizerCase, arena: Arena, kernels: OptimizerKernels) {
  const spec = optimizerCaseSpec(c);
  const n = c.problem.x0.length;
  const view = (name: string) => arena.f32(name).subarray(0, n).fill(0);
  const params = view('params');
  params.set(c.problem.x0);
  const grads = view('grads');
  const slots = Object.fromEntries(optimizerSlotNames(spec).map((name, i) => [name, view(`s${i}`)]));
  const opt = createOptimizer(spec, { params, grads, slots }, { kernels });
  let maxRelErr = 0;
  for (let t = 0; t < c.steps; t++) {
    optimizerCaseGradient(c.problem, params, grads);
    opt.step();
    for (let i = 0; i < n; i++) maxRelErr = Math.max(maxRelErr, relativeError(params[i], c.trajectory[t][i]));
  }
  return { maxRelErr, fused: opt.transform.step !== undefined };
}

describe.each(VARIANTS)(
  'the torch reference vectors on the wasm optimizer kernels (relaxed: %s)',
  (relaxed) => {
    let arena: Arena;
    let kernels: OptimizerKernels;
    beforeAll(() => {
      const set = createWasmKernels({ relaxed });
      const builder = new ArenaBuilder();
      for (const name of ['params', 'grads', 's0', 's1']) builder.f32(name, N);
      arena = builder.build(set.allocation);
      kernels = set.optimizer;
    });

    it.each(file.cases)('match torch for $name', (c) => {
      expect(kernels.name).toBe(relaxed ? 'wasm-relaxed-simd' : 'wasm-simd');
      const result = replay(c, arena, kernels);
      expect(result.fused, 'every reference recipe fuses').toBe(true);
      expect(result.maxRelErr).toBeLessThanOrEqual(OPTIMIZER_TOLERANCE);
    });
  },
);
