// How an evaluation reads in one line: accuracy for a classifier, RMSE and MAE for a regression
// model (whose accuracy is NaN). Shared by the progress lines, the last line of a run and the tables.

/** The metrics of an evaluation that the line shows. */
export interface EvalMetrics {
  readonly accuracy: number;
  readonly rmse?: number;
  readonly mae?: number;
}

/** `accuracy 97.12%`, or `RMSE 0.0412, MAE 0.0301` for a regression model. */
export function evalMetricsText(e: EvalMetrics): string {
  if (e.rmse !== undefined) return `RMSE ${significant(e.rmse)}, MAE ${significant(e.mae ?? Number.NaN)}`;
  return `accuracy ${(100 * e.accuracy).toFixed(2)}%`;
}

/** Four significant digits: errors are in the data's own units, which may be large or small. */
export function significant(x: number): string {
  return Number.isFinite(x) ? Number(x.toPrecision(4)).toString() : String(x);
}
