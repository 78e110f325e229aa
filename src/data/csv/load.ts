// `loadCsv`: a CSV table streamed into a Dataset. Rows are read once into column stores (numbers,
// or codes into a text column's dictionary); the preprocessing is then fitted on the training rows
// only (or a given one applied), and the rows encoded into one float matrix.

import { basename } from 'node:path';
import { invalidOption } from '../../errors.js';
import { type Dataset, splitRows } from '../dataset.js';
import type { ColumnEncoding, OutputEncoding, Preprocessing } from '../preprocessing.js';
import { isMissing, isNumberCell, parseNumber, showCell } from './cells.js';
import { CodeStore, Dictionary, NumberStore } from './columns.js';
import { columnNames, listNames, looksLikeHeader, resolveColumn } from './header.js';
import {
  AUTO_MAX_CLASSES,
  type CheckedCsvOptions,
  CSV_MAX_CLASSES,
  type CsvOptions,
  checkCsvOptions,
} from './options.js';
import { type CsvRecord, csvError, csvRecords } from './records.js';

/** A CSV table as a Dataset, with its preprocessing and what was left out. */
export interface CsvDataset extends Dataset {
  readonly preprocessing: Preprocessing;
  readonly task: 'classification' | 'regression';
  /** Rows left out by `missing: 'drop'`. */
  readonly dropped: number;
  /** The first dropped row's problem (`row 5, column "x": missing value`), when any was dropped. */
  readonly firstDropped: string | undefined;
}

/** A code of a text column a given vocabulary does not hold (encoded as zeros). */
const UNSEEN = 0xffffffff;
/** Rows between memory checks while streaming. */
const CHECK_EVERY = 4096;
/** The largest float32: inputs and targets are float32, so a number beyond it cannot be held. */
const F32_MAX = 3.4028234663852886e38;

type Kind = 'unknown' | 'number' | 'text';

/** One column being read: its kind (fixed by its first value, or by the preprocessing) and its values. */
interface ColumnState {
  readonly index: number;
  readonly name: string;
  kind: Kind;
  /** Where the kind was decided: `row 2` (or `the preprocessing`, `task regression`). */
  decided: string;
  readonly numbers: NumberStore;
  readonly codes: CodeStore;
  /** Fitting: the column's values as they come. */
  readonly dictionary: Dictionary;
  /** Applying: value → position in the given vocabulary or classes. */
  readonly fixed: Map<string, number> | undefined;
  /** `task: 'auto'` on a numeric label: distinct values up to AUTO_MAX_CLASSES + 1, and any fraction. */
  readonly distinct: Set<number>;
  fractional: boolean;
}

function columnState(index: number, name: string, kind: Kind, decided: string, fixed?: Map<string, number>) {
  const state: ColumnState = {
    index,
    name,
    kind,
    decided,
    numbers: new NumberStore(),
    codes: new CodeStore(),
    dictionary: new Dictionary(),
    fixed,
    distinct: new Set(),
    fractional: false,
  };
  return state;
}

/** The table being read: columns, counts, and the options' limits. */
interface Reader {
  readonly path: string;
  readonly options: CheckedCsvOptions;
  readonly width: number;
  readonly header: boolean;
  readonly inputs: ColumnState[];
  readonly labels: ColumnState[];
  /** Applying a classification preprocessing: label text → class index. */
  readonly classes: Map<string, number> | undefined;
  rows: number;
  /** The line of each kept row, for the messages of the encoding. */
  readonly lines: CodeStore;
  dropped: number;
  firstDropped: string | undefined;
}

