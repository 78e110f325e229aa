// Lab `optimizers-2d` (book section 6.1.7, figure 6-8): each optimizer's path on a 2D function,
// run directly on a 2-element parameter vector, drawn over the function's contours. On the bowl
// x²/20 + y² SGD zig-zags across the steep y direction while Momentum rolls along the valley.

import { finalize } from 'rxjs';
import { checkNumber, invalidOption, unknownKind } from '../errors.js';
import { type OptimizerConfig, optimizerFromConfig } from '../optim/from-config.js';
import { createOptimizer } from '../optim/optimizer.js';
import { sampleSurface } from '../protocol/sample-surface.js';
import { FUNCTION_NAMES, FUNCTIONS_2D, type FunctionName } from './functions-2d.js';
import type { LabDashboard, LabDefinition } from './lab.js';
import { fixed, markdownTable, optimizerLabel, sci } from './markdown.js';
import { pathRun } from './path-run.js';
import { figure } from './svg/charts.js';
import { contourPanels, quantileLevels } from './svg/contour.js';
import { colorAt } from './svg/svg.js';

/** Settings of the 2D lab; unset fields take the chosen function's defaults. */
export interface Optimizers2dConfig {
  readonly fn: FunctionName;
  readonly steps?: number;
  readonly start?: readonly [number, number];
  readonly optimizers?: readonly OptimizerConfig[];
  /** Milliseconds between two steps replayed on the dashboard. Default: 3 s for the whole path. */
  readonly paceMs?: number;
}

/** One optimizer's path. */
export interface Path2d {
  readonly label: string;
  readonly optimizer: OptimizerConfig;
  /** Positions from the start (index 0) through every step. */
  readonly x: number[];
  readonly y: number[];
  readonly final: number;
  /** Steps after which y changed sign: the zig-zag count. */
  readonly ySignChanges: number;
}

/** What the lab returns. */
export interface Optimizers2dData {
  readonly fn: FunctionName;
  readonly steps: number;
  readonly start: readonly [number, number];
  readonly paths: readonly Path2d[];
}

/** How often a sequence changes sign (zeros are skipped: they belong to neither side). */
export function signChanges(values: readonly number[]): number {
  let changes = 0;
  let last = 0;
  for (const v of values) {
    const s = Math.sign(v);
    if (s === 0 || Number.isNaN(s)) continue;
    if (last !== 0 && s !== last) changes++;
    last = s;
  }
  return changes;
}

/** Runs `steps` optimizer updates from `start` on the function's exact gradient. */
export function optimizerPath(
  fnName: FunctionName,
  optimizer: OptimizerConfig,
  start: readonly [number, number],
  steps: number,
): Path2d {
  const fn = FUNCTIONS_2D[fnName];
  const params = Float32Array.from(start);
  const grads = new Float32Array(2);
  const opt = createOptimizer(optimizerFromConfig(optimizer), { params, grads });
  const x = [params[0]];
  const y = [params[1]];
  for (let t = 0; t < steps; t++) {
    fn.gradient(params[0], params[1], grads);
    opt.step();
    x.push(params[0]);
    y.push(params[1]);
  }
  const label = optimizerLabel(optimizer.name);
  return { label, optimizer, x, y, final: fn.f(params[0], params[1]), ySignChanges: signChanges(y) };
}

