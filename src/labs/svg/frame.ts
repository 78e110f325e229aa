// A chart frame: the plot area inside a box, its scales, grid lines, tick labels, axis labels and
// title, plus a clip path so data outside the axis ranges (a loss spike) stays inside the frame.

import { type Box, logTicks, niceTicks, px, type Scale, scale, text, tickLabel } from './svg.js';

/** One axis of a frame. */
export interface AxisSpec {
  readonly range: readonly [number, number];
  readonly label?: string;
  readonly log?: boolean;
  /** Draw tick labels (small multiples show them on the outer panels only). Default true. */
  readonly tickLabels?: boolean;
  /** Explicit tick values; default round values (or powers of ten on log axes). */
  readonly ticks?: readonly number[];
}

/** What a frame shows around its data. */
export interface FrameSpec {
  readonly title?: string;
  readonly x: AxisSpec;
  readonly y: AxisSpec;
}

/** A drawn frame: scales into the plot area, and the SVG drawn so far (append the data). */
export interface Frame {
  readonly sx: Scale;
  readonly sy: Scale;
  readonly plot: Box;
  readonly body: string[];
  /** Wraps data elements so they are clipped to the plot area. */
  clip(elements: readonly string[]): string;
}

const MARGIN = { left: 46, right: 10, top: 22, bottom: 32 };

function axisTicks(a: AxisSpec): readonly number[] {
  if (a.ticks) return a.ticks;
  return a.log ? logTicks(a.range[0], a.range[1]) : niceTicks(a.range[0], a.range[1], 5);
}

/** A tick's label: powers of ten as `1e-3` on log axes, so every label has the same form. */
function label(a: AxisSpec, t: number): string {
  return a.log ? `1e${Math.round(Math.log10(t))}` : tickLabel(t);
}

/**
 * Lays out a frame in `box` and draws its decorations.
 *
 * @example
 * const f = frame({ x: 0, y: 0, width: 400, height: 300 }, { x: { range: [0, 100] }, y: { range: [0, 1] } });
 * f.body.push(f.clip([`<path d="${pathData(xs, ys, f.sx, f.sy)}" stroke="#000" fill="none"/>`]));
 */
export function frame(box: Box, spec: FrameSpec): Frame {
  const plot: Box = {
    x: box.x + MARGIN.left,
    y: box.y + MARGIN.top,
    width: Math.max(10, box.width - MARGIN.left - MARGIN.right),
    height: Math.max(10, box.height - MARGIN.top - MARGIN.bottom),
  };
  const sx = scale(spec.x.range, [plot.x, plot.x + plot.width], spec.x.log);
  const sy = scale(spec.y.range, [plot.y + plot.height, plot.y], spec.y.log);
  const body: string[] = [];
  const bottom = plot.y + plot.height;
  for (const t of axisTicks(spec.x)) {
    const x = sx(t);
    if (x < plot.x - 0.5 || x > plot.x + plot.width + 0.5) continue;
    body.push(`<line x1="${px(x)}" y1="${px(plot.y)}" x2="${px(x)}" y2="${px(bottom)}" stroke="#eee"/>`);
    if (spec.x.tickLabels !== false)
      body.push(text(x, bottom + 13, label(spec.x, t), { anchor: 'middle', size: 10 }));
  }
  for (const t of axisTicks(spec.y)) {
    const y = sy(t);
    if (y < plot.y - 0.5 || y > bottom + 0.5) continue;
    body.push(
      `<line x1="${px(plot.x)}" y1="${px(y)}" x2="${px(plot.x + plot.width)}" y2="${px(y)}" stroke="#eee"/>`,
    );
    if (spec.y.tickLabels !== false)
      body.push(text(plot.x - 4, y + 3.5, label(spec.y, t), { anchor: 'end', size: 10 }));
  }
  body.push(
    `<rect x="${px(plot.x)}" y="${px(plot.y)}" width="${px(plot.width)}" height="${px(plot.height)}" fill="none" stroke="#999"/>`,
  );
  if (spec.title)
    body.push(
      text(plot.x + plot.width / 2, box.y + 15, spec.title, { anchor: 'middle', size: 12, weight: 'bold' }),
    );
  if (spec.x.label) body.push(text(plot.x + plot.width / 2, bottom + 27, spec.x.label, { anchor: 'middle' }));
  if (spec.y.label)
    body.push(text(box.x + 11, plot.y + plot.height / 2, spec.y.label, { anchor: 'middle', rotate: true }));
  // Ids from the position: unique within a figure, and the same on every run (stable files).
  const id = `clip-${Math.round(plot.x)}-${Math.round(plot.y)}`;
  body.push(
    `<clipPath id="${id}"><rect x="${px(plot.x)}" y="${px(plot.y)}" width="${px(plot.width)}" height="${px(plot.height)}"/></clipPath>`,
  );
  const clip = (elements: readonly string[]) => `<g clip-path="url(#${id})">${elements.join('')}</g>`;
  return { sx, sy, plot, body, clip };
}