/**
 * Loads a CSV table as a Dataset, streamed (the file is never held as one string).
 *
 * - **Header**: `header: 'auto'` takes the first row as a header when it holds a column name the
 *   options name, or when one of its cells is text above a number; without a header, columns are
 *   `column 1`, `column 2`, … and may be named by 1-based number.
 * - **Types**: a column's first value decides it: a number makes it numeric (later text in it is an
 *   unparsable cell), text makes it a text column. Missing: an empty cell or `NA`, `N/A`, `NaN`,
 *   `null`, `?`.
 * - **Inputs**: numeric columns standardized with the training rows' mean and population std (1 for
 *   a constant column); text columns one-hot over the training rows' values, sorted (a value seen
 *   only in validation or test rows encodes as zeros). Fitted on the rows `split` leaves for training.
 * - **Labels**: `task: 'auto'` is regression when every label column is numeric and holds a fraction
 *   or more than 20 distinct values (several label columns: always regression), else classification.
 *   Classes are the label's distinct values over all rows, sorted (numbers by value), as
 *   `preprocessing.output.names`. Regression targets go to `targets` (rows × label columns), labels 0.
 * - **Rows**: a row with a missing or unparsable cell (or the wrong number of cells) fails the load
 *   naming the file, row (its 1-based line) and column, or with `missing: 'drop'` is left out and
 *   counted (`dropped`).
 * - **Limits**: rows × encoded features × 4 bytes within `maxBytes` (4 GiB); a text input column
 *   within `maxCategories` (1,000) values; at most 256 classes.
 *
 * @throws GradstreamError `ERR_DATA_FORMAT` naming the file (and row and column) for any of the above,
 *   `ERR_INVALID_OPTION` for an option out of its range.
 * @example
 * const table = await loadCsv('iris.csv', { label: 'species', split: { fraction: 0.1, seed: 1 } });
 * const { train, validation } = splitValidation(table, { fraction: 0.1, seed: 1 });
 */
export async function loadCsv(path: string, options: CsvOptions): Promise<CsvDataset> {
  const o = checkCsvOptions(options);
  const records = csvRecords(path);
  try {
    const first = await records.next();
    if (first.done) throw csvError(path, 'no rows: the file is empty');
    const second = await records.next();
    const reader = openTable(path, o, first.value.cells, second.done ? undefined : second.value.cells);
    const pending = reader.header ? [] : [first.value];
    if (!second.done) pending.push(second.value);
    for (const record of pending) if (!readRow(reader, record)) break;
    if (reader.rows < o.limit) {
      for await (const record of records) if (!readRow(reader, record)) break;
    }
    return finish(reader, options.name ?? basename(path));
  } finally {
    await records.return(undefined);
  }
}

/** Resolves the header and columns, and the kind each column is read as. */
function openTable(
  path: string,
  o: CheckedCsvOptions,
  first: readonly string[],
  second: readonly string[] | undefined,
): Reader {
  const given = o.preprocessing;
  const givenColumns = given?.input.kind === 'table' ? given.input.columns : [];
  const named = [...o.labels, ...(o.features ?? []), ...givenColumns.map((c) => c.name)].filter(
    (r): r is string => typeof r === 'string',
  );
  const header = o.header === 'auto' ? looksLikeHeader(first, second, named) : o.header;
  const names = columnNames(path, first, header);
  const resolve = (ref: string | number, option: string) => resolveColumn(path, names, ref, option, header);
  const labelIndices = o.labels.map((ref) => resolve(ref, 'label'));
  const regression =
    given !== undefined ? given.output.kind === 'targets' : o.task === 'regression' || o.labels.length > 1;
  if (o.labels.length > 1 && o.task === 'classification')
    invalidOption('loadCsv', 'label', 'one column for classification', o.labels);
  if (given && given.output.kind === 'targets' && given.output.names.length !== labelIndices.length)
    invalidOption(
      'loadCsv',
      'label',
      `${given.output.names.length} column(s), as the preprocessing's targets`,
      o.labels,
    );
  // A regression label is numeric from the start; a given classification's labels are class names.
  const labels = labelIndices.map((index) =>
    regression
      ? columnState(index, names[index], 'number', 'regression needs numbers')
      : columnState(index, names[index], given ? 'text' : 'unknown', given ? 'the preprocessing' : ''),
  );
  let inputs: ColumnState[];
  if (given) {
    inputs = givenColumns.map((c: ColumnEncoding) => {
      const index = resolve(c.name, 'preprocessing column');
      return c.kind === 'number'
        ? columnState(index, names[index], 'number', 'the preprocessing')
        : columnState(
            index,
            names[index],
            'text',
            'the preprocessing',
            new Map(c.values.map((v, i) => [v, i])),
          );
    });
  } else {
    const indices = o.features
      ? o.features.map((ref) => resolve(ref, 'features'))
      : names.map((_, i) => i).filter((i) => !labelIndices.includes(i));
    inputs = indices.map((index) => columnState(index, names[index], 'unknown', ''));
  }
  const labelSet = new Set(labelIndices);
  const both = inputs.find((c) => labelSet.has(c.index));
  if (both) throw csvError(path, `column ${JSON.stringify(both.name)} is both a label and a feature`);
  if (inputs.length === 0) throw csvError(path, 'no feature columns: every column is a label');
  const classes =
    given?.output.kind === 'classes' ? new Map(given.output.names.map((n, i) => [n, i])) : undefined;
  return {
    path,
    options: o,
    width: first.length,
    header,
    inputs,
    labels,
    classes,
    rows: 0,
    lines: new CodeStore(),
    dropped: 0,
    firstDropped: undefined,
  };
}

