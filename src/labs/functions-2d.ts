// The 2D test functions of the optimizer lab: the book's bowl x²/20 + y² (section 6.1.3), Rosenbrock's
// valley and Beale's function, each with its gradient, view, minimum and tuned default settings.

import type { OptimizerConfig } from '../optim/from-config.js';

/** The functions the lab can draw paths on. */
export type FunctionName = 'bowl' | 'rosenbrock' | 'beale';

/** The allowed function names, for validation and the CLI. */
export const FUNCTION_NAMES: readonly FunctionName[] = ['bowl', 'rosenbrock', 'beale'];

/** A differentiable 2D function with the settings the lab uses by default. */
export interface Function2d {
  readonly name: FunctionName;
  /** How the title shows it. */
  readonly formula: string;
  f(x: number, y: number): number;
  /** Writes ∂f/∂x and ∂f/∂y into `out`. */
  gradient(x: number, y: number, out: Float32Array): void;
  readonly x: readonly [number, number];
  readonly y: readonly [number, number];
  readonly minimum: readonly [number, number];
  readonly start: readonly [number, number];
  readonly steps: number;
  /** Learning rates: the book's for the bowl, tuned by hand for the others (see docs/labs.md). */
  readonly optimizers: readonly OptimizerConfig[];
}

const bowl: Function2d = {
  name: 'bowl',
  formula: 'f(x, y) = x²/20 + y²',
  f: (x, y) => (x * x) / 20 + y * y,
  gradient(x, y, out) {
    out[0] = x / 10;
    out[1] = 2 * y;
  },
  x: [-10, 10],
  y: [-5, 5],
  minimum: [0, 0],
  start: [-7, 2],
  steps: 30,
  optimizers: [
    { name: 'sgd', lr: 0.95 },
    { name: 'momentum', lr: 0.1 },
    { name: 'nesterov', lr: 0.1 },
    { name: 'adagrad', lr: 1.5 },
    { name: 'rmsprop', lr: 0.1 },
    { name: 'adam', lr: 0.3 },
  ],
};

const rosenbrock: Function2d = {
  name: 'rosenbrock',
  formula: 'f(x, y) = (1 − x)² + 100(y − x²)²',
  f: (x, y) => (1 - x) ** 2 + 100 * (y - x * x) ** 2,
  gradient(x, y, out) {
    out[0] = -2 * (1 - x) - 400 * x * (y - x * x);
    out[1] = 200 * (y - x * x);
  },
  x: [-2, 2],
  y: [-1, 3],
  minimum: [1, 1],
  start: [-1.2, 1],
  steps: 300,
  optimizers: [
    { name: 'sgd', lr: 0.002 },
    { name: 'momentum', lr: 0.002 },
    { name: 'nesterov', lr: 0.001 },
    { name: 'adagrad', lr: 1 },
    { name: 'rmsprop', lr: 0.03 },
    { name: 'adam', lr: 0.3 },
  ],
};

const beale: Function2d = {
  name: 'beale',
  formula: 'f(x, y) = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²',
  f(x, y) {
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y * y) ** 2 + (2.625 - x + x * y ** 3) ** 2;
  },
  gradient(x, y, out) {
    const a = 1.5 - x + x * y;
    const b = 2.25 - x + x * y * y;
    const c = 2.625 - x + x * y ** 3;
    out[0] = 2 * a * (y - 1) + 2 * b * (y * y - 1) + 2 * c * (y ** 3 - 1);
    out[1] = 2 * a * x + 4 * b * x * y + 6 * c * x * y * y;
  },
  x: [-1, 4.5],
  y: [-1.5, 2],
  minimum: [3, 0.5],
  start: [1, 1.5],
  steps: 300,
  optimizers: [
    { name: 'sgd', lr: 0.01 },
    { name: 'momentum', lr: 0.002 },
    { name: 'nesterov', lr: 0.002 },
    { name: 'adagrad', lr: 1 },
    { name: 'rmsprop', lr: 0.03 },
    { name: 'adam', lr: 0.1 },
  ],
};

/** The functions by name. */
export const FUNCTIONS_2D: Readonly<Record<FunctionName, Function2d>> = { bowl, rosenbrock, beale };
