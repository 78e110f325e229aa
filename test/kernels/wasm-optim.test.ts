// The wasm fused optimizer steps against the JS ones: within a float32 rounding bound for each
// output (|wasm − js| ≤ K·2⁻²⁴·Σ|terms|, so cancellation is allowed for), the same bits whatever
// the shard split, nothing written past n or into g, and foreign or short views refused. The one
// deliberate difference: wasm flushes a decaying moment that turns subnormal to +0.

import { beforeAll, describe, expect, it } from 'vitest';
import type { OptimizerKernels } from '../../src/kernels/optimizer-kernels.js';
import {
  attachWasmOptimizerKernels,
  createWasmKernels,
  detectWasmFeatures,
  type WasmKernelSet,
} from '../../src/kernels/wasm/index.js';
import { jsOptimizerKernels } from '../../src/optim/kernels.js';
import { Rng } from '../../src/random/rng.js';
import { type Arena, ArenaBuilder } from '../../src/tensor/arena.js';
import { worst } from './helpers.js';

/**
 * Roundings allowed, in units of 2⁻²⁴ of each output's Σ|terms|: wasm rounds after every float32
 * operation and reads its scalars (gs, lr, β) as float32, the JS reference rounds 1–4 times from
 * double. Measured worst over 1M inputs per kernel: 6.5 (SIMD) and 6.2 (FMA); the bound is ~2.5× that.
 */
const K = 16;
const U = 2 ** -24;
const LENGTHS = [1, 3, 4, 5, 127, 129, 1000];
const SENTINEL = -777.25;
/** Shards of 1000 floats with starts at every alignment (0, 1, 6, 131 floats). */
const SPLITS = [
  [0, 1],
  [1, 6],
  [6, 131],
  [131, 1000],
] as const;

/** Four buffers: p, g and two slots (a, b); `terms` gives each output's Σ|terms| from the inputs. */
type Bufs = { p: Float32Array; g: Float32Array; a: Float32Array; b: Float32Array };
interface Case {
  readonly name: string;
  /** Slot a may be negative (m, the momentum v); h and ν never are. */
  readonly signedSlot: boolean;
  run(k: OptimizerKernels, x: Bufs): void;
  /** Σ|terms| of p′ and of the slots that change, at element i, from the inputs `x` and JS outputs `y`. */
  terms(x: Bufs, y: Bufs, i: number): { p: number; a?: number; b?: number };
}

const [LR, MU, WD, GS, EPS, B1, B2, T] = [0.05, 0.9, 0.01, 0.7, 1e-8, 0.9, 0.999, 3];
const adamTerms = (x: Bufs, y: Bufs, i: number, wd: number) => {
  const g = GS * Math.abs(x.g[i]);
  const m = B1 * Math.abs(x.a[i]) + (1 - B1) * g;
  const bc1 = 1 - B1 ** T;
  const u = m / bc1 / (Math.sqrt(y.b[i] / (1 - B2 ** T)) + EPS);
  return { p: Math.abs(x.p[i]) + LR * (u + wd * Math.abs(x.p[i])), a: m, b: y.b[i] };
};
const momentumTerms = (x: Bufs, i: number, wd: number, nesterov: boolean) => {
  const g = GS * Math.abs(x.g[i]) + wd * Math.abs(x.p[i]);
  const v = MU * Math.abs(x.a[i]) + g;
  return { p: Math.abs(x.p[i]) + LR * (nesterov ? g + MU * v : v), a: v };
};
const rootTerms = (x: Bufs, y: Bufs, i: number) => {
  const g = GS * Math.abs(x.g[i]);
  return { p: Math.abs(x.p[i]) + (LR * g) / (Math.sqrt(y.a[i]) + EPS), a: y.a[i] };
};

