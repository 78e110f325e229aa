// The rows `gradstream predict` reads, in chunks a model predicts at once: an IDX image/label pair
// (raw pixels, labels as class indices) or a CSV table streamed and encoded with the model's own
// fitted preprocessing (no refitting), with its label or target columns when the file has them.

import { basename } from 'node:path';
import { isMissing, parseNumber, showCell } from '../data/csv/cells.js';
import { createRowEncoder } from '../data/csv/encode.js';
import { columnNames, listNames, looksLikeHeader } from '../data/csv/header.js';
import { csvError, csvRecords } from '../data/csv/records.js';
import type { Dataset } from '../data/dataset.js';
import { GradstreamError } from '../errors.js';
import type { Model } from './load-model.js';

/** Rows of one chunk, with what the data says about them. */
export interface PredictChunk {
  /** Index of the chunk's first row in the data. */
  readonly first: number;
  readonly count: number;
  /** The rows as `Model.predict` takes them: raw pixels (`scale`) or encoded table rows. */
  readonly input: Float32Array | Uint8Array;
  /** Classifier data with labels: each row's class index (-1: a label that is none of the model's classes). */
  readonly labels?: Int32Array;
  /** Each row's label as the data writes it (CSV text, or the class name). */
  readonly labelText?: readonly string[];
  /** Regression data with targets: count × targets, row-major. */
  readonly targets?: Float32Array;
}

/** A source of chunks and what it holds. */
export interface PredictSource {
  /** The data's name in messages (a file name). */
  readonly name: string;
  /** Rows in all, when known before reading (IDX); undefined for a streamed CSV. */
  readonly rows: number | undefined;
  /** Whether chunks carry `labels` (classifier) or `targets` (regression). */
  readonly truth: boolean;
  readonly chunks: AsyncIterable<PredictChunk>;
}

/**
 * The chunks of an IDX dataset (pixels and labels) for `model`.
 *
 * @throws GradstreamError `ERR_SHAPE_MISMATCH` naming both feature counts when the images do not fit
 *   the model; `ERR_INVALID_OPTION` for a table or regression model.
 */
export function datasetSource(data: Dataset, model: Model, chunkRows: number): PredictSource {
  const { preprocessing, spec } = model;
  if (preprocessing.input.kind !== 'scale' || preprocessing.output.kind !== 'classes')
    throw new GradstreamError(
      'ERR_INVALID_OPTION',
      `predict: ${data.name} is IDX images, the model ${model.source} takes table rows (${preprocessing.input.kind} input, ${preprocessing.output.kind} output): pass --data FILE.csv`,
    );
  if (data.features !== spec.sizes[0])
    throw new GradstreamError(
      'ERR_SHAPE_MISMATCH',
      `predict: ${data.name} has ${data.features} features per sample, the model ${model.source} takes ${spec.sizes[0]}`,
      { cause: { data: data.features, model: spec.sizes[0] } },
    );
  const names = preprocessing.output.names;
  async function* chunks(): AsyncGenerator<PredictChunk> {
    const labels = new Int32Array(chunkRows);
    for (let first = 0; first < data.n; first += chunkRows) {
      const count = Math.min(chunkRows, data.n - first);
      for (let i = 0; i < count; i++) {
        const label = data.labels[first + i];
        labels[i] = label < names.length ? label : -1;
      }
      yield {
        first,
        count,
        input: data.x.subarray(first * data.features, (first + count) * data.features),
        labels: labels.subarray(0, count),
        labelText: Array.from(data.labels.subarray(first, first + count), (l) => names[l] ?? String(l)),
      };
    }
  }
  return { name: data.name, rows: data.n, truth: true, chunks: chunks() };
}

/** Options of {@link csvSource}. */
export interface CsvSourceOptions {
  /** A classifier's label column, when the file has it (its values are the class names). */
  readonly label?: string;
  readonly chunkRows: number;
}

/**
 * The chunks of a CSV table for a table model: its input columns read by name (by position,
 * `column N`, when the model was trained on a file without a header), encoded with the model's
 * preprocessing; the label column (`label`) or the target columns, when the file has them.
 *
 * @throws GradstreamError `ERR_DATA_FORMAT` naming the file and the missing columns, or the line and
 *   column of a cell the preprocessing cannot encode.
 */
