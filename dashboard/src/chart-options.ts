// uPlot options for the dashboard's line charts: one look for all of them (axes, grid, fonts, the
// drag-to-zoom cursor shared by the charts of one sync group), with series described by run colour
// and role.

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
  /** Draw a marker at every point (evaluations: sparse, and each one matters). */
  readonly markers?: boolean;
}

/** A range of steps on the shared x axis. */
export interface StepRange {
  readonly min: number;
  readonly max: number;
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
  /** Charts with the same key move their cursors together. */
  readonly syncKey?: string;
  /** Called with the cursor's index (or null) to show the values under it. */
  readonly onCursor?: (u: uPlot, index: number | null) => void;
  /** Called with the steps a drag selected, or null on double-click (reset). The chart does not zoom itself. */
  readonly onZoom?: (range: StepRange | null) => void;
  /** Called after the x scale changed (by whatever means). */
  readonly onXScale?: (u: uPlot) => void;
}

const AXIS = {
  stroke: '#475569',
  font: '12px system-ui, sans-serif',
  labelFont: '12px system-ui, sans-serif',
  grid: { stroke: '#e8edf3', width: 1 },
  ticks: { stroke: '#cbd5e1', width: 1, size: 4 },
  gap: 5,
};

function withAlpha(hex: string, alpha: number): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/** True when `column` has fewer than two values: a line needs two, so such a series is drawn as points. */
function fewerThanTwo(column: ArrayLike<number | null | undefined> | undefined): boolean {
  let seen = 0;
  for (let i = 0; i < (column?.length ?? 0); i++) {
    const v = column![i];
    if (v !== null && v !== undefined && ++seen === 2) return false;
  }
  return true;
}

/**
 * The y axis as wide as its longest tick label (a fixed width clipped labels like `-0.00012` or
 * `1e-4`); uPlot calls it again as the ticks change.
 */
const yAxisSize: uPlot.Axis.Size = (u, values, axisIdx, cycleNum) => {
  const axis = u.axes[axisIdx];
  if (cycleNum > 1) return (axis as { _size?: number })._size ?? 40;
  const longest = (values ?? []).reduce((a, v) => (String(v).length > a.length ? String(v) : a), '');
  u.ctx.font = AXIS.font;
  return Math.ceil((axis.ticks?.size ?? 4) + AXIS.gap + u.ctx.measureText(longest).width + 8);
};

/** uPlot's sync events that move another chart's cursor; zoom and reset go through `onZoom` instead. */
const CURSOR_EVENTS = new Set(['mousemove', 'mouseleave', 'mouseenter']);

/** Options for a line chart of `lines` against the step. */
export function lineChartOptions(lines: readonly LineSpec[], look: ChartLook): uPlot.Options {
  const y: uPlot.Scale = look.log
    ? { distr: 3, log: 10 }
    : look.yRange
      ? { range: [look.yRange[0], look.yRange[1]] }
      : {};
  const { onZoom, onXScale, onCursor } = look;
  const hooks: uPlot.Hooks.Arrays = {};
  if (onCursor) hooks.setCursor = [(u) => onCursor(u, u.cursor.idx ?? null)];
  if (onXScale) hooks.setScale = [(u, key) => key === 'x' && onXScale(u)];
  if (onZoom)
    hooks.setSelect = [
      (u) => {
        const { left, width } = u.select;
        if (width <= 0) return;
        const range = { min: u.posToVal(left, 'x'), max: u.posToVal(left + width, 'x') };
        u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
        onZoom(range);
      },
    ];
  return {
    width: look.width,
    height: look.height,
    legend: { show: false },
    cursor: {
      // The selection is handed to onZoom, which zooms every chart and keeps it while data streams in.
      drag: { x: true, y: false, setScale: !onZoom },
      points: { size: 7 },
      sync: look.syncKey
        ? { key: look.syncKey, scales: ['x', null], filters: { pub: (type) => CURSOR_EVENTS.has(type) } }
        : undefined,
      bind: onZoom
        ? {
            dblclick: () => () => {
              onZoom(null);
              return null;
            },
          }
        : undefined,
    },
    scales: { x: { time: false }, y },
    axes: [
      { ...AXIS, label: 'step', labelSize: 18, size: 36 },
      {
        ...AXIS,
        size: yAxisSize,
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
        points: l.markers
          ? { show: true, size: 6, width: 1, fill: l.color }
          : { show: (u: uPlot, i: number) => fewerThanTwo(u.data[i]), size: 6, width: 1, fill: l.color },
      })),
    ],
    hooks,
  };
}
