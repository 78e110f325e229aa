// The four metric charts (loss, accuracy, learning rate, samples/s): which lines each draws for the
// visible runs, and their data as uPlot's aligned columns, set at most once per animation frame. They
// share the step axis: one range for all four (every step, or the user's zoom, kept as data streams in).

import uPlot from 'uplot';
import { type LineSpec, lineChartOptions, type StepRange } from './chart-options.js';
import { formatNumber } from './format.js';
import { runLabel } from './run-label.js';
import type { DashboardStore, RunView } from './store.js';

/** The chart names; each has a `#chart-<name>` element and a `#readout-<name>` element. */
export const CHART_NAMES = ['loss', 'accuracy', 'lr', 'speed'] as const;
/** One of {@link CHART_NAMES}. */
export type ChartName = (typeof CHART_NAMES)[number];

const SPLIT_DASH: Record<string, number[] | undefined> = {
  train: [6, 4],
  validation: [2, 3],
  test: undefined,
};
const SPLITS = ['train', 'validation', 'test'] as const;

type Table = uPlot.AlignedData;

/** The lines and per-run tables of one chart. */
interface Plan {
  readonly lines: LineSpec[];
  readonly tables: Table[];
}

function splitsOf(run: RunView): (typeof SPLITS)[number][] {
  return SPLITS.filter((s) => run.evals.some((e) => e.split === s));
}

/** Whether a run is a regression model's: its evaluations carry RMSE, not accuracy. */
function isRegression(run: RunView): boolean {
  return run.evals.some((e) => e.rmse !== undefined && e.rmse !== null);
}

/**
 * What the accuracy chart plots: accuracy while any shown run is a classifier's; RMSE (the targets'
 * own units) when every shown run with evaluations is a regression model's.
 */
export function evalMetric(runs: readonly RunView[]): 'accuracy' | 'rmse' {
  const evaluated = runs.filter((run) => run.evals.length > 0);
  return evaluated.length > 0 && evaluated.every(isRegression) ? 'rmse' : 'accuracy';
}

function plan(name: ChartName, runs: readonly RunView[]): Plan {
  const lines: LineSpec[] = [];
  const tables: Table[] = [];
  const metric = evalMetric(runs);
  for (const run of runs) {
    const s = run.steps;
    const step = s.column('step');
    const label = runLabel(run);
    if (name === 'loss') {
      lines.push({ label: `${label} (raw)`, color: run.color, width: 1, alpha: 0.28 });
      lines.push({ label, color: run.color, width: 2 });
      tables.push([step, s.columnWithGaps('loss'), s.columnWithGaps('smoothed')]);
    } else if (name === 'lr' || name === 'speed') {
      lines.push({ label, color: run.color, width: 2 });
      tables.push([step, s.columnWithGaps(name === 'lr' ? 'lr' : 'samplesPerSecond')]);
    } else {
      const splits = splitsOf(run);
      const xs = [...new Set(run.evals.map((e) => e.step))].sort((a, b) => a - b);
      const ys = splits.map((split) =>
        xs.map((x) => run.evals.find((e) => e.step === x && e.split === split)?.[metric] ?? null),
      );
      splits.forEach((split) => {
        const dash = SPLIT_DASH[split];
        lines.push({ label: `${label} ${split}`, color: run.color, width: 2, dash, markers: true });
      });
      if (splits.length > 0) tables.push([xs, ...ys]);
    }
  }
  return { lines, tables };
}

function align(tables: Table[]): Table {
  if (tables.length === 0) return [[]];
  // Runs log different steps; join() aligns them on the union of x values (gaps are spanned).
  return tables.length === 1 ? tables[0] : uPlot.join(tables);
}

/** The steps of `data`'s x column (sorted), or undefined when it has none. */
function stepsOf(data: Table): StepRange | undefined {
  const x = data[0];
  return x.length === 0 ? undefined : { min: x[0], max: x[x.length - 1] };
}

/** The sync group of the four charts: their cursors move together. */
const SYNC_KEY = 'gradstream-steps';

/**
 * Owns the uPlot instances; rebuilds one when its set of lines changes, else only sets data. All
 * four show one step range: the user's zoom (a drag on any chart) until a double-click resets it,
 * else every step any of them has.
 */
export class Charts {
  readonly #store: DashboardStore;
  readonly #charts = new Map<ChartName, { key: string; plot: uPlot }>();
  /** Loss and learning rate on a log scale (the page's checkbox, checked by default). */
  log = true;
  #zoom: StepRange | null = null;
  #all: StepRange | undefined;