/** Reusable per-row scratch: the parsed numbers of the row's columns before the row is kept. */
let scratch = new Float64Array(64);

/** The problem with `cell` of `column` (or undefined), its number parsed into `scratch[at]`. */
function cellProblem(column: ColumnState, cell: string | undefined, at: number): string | undefined {
  const where = `column ${JSON.stringify(column.name)}`;
  if (cell === undefined || isMissing(cell)) return `${where}: missing value`;
  const kind = column.kind === 'unknown' ? (isNumberCell(cell) ? 'number' : 'text') : column.kind;
  if (kind !== 'number') return undefined;
  const value = parseNumber(cell);
  if (Number.isNaN(value))
    return `${where}: ${showCell(cell)} is not a number (the column is numeric: ${column.decided})`;
  if (Math.abs(value) > F32_MAX) return `${where}: ${showCell(cell)} is beyond float32's range (±${F32_MAX})`;
  scratch[at] = value;
  return undefined;
}

/** Reads one record into the stores (or drops it); false once `limit` rows are kept. */
function readRow(r: Reader, record: CsvRecord): boolean {
  const { cells, line } = record;
  const columns = r.inputs.length + r.labels.length;
  if (scratch.length < columns) scratch = new Float64Array(columns);
  let problem: string | undefined;
  if (cells.length !== r.width)
    problem = `has ${cells.length} cells, ${r.header ? 'the header has' : 'the first row has'} ${r.width}`;
  for (let j = 0; j < columns && problem === undefined; j++) {
    const column = j < r.inputs.length ? r.inputs[j] : r.labels[j - r.inputs.length];
    problem = cellProblem(column, cells[column.index], j);
  }
  if (problem !== undefined) {
    const message = `row ${line}, ${problem}`;
    if (r.options.missing === 'error') throw csvError(r.path, message, { path: r.path, row: line });
    r.dropped++;
    r.firstDropped ??= message;
    return true;
  }
  for (let j = 0; j < columns; j++) {
    const isInput = j < r.inputs.length;
    const column = isInput ? r.inputs[j] : r.labels[j - r.inputs.length];
    const cell = cells[column.index];
    if (column.kind === 'unknown') {
      column.kind = isNumberCell(cell) ? 'number' : 'text';
      column.decided = `its first value, row ${line}, is ${column.kind === 'number' ? 'a number' : 'text'}`;
    }
    if (column.kind === 'number') {
      const value = scratch[j];
      column.numbers.push(value);
      if (!isInput && column.distinct.size <= AUTO_MAX_CLASSES) column.distinct.add(value);
      if (!isInput && !Number.isInteger(value)) column.fractional = true;
    } else if (isInput) column.codes.push(textCode(r, column, cell.trim(), line));
    else column.codes.push(classCode(r, column, cell.trim(), line));
  }
  r.rows++;
  r.lines.push(line);
  if (r.rows % CHECK_EVERY === 0) checkMemory(r, r.rows);
  return r.rows < r.options.limit;
}

/** A text input cell's code: its dictionary code (fitting) or its vocabulary position (applying). */
function textCode(r: Reader, column: ColumnState, value: string, line: number): number {
  if (column.fixed) return column.fixed.get(value) ?? UNSEEN;
  const code = column.dictionary.code(value);
  if (column.dictionary.size > r.options.maxCategories)
    throw csvError(
      r.path,
      `column ${JSON.stringify(column.name)} has more than ${r.options.maxCategories} distinct values ` +
        `(row ${line} holds value ${column.dictionary.size}); a text column is one-hot encoded, one feature ` +
        `a value: leave it out of features (its ${column.decided})`,
      { path: r.path, column: column.name, limit: r.options.maxCategories },
    );
  return code;
}

