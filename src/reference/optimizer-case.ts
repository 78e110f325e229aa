// Runs one case of the optimizer reference file (optimizers.torch.json format) through the project's
// optimizers in float32 and reports the largest relative error against PyTorch's float64 trajectory.

import { GradstreamError } from '../errors.js';
import { chain } from '../optim/chain.js';
import { clipByGlobalNorm } from '../optim/clip-by-global-norm.js';
import { type OptimizerConfig, optimizerFromConfig } from '../optim/from-config.js';
import { createOptimizer, learningRateAt } from '../optim/optimizer.js';
import type { ScheduleSpec } from '../optim/schedules.js';
import type { TransformSpec } from '../optim/transform.js';

/** f(x, y) = x²/20 + y², the book's 2D test function; gradient (x/10, 2y). */
export interface Book2dProblem {
  readonly kind: 'book2d';
  readonly x0: readonly number[];
}

/** f(x) = ½xᵀAx + bᵀx; gradient Ax + b. */
export interface QuadraticProblem {
  readonly kind: 'quadratic';
  readonly A: readonly (readonly number[])[];
  readonly b: readonly number[];
  readonly x0: readonly number[];
}

/**
 * A schedule in the reference format; its initial value is the optimizer's `lr`. `step` and `cosine`
 * are computed here and checked against `lr_per_step`; any other name is run from `lr_per_step`.
 */
export type CaseSchedule =
  | { readonly name: 'step'; readonly every: number; readonly gamma: number }
  | { readonly name: 'cosine'; readonly steps: number; readonly min: number }
  | { readonly name: string };

/** One case: an optimizer, a problem, and torch's parameters after each of `steps` updates. */
export interface OptimizerCase {
  readonly name: string;
  readonly optimizer: OptimizerConfig & { readonly lr: number };
  readonly problem: Book2dProblem | QuadraticProblem;
  readonly steps: number;
  /** `trajectory[t]` holds the parameters after update t + 1. */
  readonly trajectory: readonly (readonly number[])[];
  readonly schedule?: CaseSchedule;
  /** The lr torch used at each update, present with `schedule`. */
  readonly lr_per_step?: readonly number[];
  /** Max global gradient norm, clipped before each update (torch clip_grad_norm_). */
  readonly clipGlobalNorm?: number;
}

/** The whole reference file. */
export interface OptimizerCaseFile {
  readonly source: string;
  readonly cases: readonly OptimizerCase[];
}

/** The outcome of one case. */
export interface OptimizerCaseResult {
  readonly name: string;
  /** Largest `relativeError` over every coordinate of every step (and every scheduled lr). */
  readonly maxRelErr: number;
  /** Where the largest error is, e.g. `trajectory[29][1]` or `lr_per_step[10]`. */
  readonly worst: string;
  readonly pass: boolean;
}

/** "Agree to 1e-4 relative (1e-5 absolute near zero)", as the reference README states; used for every reference file. */
export const OPTIMIZER_TOLERANCE = 1e-4;

/**
 * |actual − expected| / max(|expected|, 0.1): relative error, read as absolute error below 0.1, so
 * a tolerance of 1e-4 means 1e-4 relative for large values and 1e-5 absolute near zero. NaN → ∞.
 */
export function relativeError(actual: number, expected: number): number {
  if (Number.isNaN(actual)) return Infinity;
  return Math.abs(actual - expected) / Math.max(Math.abs(expected), 0.1);
}

function fail(where: string, what: string): never {
  throw new GradstreamError('ERR_DATA_FORMAT', `optimizer reference ${where}: ${what}`, { cause: { where } });
}

function numbers(where: string, field: string, value: unknown, length?: number): number[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    fail(where, `${field} must be an array of finite numbers`);
  }
  if (length !== undefined && value.length !== length)
    fail(where, `${field} must have ${length} numbers, got ${value.length}`);
  return value;
}

