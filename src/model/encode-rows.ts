// Raw table rows as a program holds them (objects keyed by column, or arrays in column order, of
// strings or numbers) → the network's input rows, with a model's fitted table preprocessing. The
// cell rules (missing cells, plain decimal numbers, one-hot with unseen values as zeros) are the CSV
// loader's own encoder's (src/data/csv/encode.ts), so a row predicts as the same CSV line would.

import { isMissing } from '../data/csv/cells.js';
import { createRowEncoder } from '../data/csv/encode.js';
import type { Preprocessing } from '../data/preprocessing.js';
import { describeValue, GradstreamError } from '../errors.js';

/** One cell of a raw row: text as in a CSV file, or a number; null or undefined is a missing value. */
export type RawCell = string | number | null | undefined;

/** One raw row: the model's input columns by name, or all of them in the model's column order. */
export type RawRow = Readonly<Record<string, RawCell>> | readonly RawCell[];

/** Encodes raw rows for one table preprocessing (lookups and a cell buffer built once). */
export interface RawRowEncoder {
  /** The input columns, in order. */
  readonly columns: readonly string[];
  /** Floats one row becomes (the network's input size). */
  readonly width: number;
  /**
   * Encodes `rows[first .. first + count)` into `out` from row 0, row-major. Allocates nothing for
   * text cells (numbers are turned into their text once each).
   *
   * @throws GradstreamError `ERR_DATA_FORMAT` naming the row (its index in `rows`) and the column of
   *   a missing or non-numeric value, or an array row of the wrong length.
   */
  encode(rows: readonly RawRow[], first: number, count: number, out: Float32Array): void;
}

/**
 * The raw-row encoder of a table preprocessing (a model's or a checkpoint's `preprocessing`).
 *
 * @example
 * const encoder = createRawRowEncoder(model.preprocessing);
 * const input = new Float32Array(2 * encoder.width);
 * encoder.encode([{ age: 41, colour: 'red' }, [37, 'blue']], 0, 2, input);
 */
export function createRawRowEncoder(preprocessing: Preprocessing): RawRowEncoder {
  const encoder = createRowEncoder(preprocessing);
  const { columns, width } = encoder;
  const cells: string[] = new Array(columns.length).fill('');
  const cellText = (cell: RawCell): string =>
    cell === null || cell === undefined ? '' : typeof cell === 'number' ? String(cell) : cell;
  return {
    columns,
    width,
    encode(rows, first, count, out) {
      for (let i = 0; i < count; i++) {
        const row = rows[first + i];
        if (Array.isArray(row)) {
          if (row.length !== columns.length)
            throw new GradstreamError(
              'ERR_DATA_FORMAT',
              `row ${first + i} has ${row.length} values, the model takes ${columns.length} columns (${columns.join(', ')})`,
            );
          for (let j = 0; j < columns.length; j++) cells[j] = cellText(row[j]);
        } else if (typeof row === 'object' && row !== null) {
          const named = row as Readonly<Record<string, RawCell>>;
          for (let j = 0; j < columns.length; j++) cells[j] = cellText(named[columns[j]]);
        } else {
          throw new GradstreamError(
            'ERR_DATA_FORMAT',
            `row ${first + i} must be an object keyed by column or an array of ${columns.length} values, got ${describeValue(row)}`,
          );
        }
        const bad = encoder.encode(cells, out, i * width);
        if (bad >= 0) {
          throw new GradstreamError(
            'ERR_DATA_FORMAT',
            `row ${first + i}, column ${JSON.stringify(columns[bad])}: ${
              isMissing(cells[bad])
                ? `missing value ${describeValue(cells[bad])}`
                : `${describeValue(cells[bad])} is not a number (a number column)`
            }`,
            { cause: { row: first + i, column: columns[bad] } },
          );
        }
      }
    },
  };
}