/** A text label's code: its dictionary code (fitting) or its class index (applying). */
function classCode(r: Reader, column: ColumnState, value: string, line: number): number {
  if (r.classes) {
    const known = r.classes.get(value) ?? r.classes.get(String(parseNumber(value)));
    if (known === undefined)
      throw csvError(
        r.path,
        `row ${line}, column ${JSON.stringify(column.name)}: class ${showCell(value)} is not one of the ` +
          `training classes (${listNames([...r.classes.keys()])})`,
        { path: r.path, row: line, column: column.name },
      );
    return known;
  }
  const code = column.dictionary.code(value);
  if (column.dictionary.size > CSV_MAX_CLASSES)
    throw csvError(
      r.path,
      `label column ${JSON.stringify(column.name)} has more than ${CSV_MAX_CLASSES} classes (row ${line}); ` +
        'a label with this many values is a regression target: give numbers and task regression',
    );
  return code;
}

/** Features a row encodes to, as far as the vocabularies seen so far tell. */
function encodedSoFar(r: Reader): number {
  let width = 0;
  for (const c of r.inputs)
    width += c.kind !== 'text' ? 1 : c.fixed ? c.fixed.size : Math.max(1, c.dictionary.size);
  return width;
}

/** Refuses a table whose encoded rows would not fit the kernels' memory. */
function checkMemory(r: Reader, rows: number, features = encodedSoFar(r)): void {
  const bytes = rows * features * 4;
  if (bytes <= r.options.maxBytes) return;
  throw csvError(
    r.path,
    `too big: ${rows} rows × ${features} encoded features × 4 bytes = ${bytes} bytes, ` +
      `more than the limit of ${r.options.maxBytes} bytes (the kernels' memory); ` +
      'use fewer rows (data.trainLimit) or fewer features',
    { path: r.path, rows, features, bytes, limit: r.options.maxBytes },
  );
}

/** Rows the preprocessing is fitted on: those `split` leaves for training (all without a split). */
function trainingRows(r: Reader): Uint8Array {
  const n = r.rows;
  const mask = new Uint8Array(n);
  const split = r.options.split;
  if (!split) return mask.fill(1);
  const held = Math.round(n * split.fraction);
  if (held < 1 || held > n - 1)
    invalidOption(
      'loadCsv',
      'split.fraction',
      `a share giving each part at least 1 of the ${n} rows`,
      split.fraction,
    );
  for (const row of splitRows(n, held, split.seed).trainRows) mask[row] = 1;
  return mask;
}

/** The encoding of one input column, fitted on the training rows (or the given one). */
function fitColumn(
  r: Reader,
  c: ColumnState,
  train: Uint8Array,
): { encoding: ColumnEncoding; remap?: Int32Array } {
  const n = r.rows;
  if (c.kind === 'number') {
    const given = r.options.preprocessing;
    if (given?.input.kind === 'table')
      return { encoding: given.input.columns.find((g) => g.name === c.name)! };
    const v = c.numbers.values;
    let count = 0;
    let sum = 0;
    for (let i = 0; i < n; i++) {
      if (!train[i]) continue;
      sum += v[i];
      count++;
    }
    const mean = sum / count;
    let squares = 0;
    for (let i = 0; i < n; i++) if (train[i]) squares += (v[i] - mean) ** 2;
    const std = Math.sqrt(squares / count);
    return { encoding: { kind: 'number', name: c.name, mean, std: std > 0 ? std : 1 } };
  }
  if (c.fixed) {
    const values = [...c.fixed.keys()];
    return { encoding: { kind: 'category', name: c.name, values } };
  }
  // The vocabulary of the training rows only, sorted; other codes map to -1 (all zeros).
  const seen = new Uint8Array(c.dictionary.size);
  for (let i = 0; i < n; i++) if (train[i]) seen[c.codes.codes[i]] = 1;
  const values = c.dictionary.values.filter((_, code) => seen[code]).sort();
  const position = new Map(values.map((v, i) => [v, i]));
  const remap = new Int32Array(c.dictionary.size);
  c.dictionary.values.forEach((v, code) => {
    remap[code] = position.get(v) ?? -1;
  });
  return { encoding: { kind: 'category', name: c.name, values }, remap };
}

/** Whether the label(s) make a regression, by the options and (`auto`) the values. */
function isRegression(r: Reader): boolean {
  const given = r.options.preprocessing;
  if (given) return given.output.kind === 'targets';
  if (r.options.task !== 'auto') return r.options.task === 'regression';
  if (r.labels.length > 1) return true;
  const [label] = r.labels;
  return label.kind === 'number' && (label.fractional || label.distinct.size > AUTO_MAX_CLASSES);
}