const CASES: readonly Case[] = [
  {
    name: 'sgdStep',
    signedSlot: true,
    run: (k, x) => k.sgdStep(x.p, x.g, LR, WD, GS),
    terms: (x, _y, i) => ({ p: Math.abs(x.p[i]) * (1 + LR * WD) + LR * GS * Math.abs(x.g[i]) }),
  },
  {
    name: 'momentumStep',
    signedSlot: true,
    run: (k, x) => k.momentumStep(x.p, x.g, x.a, LR, MU, WD, GS),
    terms: (x, _y, i) => momentumTerms(x, i, WD, false),
  },
  {
    name: 'nesterovStep',
    signedSlot: true,
    run: (k, x) => k.nesterovStep(x.p, x.g, x.a, LR, MU, 0, GS),
    terms: (x, _y, i) => momentumTerms(x, i, 0, true),
  },
  {
    name: 'adagradStep',
    signedSlot: false,
    run: (k, x) => k.adagradStep(x.p, x.g, x.a, LR, EPS, GS),
    terms: rootTerms,
  },
  {
    name: 'rmspropStep',
    signedSlot: false,
    run: (k, x) => k.rmspropStep(x.p, x.g, x.a, LR, 0.9, EPS, GS),
    terms: rootTerms,
  },
  {
    name: 'adamStep',
    signedSlot: true,
    run: (k, x) => k.adamStep(x.p, x.g, x.a, x.b, LR, B1, B2, EPS, T, 0, GS),
    terms: (x, y, i) => adamTerms(x, y, i, 0),
  },
  {
    name: 'adamStep (AdamW)',
    signedSlot: true,
    run: (k, x) => k.adamStep(x.p, x.g, x.a, x.b, LR, B1, B2, EPS, T, WD, GS),
    terms: (x, y, i) => adamTerms(x, y, i, WD),
  },
];

const features = detectWasmFeatures();
const VARIANTS = [
  { relaxed: false, shared: false },
  ...(features.relaxedSimd ? [{ relaxed: true, shared: true }] : []),
];

