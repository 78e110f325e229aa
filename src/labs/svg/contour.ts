// Contour lines of a sampled 2D function (marching squares) with optimizer paths drawn over them:
// the book's figure 6-8, one panel per optimizer.

import type { PathSurface } from '../../protocol/run-data.js';
import type { Panel } from './charts.js';
import { frame } from './frame.js';
import { pathData, px } from './svg.js';

/** Most dots drawn along one path. */
const MAX_DOTS = 60;

/** A path over the surface. */
export interface ContourPath {
  readonly xs: ArrayLike<number>;
  readonly ys: ArrayLike<number>;
  readonly color: string;
}

/** One panel of a contour figure: its title and the paths drawn over the shared contours. */
export interface ContourPanelSpec {
  readonly title?: string;
  readonly paths: readonly ContourPath[];
}

/**
 * `count` levels at evenly spaced quantiles of the grid's values, so that each band covers about
 * the same area whatever the function's range (Rosenbrock's values span ten decades).
 */
export function quantileLevels(values: readonly number[], count: number): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  const levels: number[] = [];
  for (let k = 1; k <= count; k++) {
    const q = sorted[Math.floor(((sorted.length - 1) * k) / (count + 1))];
    if (levels.length === 0 || q > levels[levels.length - 1]) levels.push(q);
  }
  return levels;
}

/** Where the level crosses the edge from value a (at 0) to value b (at 1). */
function cross(a: number, b: number, level: number): number {
  return b === a ? 0.5 : (level - a) / (b - a);
}

/** The line segments of one level, as SVG path data in the given pixel mapping. */
function levelPath(
  s: PathSurface,
  level: number,
  sx: (v: number) => number,
  sy: (v: number) => number,
): string {
  const { nx, ny, values } = s;
  const gx = (i: number) => sx(s.x[0] + ((s.x[1] - s.x[0]) * i) / (nx - 1));
  const gy = (j: number) => sy(s.y[0] + ((s.y[1] - s.y[0]) * j) / (ny - 1));
  let d = '';
  const points: number[] = [];
  for (let j = 0; j < ny - 1; j++) {
    for (let i = 0; i < nx - 1; i++) {
      const v00 = values[j * nx + i];
      const v10 = values[j * nx + i + 1];
      const v01 = values[(j + 1) * nx + i];
      const v11 = values[(j + 1) * nx + i + 1];
      points.length = 0;
      // Edges in order: bottom, right, top, left; each crossing adds an (i, j)-space point.
      if (v00 < level !== v10 < level) points.push(i + cross(v00, v10, level), j);
      if (v10 < level !== v11 < level) points.push(i + 1, j + cross(v10, v11, level));
      if (v01 < level !== v11 < level) points.push(i + cross(v01, v11, level), j + 1);
      if (v00 < level !== v01 < level) points.push(i, j + cross(v00, v01, level));
      for (let k = 0; k + 3 < points.length; k += 4) {
        const x0 = gx(0) + (gx(1) - gx(0)) * points[k];
        const y0 = gy(0) + (gy(1) - gy(0)) * points[k + 1];
        const x1 = gx(0) + (gx(1) - gx(0)) * points[k + 2];
        const y1 = gy(0) + (gy(1) - gy(0)) * points[k + 3];
        d += `M${px(x0)} ${px(y0)}L${px(x1)} ${px(y1)}`;
      }
    }
  }
  return d;
}

/**
 * Panels of the same size over the same surface: the contour lines are drawn once (in the first
 * panel's `<defs>`) and reused by every panel, which keeps a six-panel figure small.
 */
export function contourPanels(
  surface: PathSurface,
  levels: readonly number[],
  panels: readonly ContourPanelSpec[],
): Panel[] {
  const id = 'contours';
  return panels.map((spec, index) => (box) => {
    const f = frame(box, {
      title: spec.title,
      x: { range: surface.x, label: 'x' },
      y: { range: surface.y, label: 'y' },
    });
    const out = [...f.body];
    if (index === 0) {
      const lx = (v: number) => f.sx(v) - f.plot.x;
      const ly = (v: number) => f.sy(v) - f.plot.y;
      const lines = levels.map((level, k) => {
        const shade = Math.round(200 - (110 * k) / Math.max(1, levels.length - 1));
        return `<path d="${levelPath(surface, level, lx, ly)}" fill="none" stroke="rgb(${shade},${shade},${shade})" stroke-width="0.8"/>`;
      });
      out.push(`<defs><g id="${id}">${lines.join('')}</g></defs>`);
    }
    const content = [`<use href="#${id}" x="${px(f.plot.x)}" y="${px(f.plot.y)}"/>`];
    if (surface.minimum) {
      const [mx, my] = [f.sx(surface.minimum[0]), f.sy(surface.minimum[1])];
      content.push(
        `<path d="M${px(mx - 5)} ${px(my)}H${px(mx + 5)}M${px(mx)} ${px(my - 5)}V${px(my + 5)}" stroke="#000" stroke-width="1.5"/>`,
      );
    }
    for (const p of spec.paths) {
      content.push(
        `<path d="${pathData(p.xs, p.ys, f.sx, f.sy)}" fill="none" stroke="${p.color}" stroke-width="1.5"/>`,
      );
      // A dot per step, thinned on long paths so the figure stays readable (and small).
      const stride = Math.ceil(p.xs.length / MAX_DOTS);
      for (let i = 0; i < p.xs.length; i += stride) {
        const x = f.sx(p.xs[i]);
        const y = f.sy(p.ys[i]);
        if (Number.isFinite(x) && Number.isFinite(y))
          content.push(`<circle cx="${px(x)}" cy="${px(y)}" r="2.2" fill="${p.color}"/>`);
      }
    }
    out.push(f.clip(content));
    return out;
  });
}
