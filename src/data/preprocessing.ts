// What turns a raw sample into the network's input row, and the network's output into an answer:
// plain JSON data, fitted once on the training split (CSV: standardization and one-hot vocabularies;
// IDX: the pixel scale) and stored with the run and its checkpoints, so export (ONNX graph nodes,
// safetensors metadata) and `predict` apply exactly what training applied.

/** A numeric column: standardized as (x − mean) / std with the training split's mean and std. */
export interface NumberColumn {
  readonly kind: 'number';
  /** The column's header (or `column N`, 1-based, when the file has no header). */
  readonly name: string;
  readonly mean: number;
  /** Population std of the training split; 1 when the column is constant there. */
  readonly std: number;
}

/** A text column: one-hot over the training split's values, in this order; an unseen value is all zeros. */
export interface CategoryColumn {
  readonly kind: 'category';
  readonly name: string;
  readonly values: readonly string[];
}

/** One input column of a table and how it is encoded (a number column is 1 feature, a category one per value). */
export type ColumnEncoding = NumberColumn | CategoryColumn;

/** How raw input becomes the network's input row. */
export type InputEncoding =
  /** IDX / MNIST: `features` raw values (bytes 0–255 for MNIST) times `scale` (1/255). */
  | { readonly kind: 'scale'; readonly features: number; readonly scale: number }
  /** A table: the columns in this order, each encoded as its entry says, concatenated. */
  | { readonly kind: 'table'; readonly columns: readonly ColumnEncoding[] };

/** What the network's outputs mean. */
export type OutputEncoding =
  /** Classification: output i is the logit of class `names[i]` (`'0'`…`'9'` for MNIST). */
  | { readonly kind: 'classes'; readonly names: readonly string[] }
  /** Regression: output i is the target column `names[i]`, in the data's own units (targets are not scaled). */
  | { readonly kind: 'targets'; readonly names: readonly string[] };

/** The model's preprocessing and output meaning, stored with a run and its checkpoints. */
export interface Preprocessing {
  readonly version: 1;
  readonly input: InputEncoding;
  readonly output: OutputEncoding;
}

/** Features the network sees per sample after `input` is applied. */
export function encodedWidth(input: InputEncoding): number {
  if (input.kind === 'scale') return input.features;
  let width = 0;
  for (const column of input.columns) width += column.kind === 'number' ? 1 : column.values.length;
  return width;
}

/** Outputs of the network for `output`: classes or target columns. */
export function outputWidth(output: OutputEncoding): number {
  return output.names.length;
}

/** The preprocessing of an IDX dataset of `features` values per sample scaled by `scale`, with `classes` classes. */
export function scalePreprocessing(features: number, scale: number, classes: number): Preprocessing {
  return {
    version: 1,
    input: { kind: 'scale', features, scale },
    output: { kind: 'classes', names: Array.from({ length: classes }, (_, i) => String(i)) },
  };
}
