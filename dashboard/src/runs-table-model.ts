// The runs table's logic, free of the DOM: a row per run (name, status, config values, steps, last
// and best metrics, duration), which config columns differ between the runs shown, sorting,
// filtering, and the resume hint of a run whose process is gone.

import { etaMs, formatElapsed, formatNumber, shellQuote } from './format.js';
import type { RunView } from './store.js';

type Config = Readonly<Record<string, unknown>>;

/** A config value as the table holds it: numbers stay numbers (for sorting and the scatter). */
export type ConfigValue = number | string;

/** One config field shown as a column when it differs between runs. */
export interface ConfigColumn {
  readonly key: string;
  readonly label: string;
  /** The value in a run's config; undefined when the config does not say. */
  readonly read: (config: Config) => ConfigValue | undefined;
}

/** The field at a dotted `path` of `config`, or undefined. */
export function at(config: unknown, path: string): unknown {
  let v: unknown = config;
  for (const part of path.split('.')) {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
    v = (v as Config)[part];
  }
  return v;
}

/**
 * The first of `paths` the config has. The first path is the resolved RunConfig's (the CLI's runs);
 * the others are where the library's and the labs' runs put the same value (`plan.*` in a pipeline's
 * start event, top-level `lr`, `weightDecay`, `seed` in a lab trial's settings).
 */
function first(config: Config, paths: readonly string[]): unknown {
  for (const p of paths) {
    const v = at(config, p);
    if (v !== undefined && v !== null) return v;
  }
  return undefined;
}

const asNumber = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;

/** Plain data as short text: `k=v` pairs for objects, `a-b` for number lists. */
export function valueText(v: unknown): string {
  if (typeof v === 'number') {
    const s = String(v);
    return s.length <= 8 ? s : formatNumber(v);
  }
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 'on' : 'off';
  if (Array.isArray(v)) return v.map(valueText).join('-');
  if (typeof v === 'object' && v !== null) {
    return Object.entries(v)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => `${k}=${valueText(x)}`)
      .join(' ');
  }
  return String(v);
}

/** A schedule as `cosine(steps=1000)`, `warmup(steps=100)→step(every=10 gamma=0.5)`. */
function scheduleText(s: unknown): string {
  if (typeof s !== 'object' || s === null) return valueText(s);
  const { kind, schedule, ...rest } = s as Config;
  const args = valueText(rest);
  const head = `${String(kind)}${args ? `(${args})` : ''}`;
  return schedule === undefined ? head : `${head}→${scheduleText(schedule)}`;
}

/** Hidden layer sizes: `model.hidden`, else the inner part of `model.sizes`. */
function hiddenSizes(config: Config): readonly number[] | undefined {
  const hidden = first(config, ['model.hidden']);
  if (Array.isArray(hidden)) return hidden as number[];
  const sizes = first(config, ['model.sizes', 'plan.model.sizes']);
  return Array.isArray(sizes) && sizes.length >= 2 ? (sizes as number[]).slice(1, -1) : undefined;
}

/**
 * The learning rate in a pipeline plan's optimizer chain (its `scaleByLearningRate` block): the
 * number, or a schedule's start (`value`, `init`, or a warm-up's peak).
 */
function chainLr(spec: unknown): number | undefined {
  if (typeof spec !== 'object' || spec === null) return undefined;
  const s = spec as Config;
  if (s.kind === 'chain' && Array.isArray(s.items)) {
    for (const item of s.items) {
      const lr = chainLr(item);
      if (lr !== undefined) return lr;
    }
    return undefined;
  }
  if (s.kind !== 'scaleByLearningRate') return undefined;
  for (const path of ['lr', 'lr.value', 'lr.init', 'lr.schedule.init', 'lr.schedule.value']) {
    const lr = asNumber(at({ lr: s.lr }, path));
    if (lr !== undefined) return lr;
  }
  return undefined;
}

const numberAt =
  (...paths: string[]) =>
  (c: Config) =>
    asNumber(first(c, paths));
const textAt =
  (...paths: string[]) =>
  (c: Config) => {
    const v = first(c, paths);
    return v === undefined ? undefined : valueText(v);
  };