export async function csvSource(
  path: string,
  model: Model,
  options: CsvSourceOptions,
): Promise<PredictSource> {
  const { preprocessing } = model;
  const { input, output } = preprocessing;
  if (input.kind !== 'table')
    throw new GradstreamError(
      'ERR_INVALID_OPTION',
      `predict: ${path} is a CSV table, the model ${model.source} takes ${input.features} pixel values per sample (IDX): pass --data DIR of IDX files`,
    );
  const inputs = input.columns.map((c) => c.name);
  const truthNames = output.kind === 'targets' ? [...output.names] : options.label ? [options.label] : [];
  const records = csvRecords(path);
  const head = await records.next();
  if (head.done) throw csvError(path, 'no rows: the file is empty');
  const second = await records.next();
  const header = looksLikeHeader(head.value.cells, second.done ? undefined : second.value.cells, [
    ...inputs,
    ...truthNames,
  ]);
  const names = columnNames(path, head.value.cells, header);
  const at = new Map(names.map((name, i) => [name, i]));
  const missing = inputs.filter((name) => !at.has(name));
  if (missing.length > 0)
    throw csvError(
      path,
      `the model's input column(s) ${listNames(missing)} are not in the file (its columns: ${listNames(names)})`,
    );
  if (options.label !== undefined && output.kind === 'classes' && !at.has(options.label))
    throw csvError(
      path,
      `the label column ${JSON.stringify(options.label)} is not in the file (its columns: ${listNames(names)})`,
    );
  // Targets count only when every one is there; a classifier's label when named and there.
  const truthAt = truthNames.every((n) => at.has(n)) ? truthNames.map((n) => at.get(n)!) : [];
  const inputAt = inputs.map((n) => at.get(n)!);
  const encoder = createRowEncoder(preprocessing);
  const classIndex = new Map(output.names.map((name, i) => [name, i]));
  const classByNumber = new Map(
    output.names.map((name, i) => [parseNumber(name), i] as const).filter(([v]) => !Number.isNaN(v)),
  );
  const rows = options.chunkRows;
  async function* chunks(): AsyncGenerator<PredictChunk> {
    const x = new Float32Array(rows * encoder.width);
    const labels = new Int32Array(rows);
    const targets = new Float32Array(rows * truthAt.length);
    const cells: string[] = new Array(inputs.length).fill('');
    let labelText: string[] = [];
    let count = 0;
    let first = 0;
    const pending = header ? [] : [head.value];
    if (!second.done) pending.push(second.value);
    const all = (async function* () {
      yield* pending;
      yield* records;
    })();
    try {
      for await (const { cells: row, line } of all) {
        if (row.length !== names.length)
          throw csvError(path, `row ${line} has ${row.length} cells, the header ${names.length}`);
        for (let j = 0; j < inputAt.length; j++) cells[j] = row[inputAt[j]];
        const bad = encoder.encode(cells, x, count * encoder.width);
        if (bad >= 0)
          throw csvError(
            path,
            `row ${line}, column ${JSON.stringify(inputs[bad])}: ${
              isMissing(cells[bad]) ? 'missing value' : `${showCell(cells[bad])} is not a number`
            } (the model's preprocessing cannot encode it)`,
          );
        if (truthAt.length > 0 && output.kind === 'classes') {
          const text = row[truthAt[0]].trim();
          labelText.push(text);
          labels[count] = classIndex.get(text) ?? classByNumber.get(parseNumber(text)) ?? -1;
        } else if (truthAt.length > 0) {
          for (let t = 0; t < truthAt.length; t++) {
            const value = parseNumber(row[truthAt[t]]);
            if (Number.isNaN(value))
              throw csvError(
                path,
                `row ${line}, column ${JSON.stringify(truthNames[t])}: ${showCell(row[truthAt[t]])} is not a number (a target column)`,
              );
            targets[count * truthAt.length + t] = value;
          }
        }
        if (++count === rows) {
          yield chunk();
          first += count;
          count = 0;
          labelText = [];
        }
      }
      if (count > 0) yield chunk();
    } finally {
      await records.return(undefined);
    }
    function chunk(): PredictChunk {
      const truth =
        truthAt.length === 0
          ? {}
          : output.kind === 'classes'
            ? { labels: labels.subarray(0, count), labelText }
            : { targets: targets.subarray(0, count * truthAt.length) };
      return { first, count, input: x.subarray(0, count * encoder.width), ...truth };
    }
  }
  return { name: basename(path), rows: undefined, truth: truthAt.length > 0, chunks: chunks() };
}
