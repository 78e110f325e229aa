// The config-against-metric view's logic, free of the DOM: the numeric config values a run may be
// placed by (x), the metrics (y), one point per run, the axes' ranges and ticks on linear or log scales.

import { METRICS, type MetricKey, type RunRow } from './runs-table-model.js';

/** A numeric config value offered as the x axis. */
export interface XAxisChoice {
  readonly key: string;
  readonly label: string;
  /** Rates and decays span decades: a log axis by default. */
  readonly log: boolean;
  readonly read: (row: RunRow) => number | undefined;
}

const numberOf = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;
const configNumber = (key: string) => (row: RunRow) => numberOf(row.config[key]);
/** Hidden sizes from their cell text (`100-50`, `none`). */
const hidden = (row: RunRow): number[] | undefined => {
  const h = row.config.hidden;
  if (typeof h !== 'string') return undefined;
  return h === 'none' ? [] : h.split('-').map(Number);
};

/** The x choices, in menu order. */
export const X_CHOICES: readonly XAxisChoice[] = [
  { key: 'lr', label: 'learning rate', log: true, read: configNumber('lr') },
  { key: 'weightDecay', label: 'weight decay', log: true, read: configNumber('weightDecay') },
  { key: 'optimizerDecay', label: 'optimizer decay', log: true, read: configNumber('optimizerDecay') },
  { key: 'dropout', label: 'dropout', log: false, read: configNumber('dropout') },
  { key: 'batchSize', label: 'batch size', log: false, read: configNumber('batchSize') },
  { key: 'width', label: 'hidden width (first layer)', log: false, read: (r) => numberOf(hidden(r)?.[0]) },
  { key: 'depth', label: 'hidden layers', log: false, read: (r) => hidden(r)?.length },
  { key: 'seed', label: 'seed', log: false, read: configNumber('seed') },
];

/** The y choices: the table's metrics. */
export const Y_CHOICES = METRICS;

/** The x choices at least one of `rows` has a value for (all of them when none has any). */
export function xChoicesFor(rows: readonly RunRow[]): XAxisChoice[] {
  const some = X_CHOICES.filter((c) => rows.some((r) => c.read(r) !== undefined));
  return some.length > 0 ? some : [...X_CHOICES];
}

/**
 * The x shown first: the first choice whose value differs between `rows` (what a search varied),
 * else the first choice.
 */
export function defaultX(rows: readonly RunRow[], choices: readonly XAxisChoice[]): XAxisChoice {
  const varies = (c: XAxisChoice) =>
    new Set(rows.map((r) => c.read(r)).filter((v) => v !== undefined)).size > 1;
  return choices.find(varies) ?? choices[0];
}

/** One run's point. */
export interface ScatterPoint {
  readonly runId: string;
  readonly name: string;
  readonly color: string;
  readonly x: number;
  readonly y: number;
}

/** The points of `rows` for x `xKey` and metric `yKey`; `left` counts runs with no drawable value. */
export function scatterPoints(
  rows: readonly RunRow[],
  xKey: string,
  yKey: MetricKey,
  scales: { readonly logX: boolean; readonly logY: boolean },
): { points: ScatterPoint[]; left: number } {
  const choice = X_CHOICES.find((c) => c.key === xKey);
  const points: ScatterPoint[] = [];
  let left = 0;
  for (const row of rows) {
    const x = choice?.read(row);
    const y = row.metrics[yKey];
    const fits = (v: number | null | undefined, log: boolean): v is number =>
      v !== undefined && v !== null && Number.isFinite(v) && (!log || v > 0);
    if (fits(x, scales.logX) && fits(y, scales.logY))
      points.push({ runId: row.runId, name: row.name, color: row.color, x, y });
    else left++;
  }
  return { points, left };
}

/** An axis: its range, scale and ticks. */
export interface Axis {
  readonly min: number;
  readonly max: number;
  readonly log: boolean;
  readonly ticks: readonly number[];
}

/**
 * The axis over `values`: padded by 5% of the span (a decade's fraction on a log axis), widened
 * around a single value, with ticks at 1-2-5 steps (linear) or at powers of ten (log).
 */
export function axis(values: readonly number[], log: boolean): Axis {
  const vs = log ? values.filter((v) => v > 0).map(Math.log10) : values.filter(Number.isFinite);
  let lo = vs.length > 0 ? Math.min(...vs) : 0;
  let hi = vs.length > 0 ? Math.max(...vs) : 1;
  if (hi - lo < 1e-12) {
    const w = log ? 0.5 : Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    lo -= w;
    hi += w;
  } else {
    const pad = (hi - lo) * 0.05;
    lo -= pad;
    hi += pad;
  }
  if (log) {
    const ticks: number[] = [];
    // Every decade, or every other (…) when there are many; `1e-4`, not 10 ** -4 (= 0.0000999…).
    const every = Math.max(1, Math.ceil((Math.floor(hi) - Math.ceil(lo) + 1) / 8));
    for (let e = Math.ceil(lo); e <= Math.floor(hi); e += every) ticks.push(Number(`1e${e}`));
    // Less than a decade wide: the 1-2-5 ticks of the linear range between.
    const shown = ticks.length >= 2 ? ticks : linearTicks(10 ** lo, 10 ** hi).filter((t) => t > 0);
    return { min: 10 ** lo, max: 10 ** hi, log, ticks: shown };
  }
  return { min: lo, max: hi, log, ticks: linearTicks(lo, hi) };
}

/** About `count` ticks at 1, 2 or 5 times a power of ten, inside [lo, hi]. */
export function linearTicks(lo: number, hi: number, count = 5): number[] {
  const raw = (hi - lo) / count;
  if (!(raw > 0) || !Number.isFinite(raw)) return [lo];
  const p = 10 ** Math.floor(Math.log10(raw));
  // The step whose tick count comes nearest to `count`.
  const steps = [1, 2, 5, 10].map((m) => m * p);
  const off = (s: number) => Math.abs((hi - lo) / s - count);
  const step = steps.reduce((a, b) => (off(b) < off(a) ? b : a));
  const ticks: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) {
    ticks.push(Number(t.toPrecision(12)));
  }
  return ticks;
}

/** Where `v` falls on `a`, as a fraction of its length from `min` (0) to `max` (1). */
export function fraction(a: Axis, v: number): number {
  if (a.log) return (Math.log10(v) - Math.log10(a.min)) / (Math.log10(a.max) - Math.log10(a.min));
  return (v - a.min) / (a.max - a.min);
}

/** A tick's label: `0.25`, `1e-5`, `2e+6` (no padded mantissa, as on a log axis's decades). */
export function tickText(t: number): string {
  const a = Math.abs(t);
  const v = Number(t.toPrecision(4));
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential() : String(v);
}