/** The config fields compared between runs, in column order. */
export const CONFIG_COLUMNS: readonly ConfigColumn[] = [
  { key: 'optimizer', label: 'optimizer', read: textAt('optimizer.name') },
  {
    key: 'lr',
    label: 'lr',
    read: (c) => numberAt('optimizer.lr', 'lr')(c) ?? chainLr(at(c, 'plan.optimizer')),
  },
  {
    key: 'schedule',
    label: 'schedule',
    // A RunConfig without a schedule follows a constant lr; a config with no optimizer says nothing.
    read: (c) => {
      const s = at(c, 'optimizer.schedule');
      if (s !== undefined) return scheduleText(s);
      return at(c, 'optimizer.name') === undefined ? undefined : 'constant';
    },
  },
  {
    key: 'hidden',
    label: 'hidden',
    read: (c) => {
      const h = hiddenSizes(c);
      return h === undefined ? undefined : h.length === 0 ? 'none' : h.join('-');
    },
  },
  { key: 'batchSize', label: 'batch', read: numberAt('batchSize', 'plan.batchSize') },
  { key: 'init', label: 'init', read: textAt('model.init', 'plan.model.init') },
  { key: 'batchNorm', label: 'batch norm', read: textAt('model.batchNorm', 'plan.model.batchNorm') },
  { key: 'dropout', label: 'dropout', read: numberAt('model.dropout', 'plan.model.dropout') },
  {
    key: 'weightDecay',
    label: 'weight decay',
    read: numberAt('model.weightDecay', 'weightDecay', 'plan.model.weightDecay'),
  },
  { key: 'optimizerDecay', label: 'optimizer decay', read: numberAt('optimizer.weightDecay') },
  { key: 'seed', label: 'seed', read: numberAt('seed', 'plan.seed') },
];

/** The metrics of a row: last and best. */
export const METRICS = [
  { key: 'loss', label: 'loss', title: 'last smoothed training loss' },
  { key: 'bestLoss', label: 'best loss', title: 'lowest smoothed training loss' },
  { key: 'valAcc', label: 'val acc.', title: 'last validation accuracy' },
  { key: 'bestValAcc', label: 'best val acc.', title: 'highest validation accuracy' },
  { key: 'testAcc', label: 'test acc.', title: 'last test accuracy' },
  { key: 'bestTestAcc', label: 'best test acc.', title: 'highest test accuracy' },
  // Regression runs: errors in the targets' own units (columns shown only when some run has them).
  { key: 'valRmse', label: 'val RMSE', title: 'last validation root mean squared error' },
  { key: 'bestValRmse', label: 'best val RMSE', title: 'lowest validation RMSE' },
  { key: 'valMae', label: 'val MAE', title: 'last validation mean absolute error' },
  { key: 'testRmse', label: 'test RMSE', title: 'last test root mean squared error' },
  { key: 'testMae', label: 'test MAE', title: 'last test mean absolute error' },
] as const;
/** One of {@link METRICS}' keys. */
export type MetricKey = (typeof METRICS)[number]['key'];

/** One run as the table shows it. */
export interface RunRow {
  readonly runId: string;
  /** `config.name` when a non-empty string, else the run id. */
  readonly name: string;
  readonly color: string;
  readonly visible: boolean;
  /** `running`, `paused`, or why it ended (`completed`, `stopped`, `failed`, `interrupted`). */
  readonly status: string;
  readonly config: Readonly<Record<string, ConfigValue | undefined>>;
  /** The last step seen, null before the first. */
  readonly step: number | null;
  readonly totalSteps: number | null;
  /** Milliseconds to go at the recent pace, for a running run only. */
  readonly etaMs: number | undefined;
  /** The last step's elapsed time. */
  readonly durationMs: number | null;
  readonly metrics: Readonly<Record<MetricKey, number | null>>;
  /** The command that resumes an interrupted or failed run. */
  readonly resumeHint: string | undefined;
}

/** What a run's status reads. */
export function statusText(run: Pick<RunView, 'state'>): string {
  return run.state.status === 'ended' ? (run.state.endReason ?? 'ended') : run.state.status;
}

