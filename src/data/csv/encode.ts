// Raw cells → the network's input row, with a fitted table preprocessing: what `predict` runs on the
// rows it reads, and what the loader's encoding is checked against.

import { GradstreamError } from '../../errors.js';
import { type ColumnEncoding, encodedWidth, type Preprocessing } from '../preprocessing.js';
import { isMissing, parseNumber } from './cells.js';

/** Encodes rows of raw cells for one table preprocessing (lookups built once). */
export interface RowEncoder {
  /** The input columns, in the order `encode` takes their cells. */
  readonly columns: readonly string[];
  /** Floats one row becomes. */
  readonly width: number;
  /**
   * Writes the encoded row of `cells` (one per input column, in `columns` order) to `out` at
   * `offset`: a number column standardized, a text column one-hot (an unseen value all zeros).
   * Returns -1, or the index of the first cell that could not be encoded (missing, not a number in a
   * number column, or standardized beyond float32's range); then the row in `out` is incomplete.
   */
  encode(cells: readonly string[], out: Float32Array, offset: number): number;
}

/**
 * The row encoder of a table preprocessing (`Dataset.preprocessing` of a CSV dataset, or a
 * checkpoint's `preprocessing`).
 *
 * @throws GradstreamError `ERR_INVALID_OPTION` when the preprocessing is not a table's.
 * @example
 * const encoder = createRowEncoder(checkpoint.preprocessing);
 * const row = new Float32Array(encoder.width);
 * if (encoder.encode(['0.5', '-1.2', 'red'], row, 0) >= 0) throw new Error('bad cell');
 */
export function createRowEncoder(preprocessing: Preprocessing): RowEncoder {
  const { input } = preprocessing;
  if (input.kind !== 'table')
    throw new GradstreamError(
      'ERR_INVALID_OPTION',
      `createRowEncoder: preprocessing.input.kind must be "table", got ${JSON.stringify(input.kind)}`,
    );
  const columns = input.columns;
  const width = encodedWidth(input);
  const lookups = columns.map((c: ColumnEncoding) =>
    c.kind === 'category' ? new Map(c.values.map((v, i) => [v, i])) : undefined,
  );
  const offsets = new Int32Array(columns.length);
  for (let j = 1; j < columns.length; j++) {
    const before = columns[j - 1];
    offsets[j] = offsets[j - 1] + (before.kind === 'number' ? 1 : before.values.length);
  }
  return {
    columns: columns.map((c) => c.name),
    width,
    encode(cells, out, offset) {
      out.fill(0, offset, offset + width);
      for (let j = 0; j < columns.length; j++) {
        const cell = cells[j];
        if (cell === undefined || isMissing(cell)) return j;
        const column = columns[j];
        if (column.kind === 'number') {
          const value = parseNumber(cell);
          if (Number.isNaN(value)) return j;
          const encoded = Math.fround((value - column.mean) / column.std);
          if (!Number.isFinite(encoded)) return j;
          out[offset + offsets[j]] = encoded;
        } else {
          const at = lookups[j]!.get(cell.trim());
          if (at !== undefined) out[offset + offsets[j] + at] = 1;
        }
      }
      return -1;
    },
  };
}

/**
 * One row encoded with `preprocessing` (see {@link createRowEncoder}; build the encoder once for
 * many rows). Returns -1 or the index of the first cell that could not be encoded.
 *
 * @example
 * const out = new Float32Array(encodedWidth(p.input));
 * encodeRow(p, ['0.5', 'red'], out, 0); // -1
 */
export function encodeRow(
  preprocessing: Preprocessing,
  cells: readonly string[],
  out: Float32Array,
  offset = 0,
): number {
  return createRowEncoder(preprocessing).encode(cells, out, offset);
}
