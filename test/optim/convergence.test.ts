import { describe, expect, it } from 'vitest';
import { adagrad, adam, adamw, momentum, nesterov, rmsprop, sgd } from '../../src/optim/alias.js';
import { chain } from '../../src/optim/chain.js';
import { clipByGlobalNorm } from '../../src/optim/clip-by-global-norm.js';
import { createOptimizer } from '../../src/optim/optimizer.js';
import { cosineSchedule, warmupSchedule } from '../../src/optim/schedules.js';
import type { TransformSpec } from '../../src/optim/transform.js';

// One row per optimizer; each row must reach the optimum of every target (optax alias_test.py).
const OPTIMIZERS: ReadonlyArray<{ readonly name: string; readonly spec: TransformSpec }> = [
  { name: 'sgd', spec: sgd({ lr: 1e-3 }) },
  { name: 'momentum', spec: momentum({ lr: 1e-3, momentum: 0.9 }) },
  { name: 'nesterov', spec: nesterov({ lr: 1e-3, momentum: 0.9 }) },
  { name: 'adagrad', spec: adagrad({ lr: 0.5 }) },
  { name: 'rmsprop', spec: rmsprop({ lr: 1e-3 }) },
  { name: 'adam', spec: adam({ lr: 1e-2 }) },
  { name: 'adamw', spec: adamw({ lr: 1e-2, weightDecay: 1e-4 }) },
  { name: 'clipped adam', spec: chain(clipByGlobalNorm({ maxNorm: 1 }), adam({ lr: 1e-2 })) },
  {
    name: 'adam with warm-up and cosine',
    spec: adam({
      lr: warmupSchedule({ steps: 100, schedule: cosineSchedule({ init: 2e-2, steps: 9900, min: 1e-4 }) }),
    }),
  },
];

// Both optima are (1, …, 1): f = Σ(xᵢ − 1)², and Rosenbrock (1 − x)² + 100(y − x²)².
const TARGETS = [
  {
    target: 'parabola',
    x0: [-1, 10, 1],
    grad(x: Float32Array, g: Float32Array) {
      for (let i = 0; i < x.length; i++) g[i] = 2 * (x[i] - 1);
    },
  },
  {
    target: 'rosenbrock',
    x0: [0, 0],
    grad(x: Float32Array, g: Float32Array) {
      const r = x[1] - x[0] * x[0];
      g[0] = -2 * (1 - x[0]) - 400 * x[0] * r;
      g[1] = 200 * r;
    },
  },
];

const STEPS = 10_000;

describe('optimizers', () => {
  const table = OPTIMIZERS.flatMap((o) => TARGETS.map((t) => ({ ...o, ...t })));
  it.each(table)('$name converges on the $target', ({ spec, x0, grad }) => {
    const params = Float32Array.from(x0);
    const grads = new Float32Array(params.length);
    const opt = createOptimizer(spec, { params, grads });
    for (let t = 0; t < STEPS; t++) {
      grad(params, grads);
      opt.step();
    }
    for (const x of params) expect(Math.abs(x - 1)).toBeLessThan(2e-2);
  });
});
