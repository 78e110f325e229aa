// Sampling a 2D function on a grid for the dashboard's path view, so the page draws contours from data
// and needs no copy of the function.

import { checkNumber, invalidOption } from '../errors.js';
import type { PathSurface } from './run-data.js';

/** Options of {@link sampleSurface}. */
export interface SampleSurfaceOptions {
  /** Shown as the view's title, e.g. `x²/20 + y²`. */
  readonly name: string;
  readonly f: (x: number, y: number) => number;
  readonly x: readonly [number, number];
  readonly y: readonly [number, number];
  /** Grid points along x; default 121. */
  readonly nx?: number;
  /** Grid points along y; default 81. */
  readonly ny?: number;
  readonly minimum?: readonly [number, number];
}

/**
 * Evaluates `f` on an `nx × ny` grid over `x × y`.
 *
 * @example
 * // The book's chapter 6 function
 * sampleSurface({ name: 'x²/20 + y²', f: (x, y) => x * x / 20 + y * y, x: [-10, 10], y: [-5, 5], minimum: [0, 0] });
 */
export function sampleSurface(options: SampleSurfaceOptions): PathSurface {
  const { name, f, x, y, minimum } = options;
  const nx = checkNumber('sampleSurface', 'nx', options.nx ?? 121, { min: 2, max: 1000, integer: true });
  const ny = checkNumber('sampleSurface', 'ny', options.ny ?? 81, { min: 2, max: 1000, integer: true });
  if (!(x[0] < x[1])) invalidOption('sampleSurface', 'x', 'a range [min, max] with min < max', x);
  if (!(y[0] < y[1])) invalidOption('sampleSurface', 'y', 'a range [min, max] with min < max', y);
  const values = new Array<number>(nx * ny);
  for (let j = 0; j < ny; j++) {
    const yj = y[0] + ((y[1] - y[0]) * j) / (ny - 1);
    for (let i = 0; i < nx; i++) {
      const v = f(x[0] + ((x[1] - x[0]) * i) / (nx - 1), yj);
      if (!Number.isFinite(v)) invalidOption('sampleSurface', 'f', 'finite on the whole grid', v);
      values[j * nx + i] = v;
    }
  }
  return {
    name,
    x: [x[0], x[1]],
    y: [y[0], y[1]],
    nx,
    ny,
    values,
    ...(minimum ? { minimum: [minimum[0], minimum[1]] } : {}),
  };
}
