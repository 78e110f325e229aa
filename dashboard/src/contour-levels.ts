// Contour levels of a sampled surface and the level of any point in it: the arithmetic under the
// path view's picture, kept apart from the canvas so it can be tested.

import type { PathSurface } from '../../src/protocol/run-data.js';

/**
 * `count` levels at evenly spaced quantiles of the grid's values: every band covers about the same
 * area, which reads well both for bowls (x²/20 + y²) and for narrow valleys (Rosenbrock).
 */
export function quantileLevels(values: readonly number[], count: number): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const levels: number[] = [];
  for (let k = 1; k <= count; k++) {
    const v = sorted[Math.floor((k * (sorted.length - 1)) / (count + 1))];
    if (levels.length === 0 || v > levels[levels.length - 1]) levels.push(v);
  }
  return levels;
}

/** f at (x, y) by bilinear interpolation of the grid (clamped to its edges). */
export function sampleAt(s: PathSurface, x: number, y: number): number {
  const gx = Math.min(Math.max(((x - s.x[0]) / (s.x[1] - s.x[0])) * (s.nx - 1), 0), s.nx - 1);
  const gy = Math.min(Math.max(((y - s.y[0]) / (s.y[1] - s.y[0])) * (s.ny - 1), 0), s.ny - 1);
  const i = Math.min(Math.floor(gx), s.nx - 2);
  const j = Math.min(Math.floor(gy), s.ny - 2);
  const fx = gx - i;
  const fy = gy - j;
  const v = s.values;
  const at = (di: number, dj: number) => v[(j + dj) * s.nx + i + di];
  return (at(0, 0) * (1 - fx) + at(1, 0) * fx) * (1 - fy) + (at(0, 1) * (1 - fx) + at(1, 1) * fx) * fy;
}

/** How many of `levels` (increasing) lie at or below `v`: the band index, 0…levels.length. */
export function bandOf(levels: readonly number[], v: number): number {
  let lo = 0;
  let hi = levels.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (levels[mid] <= v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
