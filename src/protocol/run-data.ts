// The data of one run as it travels to the dashboard: columnar step metrics, evaluations, histograms,
// an optimizer path over a 2D surface. Types and zod schemas, shared by the server and the page.

import * as z from 'zod';

/** Run ids, layer names and the like: short printable strings. */
export const nameSchema = z.string().min(1).max(200);

/**
 * Per-step metrics as parallel columns, one entry per step, all of the same length (uPlot's
 * data format, so the page can draw them without reshaping).
 */
export interface StepColumns {
  readonly step: readonly number[];
  readonly epoch: readonly number[];
  /** Mean batch loss; `null` where it was not finite (a skipped step). */
  readonly loss: readonly (number | null)[];
  /** Learning rate used; `null` when the optimizer has none. */
  readonly lr: readonly (number | null)[];
  readonly samplesPerSecond: readonly number[];
  /** Milliseconds since the run started. */
  readonly elapsedMs: readonly number[];
}

/** The column names of {@link StepColumns}, in a fixed order. */
export const STEP_COLUMNS = ['step', 'epoch', 'loss', 'lr', 'samplesPerSecond', 'elapsedMs'] as const;

const numbers = z.array(z.number());
const nullableNumbers = z.array(z.number().nullable());

/** Schema of {@link StepColumns}; rejects columns of unequal length. */
export const stepColumnsSchema: z.ZodType<StepColumns> = z
  .object({
    step: numbers,
    epoch: numbers,
    loss: nullableNumbers,
    lr: nullableNumbers,
    samplesPerSecond: numbers,
    elapsedMs: numbers,
  })
  .refine((c) => STEP_COLUMNS.every((k) => c[k].length === c.step.length), 'step columns differ in length');

/** One evaluation (see `EvalEvent`). */
export interface EvalRow {
  readonly step: number;
  readonly epoch: number;
  readonly split: 'train' | 'validation' | 'test';
  readonly loss: number | null;
  /** Null for a regression model, which has `rmse` and `mae` instead. */
  readonly accuracy: number | null;
  readonly rmse?: number | null;
  readonly mae?: number | null;
  readonly n: number;
}

/** Schema of {@link EvalRow}. */
export const evalRowSchema: z.ZodType<EvalRow> = z.object({
  step: z.number(),
  epoch: z.number(),
  split: z.enum(['train', 'validation', 'test']),
  loss: z.number().nullable(),
  accuracy: z.number().min(0).max(1).nullable(),
  rmse: z.number().nonnegative().nullable().optional(),
  mae: z.number().nonnegative().nullable().optional(),
  n: z.number().int().nonnegative(),
});

/** The latest histogram of one layer's weights, gradients or activations (see `HistogramEvent`). */
export interface HistogramData {
  readonly step: number;
  readonly layer: string;
  readonly kind: 'weights' | 'gradients' | 'activations';
  /** `counts.length + 1` bin edges. */
  readonly edges: readonly number[];
  readonly counts: readonly number[];
}

/** Schema of {@link HistogramData}. */
export const histogramSchema: z.ZodType<HistogramData> = z
  .object({
    step: z.number(),
    layer: nameSchema,
    kind: z.enum(['weights', 'gradients', 'activations']),
    edges: numbers,
    counts: numbers,
  })
  .refine((h) => h.edges.length === h.counts.length + 1, 'a histogram needs counts.length + 1 edges');

/**
 * A 2D function sampled on a grid, for the page to draw contours under an optimizer's path. The
 * server samples it once, so the page needs no copy of the function.
 */
export interface PathSurface {
  /** Shown as the view's title, e.g. `x²/20 + y²`. */
  readonly name: string;
  /** The grid's x range [min, max]. */
  readonly x: readonly [number, number];
  /** The grid's y range [min, max]. */
  readonly y: readonly [number, number];
  readonly nx: number;
  readonly ny: number;
  /** f at `ny` rows of `nx` points, row-major from (x.min, y.min). */
  readonly values: readonly number[];
  /** Where the minimum is, drawn as a marker. */
  readonly minimum?: readonly [number, number];
}

const range = z.tuple([z.number(), z.number()]).refine(([a, b]) => a < b, 'a range needs min < max');

/** Schema of {@link PathSurface}. */
export const pathSurfaceSchema: z.ZodType<PathSurface> = z
  .object({
    name: nameSchema,
    x: range,
    y: range,
    nx: z.number().int().min(2).max(1000),
    ny: z.number().int().min(2).max(1000),
    values: numbers,
    minimum: z.tuple([z.number(), z.number()]).optional(),
  })
  .refine((s) => s.values.length === s.nx * s.ny, 'surface values must be nx × ny');

/** A point of an optimizer's path over a 2D surface, as a run emits it (frames carry {@link PathColumns}). */
export interface PathPoint {
  readonly step: number;
  readonly x: number;
  readonly y: number;
}

/** Points of an optimizer's path, as columns. */
export interface PathColumns {
  readonly step: readonly number[];
  readonly x: readonly number[];
  readonly y: readonly number[];
}

/** Schema of {@link PathColumns}. */
export const pathColumnsSchema: z.ZodType<PathColumns> = z
  .object({ step: numbers, x: numbers, y: numbers })
  .refine((p) => p.x.length === p.step.length && p.y.length === p.step.length, 'path columns differ');