function positive(where: string, field: string, value: unknown, integer = false): number {
  if (typeof value !== 'number' || !(value > 0) || (integer && !Number.isInteger(value))) {
    fail(
      where,
      `${field} must be a positive ${integer ? 'integer' : 'number'}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** Checks the problem: known kind, x0, and for a quadratic an n×n A and an n-vector b. */
function checkProblem(where: string, p: Record<string, unknown>): void {
  const n = numbers(where, 'problem.x0', p.x0).length;
  if (p.kind === 'book2d') {
    numbers(where, 'problem.x0', p.x0, 2);
  } else if (p.kind === 'quadratic') {
    if (!Array.isArray(p.A) || p.A.length !== n) fail(where, `problem.A must be an array of ${n} rows`);
    for (let i = 0; i < n; i++) numbers(where, `problem.A[${i}]`, p.A[i], n);
    numbers(where, 'problem.b', p.b, n);
  } else {
    fail(where, `problem.kind must be book2d or quadratic, got ${JSON.stringify(p.kind)}`);
  }
}

/** Checks one case's structure and returns it typed; errors name the case and the field. */
export function checkOptimizerCase(value: unknown, index: number): OptimizerCase {
  if (typeof value !== 'object' || value === null) fail(`case #${index}`, 'is not an object');
  const c = value as Record<string, unknown>;
  const where =
    typeof c.name === 'string'
      ? `case ${JSON.stringify(c.name)}`
      : fail(`case #${index}`, 'name must be a string');
  const o = c.optimizer as Record<string, unknown> | undefined;
  if (typeof o !== 'object' || o === null || typeof o.name !== 'string')
    fail(where, 'optimizer must be an object with a name');
  positive(where, 'optimizer.lr', o.lr);
  if (typeof c.problem !== 'object' || c.problem === null) fail(where, 'problem must be an object');
  checkProblem(where, c.problem as Record<string, unknown>);
  const steps = positive(where, 'steps', c.steps, true);
  const n = (c.problem as { x0: unknown[] }).x0.length;
  if (!Array.isArray(c.trajectory) || c.trajectory.length !== steps)
    fail(where, `trajectory must have ${steps} points`);
  for (let t = 0; t < steps; t++) numbers(where, `trajectory[${t}]`, c.trajectory[t], n);
  if (c.clipGlobalNorm !== undefined) positive(where, 'clipGlobalNorm', c.clipGlobalNorm);
  if (c.schedule !== undefined) {
    const s = c.schedule as Record<string, unknown>;
    if (s?.name === 'step') {
      positive(where, 'schedule.every', s.every, true);
      positive(where, 'schedule.gamma', s.gamma);
    } else if (s?.name === 'cosine') {
      positive(where, 'schedule.steps', s.steps, true);
      if (typeof s.min !== 'number' || !(s.min >= 0))
        fail(where, `schedule.min must be a number ≥ 0, got ${JSON.stringify(s.min)}`);
    } else if (typeof s?.name !== 'string') {
      fail(where, `schedule.name must be a string, got ${JSON.stringify(s?.name)}`);
    }
    // Every case with a schedule carries the lr torch used; an unknown schedule runs from it.
    numbers(where, 'lr_per_step', c.lr_per_step, steps);
  }
  return c as unknown as OptimizerCase;
}

/** Checks a parsed reference file: `{ source, cases: [...] }`. */
export function checkOptimizerCaseFile(value: unknown): OptimizerCaseFile {
  const f = value as Partial<OptimizerCaseFile> | null;
  if (typeof f !== 'object' || f === null || !Array.isArray(f.cases))
    fail('file', 'must be an object with a cases array');
  return { source: String(f.source ?? ''), cases: f.cases.map((c, i) => checkOptimizerCase(c, i)) };
}

type StepCase = Extract<CaseSchedule, { every: number }>;
type CosineCase = Extract<CaseSchedule, { steps: number }>;

/** The case's schedule as this project's spec: step and cosine by formula, any other from `lr_per_step`. */
function caseScheduleSpec(c: OptimizerCase): ScheduleSpec | undefined {
  const { lr } = c.optimizer;
  const s = c.schedule;
  if (s === undefined) return undefined;
  if (s.name === 'step') {
    const { every, gamma } = s as StepCase;
    return { kind: 'step', init: lr, every, gamma };
  }
  if (s.name === 'cosine') {
    const { steps, min } = s as CosineCase;
    return { kind: 'cosine', init: lr, steps, min };
  }
  return { kind: 'table', values: c.lr_per_step ?? [lr] };
}

/** The case's optimizer as this project's spec: its schedule and clipping included. */
export function optimizerCaseSpec(c: OptimizerCase): TransformSpec {
  const { lr } = c.optimizer;
  const schedule = caseScheduleSpec(c);
  const spec = optimizerFromConfig({ ...c.optimizer, lr: schedule ?? lr });
  return c.clipGlobalNorm === undefined ? spec : chain(clipByGlobalNorm({ maxNorm: c.clipGlobalNorm }), spec);
}

/** Writes the problem's gradient at `x` into `g` (computed in double, stored as float32). */
export function optimizerCaseGradient(
  problem: OptimizerCase['problem'],
  x: Float32Array,
  g: Float32Array,
): void {
  if (problem.kind === 'book2d') {
    g[0] = x[0] / 10;
    g[1] = 2 * x[1];
    return;
  }
  for (let i = 0; i < x.length; i++) {
    let sum = problem.b[i];
    for (let j = 0; j < x.length; j++) sum += problem.A[i][j] * x[j];
    g[i] = sum;
  }
}

/** Runs the case in float32 (params, gradients and slots) and compares every step with torch's. */
export function runOptimizerCase(c: OptimizerCase, tolerance = OPTIMIZER_TOLERANCE): OptimizerCaseResult {
  const spec = optimizerCaseSpec(c);
  const params = Float32Array.from(c.problem.x0);
  const grads = new Float32Array(params.length);
  const opt = createOptimizer(spec, { params, grads });
  let maxRelErr = 0;
  let worst = 'none';
  const compare = (label: string, actual: number, expected: number): void => {
    const err = relativeError(actual, expected);
    if (err > maxRelErr) {
      maxRelErr = err;
      worst = label;
    }
  };
  for (let t = 0; t < c.steps; t++) {
    if (c.lr_per_step)
      compare(`lr_per_step[${t}]`, learningRateAt(spec, t + 1) ?? Number.NaN, c.lr_per_step[t]);
    optimizerCaseGradient(c.problem, params, grads);
    opt.step();
    for (let i = 0; i < params.length; i++) compare(`trajectory[${t}][${i}]`, params[i], c.trajectory[t][i]);
  }
  return { name: c.name, maxRelErr, worst, pass: maxRelErr <= tolerance };
}
