// The four metric charts (loss, accuracy, learning rate, samples/s): which lines each draws for the
// visible runs, and their data as uPlot's aligned columns, set at most once per animation frame.

import uPlot from 'uplot';
import { type LineSpec, lineChartOptions } from './chart-options.js';
import { formatNumber } from './format.js';
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

function plan(name: ChartName, runs: readonly RunView[]): Plan {
  const lines: LineSpec[] = [];
  const tables: Table[] = [];
  for (const run of runs) {
    const s = run.steps;
    const step = s.column('step');
    if (name === 'loss') {
      lines.push({ label: `${run.runId} (raw)`, color: run.color, width: 1, alpha: 0.28 });
      lines.push({ label: run.runId, color: run.color, width: 2 });
      tables.push([step, s.columnWithGaps('loss'), s.columnWithGaps('smoothed')]);
    } else if (name === 'lr' || name === 'speed') {
      lines.push({ label: run.runId, color: run.color, width: 2 });
      tables.push([step, s.columnWithGaps(name === 'lr' ? 'lr' : 'samplesPerSecond')]);
    } else {
      const splits = splitsOf(run);
      const xs = [...new Set(run.evals.map((e) => e.step))].sort((a, b) => a - b);
      const ys = splits.map((split) =>
        xs.map((x) => run.evals.find((e) => e.step === x && e.split === split)?.accuracy ?? null),
      );
      splits.forEach((split) => {
        lines.push({ label: `${run.runId} ${split}`, color: run.color, width: 2, dash: SPLIT_DASH[split] });
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

/** Owns the uPlot instances; rebuilds one when its set of lines changes, else only sets data. */
export class Charts {
  readonly #store: DashboardStore;
  readonly #charts = new Map<ChartName, { key: string; plot: uPlot }>();
  log = false;

  constructor(store: DashboardStore) {
    this.#store = store;
  }

  /** The chart `name`'s uPlot, if drawn. */
  plot(name: ChartName): uPlot | undefined {
    return this.#charts.get(name)?.plot;
  }

  /** Redraws every chart from the store (call once per animation frame at most). */
  update(): void {
    const runs = [...this.#store.runs.values()].filter((r) => r.visible);
    for (const name of CHART_NAMES) this.#updateOne(name, runs);
  }

  /** Fits every chart to its container's width. */
  resize(): void {
    for (const [name, { plot }] of this.#charts) plot.setSize(this.#size(name));
  }

  #size(name: ChartName): { width: number; height: number } {
    const el = document.getElementById(`chart-${name}`)!;
    return { width: Math.max(200, el.clientWidth), height: name === 'loss' ? 300 : 200 };
  }

  #updateOne(name: ChartName, runs: readonly RunView[]): void {
    const { lines, tables } = plan(name, runs);
    const el = document.getElementById(`chart-${name}`)!;
    const log = (name === 'loss' || name === 'lr') && this.log;
    const key = `${log}|${lines.map((l) => l.label).join('|')}`;
    let entry = this.#charts.get(name);
    if (entry?.key !== key) {
      entry?.plot.destroy();
      const percent = name === 'accuracy';
      const look = { ...this.#size(name), log, yRange: percent ? ([0, 1] as const) : undefined, percent };
      const onCursor = (u: uPlot, i: number | null) => readout(name, u, i);
      entry = { key, plot: new uPlot(lineChartOptions(lines, { ...look, onCursor }), align(tables), el) };
      this.#charts.set(name, entry);
    } else {
      entry.plot.setData(align(tables));
    }
    el.dataset.series = String(runs.length);
    el.dataset.log = String(log);
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
