// Small helpers shared by the optimizer tests: float32 vectors, a step context, closeness checks.

import { expect } from 'vitest';
import type { StepContext } from '../../src/optim/transform.js';

/** A Float32Array from numbers. */
export function f32(...values: number[]): Float32Array {
  return Float32Array.from(values);
}

/** A step context for calling `Transform.update` directly. */
export function ctx(step: number, extra: Partial<StepContext> = {}): StepContext {
  return { step, gradNorm: 0, ...extra };
}

/** Expects `actual[i] ≈ expected[i]` to about float32 precision (relative 1e-6, absolute 1e-7). */
export function expectClose(actual: ArrayLike<number>, expected: readonly number[], tolerance = 1e-6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]) / Math.max(Math.abs(expected[i]), 0.1);
    if (!(err <= tolerance)) {
      expect.fail(`index ${i}: got ${actual[i]}, expected ${expected[i]} (error ${err} > ${tolerance})`);
    }
  }
}