/** `config.name` when it is a non-empty string, else the run id. */
export function displayName(runId: string, config: Config): string {
  const name = config.name;
  return typeof name === 'string' && name.trim() !== '' ? name : runId;
}

/** The run store folder a run's config names, when it is not the default `runs`. */
const DEFAULT_STORE = 'runs';

/** `gradstream resume <id>`, with `--store <dir>` when the run's store is not the default. */
export function resumeCommand(runId: string, config: Config): string {
  const dir = at(config, 'store.dir');
  const store = typeof dir === 'string' && dir !== DEFAULT_STORE ? ` --store ${shellQuote(dir)}` : '';
  return `gradstream resume ${shellQuote(runId)}${store}`;
}

const last = (c: ArrayLike<number>): number | null => {
  for (let i = c.length - 1; i >= 0; i--) if (!Number.isNaN(c[i])) return c[i];
  return null;
};

/** The lowest non-NaN value of a column, or null. */
export function minOf(c: ArrayLike<number>, from = 0, start: number | null = null): number | null {
  let m = start;
  for (let i = from; i < c.length; i++) if (!Number.isNaN(c[i]) && (m === null || c[i] < m)) m = c[i];
  return m;
}

/**
 * The last and the best value of one metric of a split's evaluations (best: highest, or lowest when
 * `lower` — errors); nulls when no evaluation has it.
 */
function lastAndBest(
  run: RunView,
  split: 'validation' | 'test',
  metric: 'accuracy' | 'rmse' | 'mae',
  lower = false,
): [number | null, number | null] {
  let lastValue: number | null = null;
  let best: number | null = null;
  let lastStep = -Infinity;
  for (const e of run.evals) {
    const value = e[metric];
    if (e.split !== split || value === null || value === undefined) continue;
    if (e.step >= lastStep) {
      lastStep = e.step;
      lastValue = value;
    }
    if (best === null || (lower ? value < best : value > best)) best = value;
  }
  return [lastValue, best];
}

/**
 * The row of `run`. `bestLoss`: the lowest smoothed loss when the caller keeps it incrementally
 * (a long run's column need not be scanned every frame); scanned here when absent.
 */
export function runRow(run: RunView, bestLoss?: number | null): RunRow {
  const config = run.info.config;
  const steps = run.steps.column('step');
  const smoothed = run.steps.column('smoothed');
  const status = statusText(run);
  const [valAcc, bestValAcc] = lastAndBest(run, 'validation', 'accuracy');
  const [testAcc, bestTestAcc] = lastAndBest(run, 'test', 'accuracy');
  const [valRmse, bestValRmse] = lastAndBest(run, 'validation', 'rmse', true);
  const [testRmse] = lastAndBest(run, 'test', 'rmse', true);
  const [valMae] = lastAndBest(run, 'validation', 'mae', true);
  const [testMae] = lastAndBest(run, 'test', 'mae', true);
  const resumable = status === 'interrupted' || status === 'failed';
  return {
    runId: run.runId,
    name: displayName(run.runId, config),
    color: run.color,
    visible: run.visible,
    status,
    config: Object.fromEntries(CONFIG_COLUMNS.map((c) => [c.key, c.read(config)])),
    step: last(steps),
    totalSteps: run.info.totalSteps,
    etaMs:
      run.state.status === 'running'
        ? etaMs(run.info.totalSteps, steps, run.steps.column('elapsedMs'))
        : undefined,
    durationMs: last(run.steps.column('elapsedMs')),
    metrics: {
      loss: last(smoothed),
      bestLoss: bestLoss === undefined ? minOf(smoothed) : bestLoss,
      valAcc,
      bestValAcc,
      testAcc,
      bestTestAcc,
      valRmse,
      bestValRmse,
      valMae,
      testRmse,
      testMae,
    },
    resumeHint: resumable ? resumeCommand(run.runId, config) : undefined,
  };
}

/** A config value's text in a cell. */
export function configText(v: ConfigValue | undefined): string {
  return v === undefined ? '–' : valueText(v);
}