  constructor(store: DashboardStore) {
    this.#store = store;
  }

  /** The chart `name`'s uPlot, if drawn. */
  plot(name: ChartName): uPlot | undefined {
    return this.#charts.get(name)?.plot;
  }

  /** The user's zoom, or null when the charts show every step. */
  get zoom(): StepRange | null {
    return this.#zoom;
  }

  /** Zooms every chart to `range` (kept until the next call), or back to every step with null. */
  setZoom(range: StepRange | null): void {
    this.#zoom = range && range.max > range.min ? { min: range.min, max: range.max } : null;
    for (const { plot } of this.#charts.values()) this.#fitX(plot);
  }

  /** Redraws every chart from the store (call once per animation frame at most). */
  update(): void {
    const runs = [...this.#store.runs.values()].filter((r) => r.visible);
    const plans = CHART_NAMES.map((name) => ({ name, ...plan(name, runs) }));
    const data = plans.map((p) => align(p.tables));
    const ranges = data.map(stepsOf).filter((r) => r !== undefined);
    this.#all =
      ranges.length === 0
        ? undefined
        : { min: Math.min(...ranges.map((r) => r.min)), max: Math.max(...ranges.map((r) => r.max)) };
    plans.forEach((p, i) => {
      this.#updateOne(p.name, runs, p, data[i]);
    });
  }

  /** Fits every chart to its container's width. */
  resize(): void {
    for (const [name, { plot }] of this.#charts) plot.setSize(this.#size(name));
  }

  #size(name: ChartName): { width: number; height: number } {
    const el = document.getElementById(`chart-${name}`)!;
    return { width: Math.max(200, el.clientWidth), height: name === 'loss' ? 300 : 200 };
  }

  /** The shared range, when it is one (a single step is left to uPlot's own padding). */
  #range(): StepRange | undefined {
    const range = this.#zoom ?? this.#all;
    return range && range.max > range.min ? range : undefined;
  }

  #fitX(plot: uPlot): void {
    const range = this.#range();
    if (range) plot.setScale('x', { min: range.min, max: range.max });
    else plot.setData(plot.data);
  }

  #updateOne(name: ChartName, runs: readonly RunView[], { lines, tables }: Plan, data: Table): void {
    const el = document.getElementById(`chart-${name}`)!;
    const log = (name === 'loss' || name === 'lr') && this.log;
    const metric = name === 'accuracy' ? evalMetric(runs) : undefined;
    const key = `${log}|${metric}|${lines.map((l) => l.label).join('|')}`;
    let entry = this.#charts.get(name);
    if (entry?.key !== key) {
      entry?.plot.destroy();
      const percent = metric === 'accuracy';
      if (metric) {
        el.dataset.metric = metric;
        const title = el.closest('figure')?.querySelector('h2');
        if (title) title.textContent = metric === 'rmse' ? 'RMSE' : 'Accuracy';
      }
      const look = {
        ...this.#size(name),
        log,
        yRange: percent ? ([0, 1] as const) : undefined,
        percent,
        syncKey: SYNC_KEY,
        onCursor: (u: uPlot, i: number | null) => readout(name, u, i),
        onZoom: (range: StepRange | null) => this.setZoom(range),
        onXScale: (u: uPlot) => {
          el.dataset.xMin = String(u.scales.x.min);
          el.dataset.xMax = String(u.scales.x.max);
        },
      };
      entry = { key, plot: new uPlot(lineChartOptions(lines, look), data, el) };
      this.#charts.set(name, entry);
      this.#fitX(entry.plot);
    } else {
      // Keep the scales (a reset would undo the zoom); #fitX sets x, which re-fits y to what shows.
      entry.plot.setData(data, false);
      this.#fitX(entry.plot);
    }
    el.dataset.series = String(runs.length);
    el.dataset.log = String(log);
    el.dataset.zoomed = String(this.#zoom !== null);
    el.dataset.points = String(tables.reduce((n, t) => n + t[0].length, 0));
  }
}
/** Writes the values under the cursor next to the chart's title. */
function readout(name: ChartName, u: uPlot, i: number | null): void {
  const el = document.getElementById(`readout-${name}`);
  if (!el) return;
  if (i === null) {
    el.textContent = '';
    return;
  }
  const parts = [`step ${u.data[0][i]}`];
  u.series.slice(1).forEach((s, k) => {
    const v = u.data[k + 1][i];
    if (!String(s.label).endsWith('(raw)') && v !== null && v !== undefined)
      parts.push(`${s.label} ${formatNumber(v)}`);
  });
  el.textContent = parts.join(' · ');
}
