// uPlot options for the dashboard's line charts: one look for all of them (axes, grid, fonts, the
// drag-to-zoom cursor), with series described by run colour and role.

import type uPlot from 'uplot';
import { formatNumber } from './format.js';

/** How one line looks. */
export interface LineSpec {
  readonly label: string;
  readonly color: string;
  readonly width?: number;
  readonly dash?: number[];
  /** 0–1; raw loss under its smoothed line is faint. */
  readonly alpha?: number;
}

/** What a chart needs besides its lines. */
export interface ChartLook {
  readonly width: number;
  readonly height: number;
  readonly log?: boolean;
  /** A fixed y range, e.g. [0, 1] for accuracy. */
  readonly yRange?: readonly [number, number];
  /** Label the y axis in percent (values are fractions). */
  readonly percent?: boolean;
  /** Called with the cursor's index (or null) to show the values under it. */
  readonly onCursor?: (u: uPlot, index: number | null) => void;
}

const AXIS = {
  stroke: '#475569',
  font: '12px system-ui, sans-serif',
  labelFont: '12px system-ui, sans-serif',
  grid: { stroke: '#e8edf3', width: 1 },
  ticks: { stroke: '#cbd5e1', width: 1, size: 4 },
};

function withAlpha(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/** Options for a line chart of `lines` against the step. */
export function lineChartOptions(lines: readonly LineSpec[], look: ChartLook): uPlot.Options {
  const y: uPlot.Scale = look.log
    ? { distr: 3, log: 10 }
    : look.yRange
      ? { range: [look.yRange[0], look.yRange[1]] }
      : {};
  return {
    width: look.width,
    height: look.height,
    legend: { show: false },
    cursor: { drag: { x: true, y: false }, points: { size: 7 } },
    scales: { x: { time: false }, y },
    axes: [
      { ...AXIS, label: 'step', labelSize: 18, size: 36 },
      {
        ...AXIS,
        size: 58,
        values: (_u, ticks) => ticks.map((t) => (look.percent ? `${Math.round(100 * t)}%` : formatNumber(t))),
      },
    ],
    series: [
      { label: 'step' },
      ...lines.map((l) => ({
        label: l.label,
        stroke: l.alpha === undefined ? l.color : withAlpha(l.color, l.alpha),
        width: l.width ?? 1.5,
        dash: l.dash,
        spanGaps: true,
        points: { show: false },
      })),
    ],
    hooks: look.onCursor ? { setCursor: [(u) => look.onCursor?.(u, u.cursor.idx ?? null)] } : {},
  };
}