/** Which config columns to show, and the values every run shares (the "common config" line). */
export interface ConfigSplit {
  readonly differing: readonly ConfigColumn[];
  readonly common: readonly { readonly column: ConfigColumn; readonly text: string }[];
}

/**
 * Splits the config columns over `rows`: a column whose value (as text) is the same for every row is
 * common; one some rows lack is still differing when another has it; one no row has is neither.
 */
export function splitConfig(rows: readonly RunRow[]): ConfigSplit {
  const differing: ConfigColumn[] = [];
  const common: { column: ConfigColumn; text: string }[] = [];
  for (const column of CONFIG_COLUMNS) {
    const texts = new Set(rows.map((r) => configText(r.config[column.key])));
    if (texts.size > 1) differing.push(column);
    else if (texts.size === 1 && !texts.has('–')) common.push({ column, text: [...texts][0] });
  }
  return { differing, common };
}

/** The metrics some row has (a metric no run reports gets no column). */
export function metricsShown(rows: readonly RunRow[]): (typeof METRICS)[number][] {
  return METRICS.filter((m) => rows.some((r) => r.metrics[m.key] !== null));
}

/** The sortable columns besides config keys and metric keys. */
export type FixedSortKey = 'name' | 'status' | 'step' | 'duration';
/** What the table may sort by. */
export type SortKey = FixedSortKey | MetricKey | `config.${string}`;

/** The value a row sorts by under `key`: a number, a string, or null (always last). */
export function sortValue(row: RunRow, key: SortKey): number | string | null {
  if (key === 'name') return row.name;
  if (key === 'status') return row.status;
  if (key === 'step') return row.step;
  if (key === 'duration') return row.durationMs;
  if (key.startsWith('config.')) return row.config[key.slice('config.'.length)] ?? null;
  return row.metrics[key as MetricKey];
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/**
 * `rows` sorted by `key` (`asc` or `desc`); missing values last either way, numbers before text,
 * text in natural order (`trial-2` before `trial-10`); ties keep their order.
 */
export function sortRows(rows: readonly RunRow[], key: SortKey, direction: 'asc' | 'desc'): RunRow[] {
  const sign = direction === 'asc' ? 1 : -1;
  return rows
    .map((row, i) => ({ row, i, v: sortValue(row, key) }))
    .sort((a, b) => {
      if (a.v === null || b.v === null) return a.v === b.v ? a.i - b.i : a.v === null ? 1 : -1;
      if (typeof a.v !== typeof b.v) return typeof a.v === 'number' ? -1 : 1;
      const c = typeof a.v === 'number' ? a.v - (b.v as number) : collator.compare(a.v, b.v as string);
      return c === 0 ? a.i - b.i : sign * c;
    })
    .map((x) => x.row);
}

/** The text a filter looks in: name, id, status and every config value as `label=value` and alone. */
export function searchText(row: RunRow): string {
  const parts = [row.name, row.runId, row.status];
  for (const c of CONFIG_COLUMNS) {
    const v = row.config[c.key];
    if (v !== undefined) parts.push(`${c.label}=${valueText(v)}`, `${c.key}=${valueText(v)}`);
  }
  return parts.join(' ').toLowerCase();
}

/** Whether `row` matches `filter`: every blank-separated term occurs in its {@link searchText}. */
export function matchesFilter(row: RunRow, filter: string): boolean {
  const terms = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (terms.length === 0) return true;
  const text = searchText(row);
  return terms.every((t) => text.includes(t));
}

/** A metric's cell: accuracies as percentages, losses to 4 significant digits. */
export function metricText(key: MetricKey, v: number | null): string {
  if (v === null) return '–';
  return key.endsWith('Acc') ? `${(100 * v).toFixed(2)}%` : formatNumber(v);
}

/** The steps cell: `120 / 540`. */
export function stepText(row: RunRow): string {
  if (row.step === null) return '–';
  return row.totalSteps ? `${row.step} / ${row.totalSteps}` : String(row.step);
}

/** The duration cell. */
export function durationText(row: RunRow): string {
  return formatElapsed(row.durationMs);
}
