// The labs' chart panels — lines, histograms, scatter points — each drawn into a box, and the
// figure that lays panels out in a grid with a title and a shared legend.

import { type AxisSpec, frame } from './frame.js';
import { type Box, escapeXml, pathData, px, svgDocument, text } from './svg.js';

/** One line of a line panel. */
export interface LineSeries {
  readonly label: string;
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  readonly color: string;
  /** SVG dash pattern, e.g. `6 3`; solid when absent. */
  readonly dash?: string;
  readonly width?: number;
}

/** A line panel: axes plus lines. */
export interface LinePanelSpec {
  readonly title?: string;
  readonly x: AxisSpec;
  readonly y: AxisSpec;
  readonly series: readonly LineSeries[];
}

/** A panel's drawing function: given its box, the SVG elements. */
export type Panel = (box: Box) => string[];

/** Draws lines over a frame. */
export function linePanel(spec: LinePanelSpec): Panel {
  return (box) => {
    const f = frame(box, spec);
    const lines = spec.series.map((s) => {
      const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : '';
      return `<path d="${pathData(s.x, s.y, f.sx, f.sy)}" fill="none" stroke="${s.color}" stroke-width="${s.width ?? 1.5}"${dash}/>`;
    });
    return [...f.body, f.clip(lines)];
  };
}

/** A histogram panel: `counts.length` bars between `edges`. */
export interface HistogramPanelSpec {
  readonly title?: string;
  readonly edges: readonly number[];
  readonly counts: readonly number[];
  /** The count axis' top; default the largest count. */
  readonly yMax?: number;
  readonly color: string;
  readonly xLabel?: string;
  readonly yTickLabels?: boolean;
}

/** Draws histogram bars. */
export function histogramPanel(spec: HistogramPanelSpec): Panel {
  return (box) => {
    const { edges, counts } = spec;
    const yMax = spec.yMax ?? Math.max(1, ...counts);
    const f = frame(box, {
      title: spec.title,
      x: { range: [edges[0], edges[edges.length - 1]], label: spec.xLabel },
      y: { range: [0, yMax], tickLabels: spec.yTickLabels },
    });
    const bars: string[] = [];
    for (let i = 0; i < counts.length; i++) {
      if (counts[i] <= 0) continue;
      const x0 = f.sx(edges[i]);
      const x1 = f.sx(edges[i + 1]);
      const y = f.sy(Math.min(counts[i], yMax * 1.05));
      bars.push(
        `<rect x="${px(x0)}" y="${px(y)}" width="${px(Math.max(0.5, x1 - x0 - 0.6))}" height="${px(f.plot.y + f.plot.height - y)}" fill="${spec.color}"/>`,
      );
    }
    return [...f.body, f.clip(bars)];
  };
}

/** One point of a scatter panel. */
export interface ScatterPoint {
  readonly x: number;
  readonly y: number;
  readonly color: string;
  /** Radius; default 3.5. */
  readonly r?: number;
  /** Shown as a tooltip in browsers. */
  readonly title?: string;
}

/** A scatter panel. */
export interface ScatterPanelSpec {
  readonly title?: string;
  readonly x: AxisSpec;
  readonly y: AxisSpec;
  readonly points: readonly ScatterPoint[];
}

/** Draws points: filled, slightly transparent, with a thin outline so overlaps stay readable. */
export function scatterPanel(spec: ScatterPanelSpec): Panel {
  return (box) => {
    const f = frame(box, spec);
    const dots = spec.points.map((p) => {
      const tip = p.title ? `<title>${escapeXml(p.title)}</title>` : '';
      return `<circle cx="${px(f.sx(p.x))}" cy="${px(f.sy(p.y))}" r="${p.r ?? 3.5}" fill="${p.color}" fill-opacity="0.8" stroke="#333" stroke-width="0.5">${tip}</circle>`;
    });
    return [...f.body, f.clip(dots)];
  };
}

/** An entry of a figure's legend. */
export interface LegendItem {
  readonly label: string;
  readonly color: string;
  readonly dash?: string;
  /** A dot instead of a line sample. */
  readonly dot?: boolean;
}

/** A figure: a title, panels in a grid, and a legend row under the title. */
export interface FigureSpec {
  readonly title: string;
  readonly columns: number;
  readonly cellWidth: number;
  readonly cellHeight: number;
  readonly panels: readonly Panel[];
  readonly legend?: readonly LegendItem[];
}

const LEGEND_ITEM_WIDTH = 150;

/**
 * Renders a whole figure as an SVG document.
 *
 * @example
 * figure({ title: 'Loss', columns: 1, cellWidth: 640, cellHeight: 400, panels: [linePanel(spec)] });
 */
export function figure(spec: FigureSpec): string {
  const columns = Math.max(1, Math.min(spec.columns, spec.panels.length));
  const rows = Math.ceil(spec.panels.length / columns);
  const width = columns * spec.cellWidth;
  const legend = spec.legend ?? [];
  const perRow = Math.max(1, Math.floor((width - 20) / LEGEND_ITEM_WIDTH));
  const legendRows = Math.ceil(legend.length / perRow);
  const top = 30 + legendRows * 18;
  const body = [text(width / 2, 20, spec.title, { anchor: 'middle', size: 14, weight: 'bold' })];
  legend.forEach((item, i) => {
    const x = 10 + (i % perRow) * LEGEND_ITEM_WIDTH;
    const y = 36 + Math.floor(i / perRow) * 18;
    const dash = item.dash ? ` stroke-dasharray="${item.dash}"` : '';
    body.push(
      item.dot
        ? `<circle cx="${x + 11}" cy="${y - 4}" r="4" fill="${item.color}" stroke="#333" stroke-width="0.5"/>`
        : `<line x1="${x}" y1="${y - 4}" x2="${x + 22}" y2="${y - 4}" stroke="${item.color}" stroke-width="2"${dash}/>`,
      text(x + 28, y, item.label, { size: 11 }),
    );
  });
  spec.panels.forEach((panel, i) => {
    const box = {
      x: (i % columns) * spec.cellWidth,
      y: top + Math.floor(i / columns) * spec.cellHeight,
      width: spec.cellWidth,
      height: spec.cellHeight,
    };
    body.push(...panel(box));
  });
  return svgDocument(width, Math.ceil(top + rows * spec.cellHeight + 4), body);
}

/** A horizontal colour bar with end labels, e.g. for the scatter's colour scale. */
export function colorBar(box: Box, stops: readonly string[], labels: readonly [string, string]): string[] {
  const w = box.width / stops.length;
  const cells = stops.map(
    (c, i) =>
      `<rect x="${px(box.x + i * w)}" y="${px(box.y)}" width="${px(w + 0.3)}" height="${px(box.height)}" fill="${c}"/>`,
  );
  return [
    ...cells,
    text(box.x, box.y + box.height + 11, labels[0], { size: 10 }),
    text(box.x + box.width, box.y + box.height + 11, labels[1], { anchor: 'end', size: 10 }),
  ];
}
