import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { adagrad, adam, momentum, sgd } from '../../src/optim/alias.js';
import { createOptimizer } from '../../src/optim/optimizer.js';
import type { TransformSpec } from '../../src/optim/transform.js';

// The book's chapter 6 experiment: f(x, y) = x²/20 + y² from (−7, 2), 30 updates per optimizer.
const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/optimizers.torch.json', import.meta.url), 'utf8'),
);
const finalPoint = (name: string): number[] => {
  const c = fixture.cases.find((k: { name: string }) => k.name === name);
  return c.trajectory[c.trajectory.length - 1];
};

function run(spec: TransformSpec, steps = 30): Float32Array {
  const params = Float32Array.from([-7, 2]);
  const grads = new Float32Array(2);
  const opt = createOptimizer(spec, { params, grads });
  for (let t = 0; t < steps; t++) {
    grads[0] = params[0] / 10;
    grads[1] = 2 * params[1];
    opt.step();
  }
  return params;
}

describe("the book's 2D experiment", () => {
  it.each([
    { name: 'SGD(0.95)', spec: sgd({ lr: 0.95 }), ref: 'sgd-book2d' },
    { name: 'Momentum(0.1)', spec: momentum({ lr: 0.1 }), ref: 'momentum-book2d' },
    { name: 'AdaGrad(1.5)', spec: adagrad({ lr: 1.5 }), ref: 'adagrad-book2d' },
    { name: 'Adam(0.3)', spec: adam({ lr: 0.3 }), ref: 'adam-book2d' },
  ])('$name ends where torch ends', ({ spec, ref }) => {
    const [x, y] = run(spec);
    const [rx, ry] = finalPoint(ref);
    expect(Math.abs(x - rx) / Math.max(Math.abs(rx), 0.1)).toBeLessThan(1e-4);
    expect(Math.abs(y - ry) / Math.max(Math.abs(ry), 0.1)).toBeLessThan(1e-4);
  });

  it("matches the book's momentum form v ← αv − ηg, W ← W + v for a constant lr", () => {
    // The book's update, written out in double precision.
    let [x, y, vx, vy] = [-7, 2, 0, 0];
    for (let t = 0; t < 30; t++) {
      vx = 0.9 * vx - 0.1 * (x / 10);
      vy = 0.9 * vy - 0.1 * (2 * y);
      x += vx;
      y += vy;
    }
    const [ox, oy] = run(momentum({ lr: 0.1, momentum: 0.9 }));
    expect(ox).toBeCloseTo(x, 4);
    expect(oy).toBeCloseTo(y, 4);
  });
});
