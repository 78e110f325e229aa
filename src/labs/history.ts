// What a lab keeps of a training run: the loss of every step and every evaluation, folded from its
// events; and the small summaries the tables need (smoothed loss, last accuracy per split).

import type { TrainEvent } from '../train/events.js';
import type { LabSplit } from './lab-train.js';

/** One evaluation of a run. */
export interface EvalPoint {
  readonly step: number;
  /** 0-based epoch the evaluation followed. */
  readonly epoch: number;
  readonly split: LabSplit;
  /** NaN for a regression model's evaluation (see `rmse`). */
  readonly accuracy: number;
  /** A regression model's root mean squared error; undefined for a classifier's. */
  readonly rmse?: number;
  readonly loss: number;
}

/** A finished (or failed) run as a lab sees it. */
export interface RunHistory {
  readonly label: string;
  /** The id shown on the dashboard. */
  readonly runId: string;
  /** The run store's id, when the run was recorded. */
  storeId?: string;
  /** The kernel set the run computed with. */
  kernels?: string;
  /** Mean batch loss per step (NaN for a skipped step). */
  readonly loss: number[];
  readonly evals: EvalPoint[];
  endReason: 'completed' | 'stopped' | 'failed' | 'running';
  steps: number;
  elapsedMs: number;
  skippedSteps: number;
  error?: string;
}

/** An empty history for a run about to start. */
export function emptyHistory(label: string, runId: string): RunHistory {
  return { label, runId, loss: [], evals: [], endReason: 'running', steps: 0, elapsedMs: 0, skippedSteps: 0 };
}

/** Folds one event into the history (in place). */
export function foldEvent(h: RunHistory, e: TrainEvent): void {
  if (e.type === 'step') {
    h.loss.push(e.skipped ? Number.NaN : e.loss);
    h.steps = e.step;
  } else if (e.type === 'eval') {
    h.evals.push({
      step: e.step,
      epoch: e.epoch,
      split: e.split,
      accuracy: e.accuracy,
      ...(e.rmse === undefined ? {} : { rmse: e.rmse }),
      loss: e.loss,
    });
  } else if (e.type === 'end') {
    h.endReason = e.reason;
    h.elapsedMs = e.elapsedMs;
    h.skippedSteps = e.skippedSteps;
  }
}

/** The accuracy curve of one split: one value per evaluation, in order. */
export function accuracyCurve(h: RunHistory, split: LabSplit): number[] {
  return metricCurve(h, split, 'accuracy');
}

/** One metric's curve of one split (a regression's RMSE, or accuracy): one value per evaluation, in order. */
export function metricCurve(h: RunHistory, split: LabSplit, metric: 'accuracy' | 'rmse'): number[] {
  return h.evals.filter((e) => e.split === split).map((e) => e[metric] ?? Number.NaN);
}

/** The last accuracy of a split, or NaN when it was never evaluated. */
export function lastAccuracy(h: RunHistory, split: LabSplit): number {
  const curve = accuracyCurve(h, split);
  return curve.length > 0 ? curve[curve.length - 1] : Number.NaN;
}

/** Modified Bessel function I₀ (power series; converges fast for the small β of a Kaiser window). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 30; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
  }
  return sum;
}

/**
 * The book's `smooth_curve` (common/util.py): a Kaiser window of 11 points, β = 2, convolved with
 * the curve reflected at both ends, so the smoothed curve has the same length. Non-finite values
 * (skipped steps) are left out of their windows. Curves shorter than half a window are reflected
 * only as far as they reach.
 */
export function smoothCurve(values: readonly number[], windowLength = 11, beta = 2): number[] {
  const n = values.length;
  if (n === 0) return [];
  const half = Math.floor(windowLength / 2);
  const w: number[] = [];
  for (let i = 0; i < windowLength; i++) {
    const r = (2 * i) / (windowLength - 1) - 1;
    w.push(besselI0(beta * Math.sqrt(1 - r * r)) / besselI0(beta));
  }
  // numpy's np.r_[x[w-1:0:-1], x, x[-1:-w:-1]]: mirrored without the first point at the start, with
  // the last point repeated at the end (the book's padding, asymmetric as it is).
  const at = (i: number) => values[i < 0 ? Math.min(n - 1, -i) : i >= n ? Math.max(0, 2 * n - 1 - i) : i];
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let sum = 0;
    let weight = 0;
    for (let k = -half; k <= half; k++) {
      const v = at(i + k);
      if (!Number.isFinite(v)) continue;
      sum += w[k + half] * v;
      weight += w[k + half];
    }
    out[i] = weight > 0 ? sum / weight : Number.NaN;
  }
  return out;
}

/** Mean of the last `count` finite values (the "final loss" the tables report), NaN when none. */
export function tailMean(values: readonly number[], count: number): number {
  let sum = 0;
  let n = 0;
  for (let i = values.length - 1; i >= 0 && n < count; i--) {
    if (!Number.isFinite(values[i])) continue;
    sum += values[i];
    n++;
  }
  return n > 0 ? sum / n : Number.NaN;
}

/** Every `stride`-th index plus the last, so long curves draw and store compactly. */
export function thin<T>(values: readonly T[], maxPoints: number): { index: number[]; values: T[] } {
  const stride = Math.max(1, Math.ceil(values.length / maxPoints));
  const index: number[] = [];
  for (let i = 0; i < values.length; i += stride) index.push(i);
  if (values.length > 0 && index[index.length - 1] !== values.length - 1) index.push(values.length - 1);
  return { index, values: index.map((i) => values[i]) };
}
