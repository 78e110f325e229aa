// TensorBoard's loss smoothing: an exponential moving average with debiasing, so the first points are
// not pulled toward zero. Incremental, so appending steps costs O(new points).

/** The running state of {@link smoothInto}. */
export interface EmaState {
  last: number;
  count: number;
}

/** A fresh state. */
export function emaState(): EmaState {
  return { last: 0, count: 0 };
}

/**
 * Writes the smoothed `values[from..to)` into `out` and advances `state`. `weight` in [0, 1): 0 is no
 * smoothing. Non-finite values pass through as NaN and do not disturb the average.
 * Reference: TensorBoard `vz_line_chart2/line-chart.ts` (`resmoothDataset`).
 *
 * @example
 * smoothInto([1, 1], 0, 2, out, 0.9, emaState()); // out = [1, 1]: debiasing removes the pull to 0
 */
export function smoothInto(
  values: ArrayLike<number>,
  from: number,
  to: number,
  out: Float64Array,
  weight: number,
  state: EmaState,
): void {
  for (let i = from; i < to; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      out[i] = Number.NaN;
      continue;
    }
    state.last = state.last * weight + (1 - weight) * v;
    state.count++;
    // The average started at 0; dividing by 1 − wᵗ removes that bias (Adam's bias correction).
    out[i] = state.last / (1 - weight ** state.count);
  }
}