/** Classes of a single label column, and each row's class index. */
function fitClasses(r: Reader): { output: OutputEncoding; labels: Uint8Array } {
  const [label] = r.labels;
  const n = r.rows;
  const labels = new Uint8Array(n);
  const given = r.options.preprocessing;
  if (given?.output.kind === 'classes') {
    // classCode stored each row's class index already.
    labels.set(label.codes.codes.subarray(0, n));
    return { output: given.output, labels };
  }
  if (label.kind === 'text') {
    const names = [...label.dictionary.values].sort();
    const position = new Map(names.map((v, i) => [v, i]));
    const remap = label.dictionary.values.map((v) => position.get(v)!);
    for (let i = 0; i < n; i++) labels[i] = remap[label.codes.codes[i]];
    return { output: { kind: 'classes', names }, labels };
  }
  const values = label.numbers.values.subarray(0, n);
  const distinct = [...new Set(values)].sort((a, b) => a - b);
  if (distinct.length > CSV_MAX_CLASSES)
    throw csvError(
      r.path,
      `label column ${JSON.stringify(label.name)} has ${distinct.length} distinct values, more than ${CSV_MAX_CLASSES} classes; ` +
        'use task regression',
    );
  const position = new Map(distinct.map((v, i) => [v, i]));
  for (let i = 0; i < n; i++) labels[i] = position.get(values[i])!;
  return { output: { kind: 'classes', names: distinct.map(String) }, labels };
}

/** Fits (or applies) the preprocessing and encodes every row. */
function finish(r: Reader, name: string): CsvDataset {
  const n = r.rows;
  if (n === 0)
    throw csvError(
      r.path,
      r.dropped > 0
        ? `no rows left: all ${r.dropped} were dropped (the first: ${r.firstDropped})`
        : 'no data rows',
    );
  const train = trainingRows(r);
  const fitted = r.inputs.map((c) => fitColumn(r, c, train));
  const columns = fitted.map((f) => f.encoding);
  let features = 0;
  for (const c of columns) features += c.kind === 'number' ? 1 : c.values.length;
  if (features === 0)
    throw csvError(r.path, 'no features: every input column is text with no value in the training rows');
  checkMemory(r, n, features);
  const x = new Float32Array(n * features);
  let offset = 0;
  r.inputs.forEach((c, j) => {
    const encoding = columns[j];
    if (encoding.kind === 'number') {
      const { mean, std } = encoding;
      const v = c.numbers.values;
      for (let i = 0; i < n; i++) {
        const value = Math.fround((v[i] - mean) / std);
        // A tiny training std can blow a far value of another row beyond float32.
        if (!Number.isFinite(value))
          throw csvError(
            r.path,
            `row ${r.lines.codes[i]}, column ${JSON.stringify(c.name)}: ${v[i]} standardizes beyond float32's ` +
              `range (training rows' mean ${mean}, std ${std})`,
          );
        x[i * features + offset] = value;
      }
      offset += 1;
    } else {
      const { remap } = fitted[j];
      const codes = c.codes.codes;
      for (let i = 0; i < n; i++) {
        const at = remap ? remap[codes[i]] : codes[i] === UNSEEN ? -1 : codes[i];
        if (at >= 0) x[i * features + offset + at] = 1;
      }
      offset += encoding.values.length;
    }
  });
  const regression = isRegression(r);
  let output: OutputEncoding;
  let labels: Uint8Array;
  let targets: Float32Array | undefined;
  if (regression) {
    const k = r.labels.length;
    const bad = r.labels.find((c) => c.kind !== 'number');
    if (bad)
      throw csvError(
        r.path,
        `label column ${JSON.stringify(bad.name)} holds text (${bad.decided}); regression needs numbers`,
      );
    targets = new Float32Array(n * k);
    r.labels.forEach((c, t) => {
      for (let i = 0; i < n; i++) targets![i * k + t] = c.numbers.values[i];
    });
    output = { kind: 'targets', names: r.labels.map((c) => c.name) };
    labels = new Uint8Array(n);
  } else {
    ({ output, labels } = fitClasses(r));
  }
  const preprocessing: Preprocessing = { version: 1, input: { kind: 'table', columns }, output };
  return {
    name,
    n,
    features,
    classes: output.names.length,
    x,
    scale: 1,
    labels,
    ...(targets ? { targets } : {}),
    preprocessing,
    task: regression ? 'regression' : 'classification',
    dropped: r.dropped,
    firstDropped: r.firstDropped,
  };
}