/** The 2D lab. */
export const optimizers2d: LabDefinition<Optimizers2dConfig, Optimizers2dData> = {
  name: 'optimizers-2d',
  title: 'Optimizer paths on a 2D function',
  description:
    'SGD, Momentum, Nesterov, AdaGrad, RMSprop and Adam from (−7, 2) on x²/20 + y² (or Rosenbrock, Beale)',
  optionalKeys: ['steps', 'start', 'optimizers', 'paceMs'],
  defaults: () => ({ fn: 'bowl' }),
  validate(c) {
    if (!FUNCTION_NAMES.includes(c.fn)) unknownKind('optimizers-2d', 'fn', c.fn, FUNCTION_NAMES);
    if (c.steps !== undefined)
      checkNumber('optimizers-2d', 'steps', c.steps, { min: 1, max: 100_000, integer: true });
    if (c.start !== undefined && (c.start.length !== 2 || !c.start.every(Number.isFinite)))
      invalidOption('optimizers-2d', 'start', 'two finite numbers [x, y]', c.start);
    if (c.paceMs !== undefined) checkNumber('optimizers-2d', 'paceMs', c.paceMs, { min: 0, max: 10_000 });
    if (c.optimizers?.length === 0)
      invalidOption('optimizers-2d', 'optimizers', 'at least one optimizer', []);
    for (const o of c.optimizers ?? []) optimizerFromConfig(o);
    // Resolved here, so the saved config names every setting the paths were drawn with.
    const fn = FUNCTIONS_2D[c.fn];
    return {
      ...c,
      steps: c.steps ?? fn.steps,
      start: c.start ?? fn.start,
      optimizers: c.optimizers ?? fn.optimizers,
    };
  },
  async run(c, ctx) {
    const fn = FUNCTIONS_2D[c.fn];
    const steps = c.steps ?? fn.steps;
    const start = c.start ?? fn.start;
    const paths = uniqueLabels(
      (c.optimizers ?? fn.optimizers).map((o) => optimizerPath(c.fn, o, start, steps)),
    );
    const paceMs = c.paceMs ?? Math.max(5, Math.round(3000 / (steps + 1)));
    if (ctx.dashboard) await showPaths(ctx.dashboard, `${ctx.runIdPrefix}/`, c.fn, paths, paceMs);
    const rows = paths.map((p) => [
      p.label,
      String(p.optimizer.lr),
      `(${fixed(p.x[steps], 3)}, ${fixed(p.y[steps], 3)})`,
      sci(p.final),
      String(p.ySignChanges),
    ]);
    const markdown = [
      `${fn.formula}, ${steps} steps from (${start.join(', ')}); the minimum is at (${fn.minimum.join(', ')}).`,
      '',
      markdownTable(['optimizer', 'lr', 'end point', 'f(end)', 'sign changes of y'], rows, [
        'left',
        'right',
        'right',
        'right',
        'right',
      ]),
    ].join('\n');
    const grid = sampleSurface({
      name: fn.formula,
      f: fn.f,
      x: fn.x,
      y: fn.y,
      nx: 61,
      ny: 46,
      minimum: fn.minimum,
    });
    const levels = quantileLevels(grid.values, 12);
    const columns = Math.min(3, paths.length);
    const svg = figure({
      title: `${fn.formula}: ${steps} steps from (${start.join(', ')})`,
      columns,
      cellWidth: 330,
      cellHeight: 260,
      panels: contourPanels(
        grid,
        levels,
        paths.map((p, i) => ({
          title: `${p.label} (lr ${p.optimizer.lr})`,
          paths: [{ xs: p.x, ys: p.y, color: colorAt(i) }],
        })),
      ),
    });
    return {
      markdown,
      figures: [{ file: 'paths.svg', caption: `Optimizer paths on ${fn.formula}`, svg }],
      data: { fn: c.fn, steps, start, paths },
    };
  },
};

/** Adds the learning rate to labels that would otherwise repeat (the same optimizer twice). */
function uniqueLabels(paths: Path2d[]): Path2d[] {
  const count = (label: string) => paths.filter((p) => p.label === label).length;
  return paths.map((p) => (count(p.label) > 1 ? { ...p, label: `${p.label} ${p.optimizer.lr}` } : p));
}

/** Replays each path on the dashboard over about three seconds, so it is drawn step by step. */
async function showPaths(
  dashboard: LabDashboard,
  prefix: string,
  fnName: FunctionName,
  paths: readonly Path2d[],
  paceMs: number,
): Promise<void> {
  const fn = FUNCTIONS_2D[fnName];
  const surface = sampleSurface({ name: fn.formula, f: fn.f, x: fn.x, y: fn.y, minimum: fn.minimum });
  const done = paths.map((p) => {
    const runId = `${prefix}${p.label}`;
    const lr = typeof p.optimizer.lr === 'number' ? p.optimizer.lr : Number.NaN;
    const run = pathRun(runId, fn, { x: p.x, y: p.y, lr }, paceMs);
    return new Promise<void>((resolve) => {
      dashboard.attachRun(runId, run.events$.pipe(finalize(resolve)));
      dashboard.attachPath(runId, surface, run.points$);
    });
  });
  await Promise.all(done);
}
