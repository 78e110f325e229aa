// CSV tables: `loadCsv` (streamed, fitted on the training rows) and the row encoder predict reuses.

export { isMissing, MISSING_CELLS, parseNumber } from './cells.js';
export { createRowEncoder, encodeRow, type RowEncoder } from './encode.js';
export { type CsvDataset, loadCsv } from './load.js';
export {
  AUTO_MAX_CLASSES,
  type ColumnRef,
  CSV_MAX_BYTES,
  CSV_MAX_CATEGORIES,
  CSV_MAX_CLASSES,
  CSV_MISSING,
  CSV_TASKS,
  type CsvMissing,
  type CsvOptions,
  type CsvTask,
} from './options.js';