describe.each(VARIANTS)('wasm optimizer kernels (relaxed: $relaxed, shared: $shared)', (variant) => {
  let set: WasmKernelSet;
  let arena: Arena;
  let kernels: OptimizerKernels;
  const rng = new Rng(11);
  beforeAll(() => {
    set = createWasmKernels(variant);
    const builder = new ArenaBuilder();
    for (const name of ['p', 'g', 'a', 'b']) builder.f32(name, 1001);
    arena = builder.build(set.allocation);
    kernels = set.optimizer;
  });

  /** Random inputs of length n in the arena, a sentinel after each; slot b (Adam's v) is ≥ 0. */
  function inputs(n: number, signedSlot: boolean): Bufs {
    const view = (name: string, lo: number) => {
      const x = arena.f32(name).subarray(0, n + 1);
      for (let i = 0; i < n; i++) x[i] = rng.uniform(lo, 1);
      x[n] = SENTINEL;
      return x.subarray(0, n);
    };
    const x = { p: view('p', -1), g: view('g', -1), a: view('a', signedSlot ? -1 : 0), b: view('b', 0) };
    if (n > 3) [x.g[1], x.g[2], x.p[3]] = [0, -0, 0];
    return x;
  }
  const copy = (x: Bufs): Bufs => ({ p: x.p.slice(), g: x.g.slice(), a: x.a.slice(), b: x.b.slice() });

  it.each(CASES)('$name is within K·2⁻²⁴·Σ|terms| of the JS kernel', (c) => {
    for (const n of LENGTHS) {
      const x = inputs(n, c.signedSlot);
      const before = copy(x);
      const ref = copy(x);
      c.run(jsOptimizerKernels, ref);
      c.run(kernels, x);
      for (const key of ['p', 'a', 'b'] as const) {
        const bound = (i: number) => K * U * (c.terms(before, ref, i)[key] ?? 0);
        expect(worst(x[key], ref[key], bound), `${c.name} ${key} n=${n}`).toBeNull();
      }
      expect(Array.from(x.g), 'g is read only').toEqual(Array.from(before.g));
      for (const name of ['p', 'g', 'a', 'b']) expect(arena.f32(name)[n], `${name}[n]`).toBe(SENTINEL);
    }
  });

  it.each(CASES)('$name gives the same bits on any shard split (unaligned starts)', (c) => {
    const x = inputs(1000, c.signedSlot);
    const before = copy(x);
    c.run(kernels, x);
    const whole = copy(x);
    for (const key of ['p', 'a', 'b'] as const) x[key].set(before[key]);
    for (const [lo, hi] of SPLITS) {
      const sub = (v: Float32Array) => v.subarray(lo, hi);
      c.run(kernels, { p: sub(x.p), g: sub(x.g), a: sub(x.a), b: sub(x.b) });
    }
    for (const key of ['p', 'a', 'b'] as const)
      expect(bytes(x[key]).equals(bytes(whole[key])), key).toBe(true);
  });

  it("gives the same bits through attachWasmOptimizerKernels (a worker's own instance)", () => {
    const attached = attachWasmOptimizerKernels(set.handle);
    expect(attached.name).toBe(kernels.name);
    for (const c of CASES) {
      const x = inputs(129, c.signedSlot);
      const before = copy(x);
      c.run(kernels, x);
      const out = copy(x);
      for (const key of ['p', 'a', 'b'] as const) x[key].set(before[key]);
      c.run(attached, x);
      for (const key of ['p', 'a', 'b'] as const)
        expect(bytes(x[key]).equals(bytes(out[key])), c.name).toBe(true);
    }
  });

  it('flushes a decaying moment that turns subnormal to +0 (the JS kernels keep it); NaN and ∞ pass', () => {
    // A quiet weight (g = 0): m ← β₁·m, the momentum trace ← μ·v, ν ← α·ν. 1e-38·0.9 is subnormal.
    const start = [1e-38, 2e-38, 1e-40, -1e-38, Number.NaN, Number.POSITIVE_INFINITY, 0, 0.5];
    const decaying = [
      {
        name: 'adamStep',
        slot: 'a',
        run: (k: OptimizerKernels, x: Bufs) => k.adamStep(x.p, x.g, x.a, x.b, LR, B1, B2, EPS, T, 0, 1),
      },
      {
        name: 'momentumStep',
        slot: 'a',
        run: (k: OptimizerKernels, x: Bufs) => k.momentumStep(x.p, x.g, x.a, LR, MU, 0, 1),
      },
      {
        name: 'rmspropStep',
        slot: 'a',
        run: (k: OptimizerKernels, x: Bufs) => k.rmspropStep(x.p, x.g, x.a, LR, 0.9, EPS, 1),
      },
    ] as const;
    for (const c of decaying) {
      const x = inputs(start.length, true);
      x.g.fill(0);
      x.a.set(c.name === 'rmspropStep' ? start.map(Math.abs) : start);
      x.b.fill(1);
      const ref = copy(x);
      c.run(jsOptimizerKernels, ref);
      c.run(kernels, x);
      const out = Array.from(x.a);
      expect(Object.is(out[0], 0), `${c.name}: 0.9e-38 → +0`).toBe(true);
      expect(out[1], `${c.name}: 1.8e-38 is normal, kept`).toBeGreaterThan(1.7e-38);
      expect(Object.is(out[2], 0) && Object.is(out[3], 0), `${c.name}: subnormal in, +0 out`).toBe(true);
      expect(out[4], `${c.name}: NaN kept`).toBeNaN();
      expect(out[5], `${c.name}: ∞ kept`).toBe(Number.POSITIVE_INFINITY);
      expect(ref.a[0], `${c.name}: the JS kernel keeps the subnormal`).toBeGreaterThan(0);
      expect(ref.a[0]).toBeLessThan(1.17549435e-38);
    }
    // Adam's v decays a thousand times slower and is left as it is; so is AdaGrad's h, which only grows.
    const x = inputs(4, true);
    x.g.fill(0);
    x.b.fill(1e-38);
    kernels.adamStep(x.p, x.g, x.a, x.b, LR, B1, B2, EPS, T, 0, 1);
    expect(x.b[0]).toBeGreaterThan(0);
  });

  it('refuses views outside its memory and slots shorter than p', () => {
    const x = inputs(8, true);
    expect(() => kernels.adamStep(x.p, new Float32Array(8), x.a, x.b, LR, B1, B2, EPS, 1, 0, 1)).toThrow(
      /adamStep: g must be a view inside the wasm kernels' memory/,
    );
    expect(() => kernels.sgdStep(new Float32Array(8), x.g, LR, 0, 1)).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    );
    expect(() => kernels.momentumStep(x.p, x.g, x.a.subarray(0, 7), LR, MU, 0, 1)).toThrow(
      /momentumStep: v has length 7, needs 8/,
    );
    expect(() => kernels.rmspropStep(x.p, x.g.subarray(0, 2), x.a, LR, 0.9, EPS, 1)).toThrow(
      expect.objectContaining({ code: 'ERR_SHAPE_MISMATCH' }),
    );
  });
});

function bytes(x: Float32Array): Buffer {
  return Buffer.from(x.buffer, x.byteOffset, x.byteLength);
}
