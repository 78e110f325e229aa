// The public surface of gradstream's data module: re-exports only.

export { batchCount, createBatchBuffers, epochOrder, gatherBatch, gatherLabels } from './batch.js';
export {
  type ColumnRef,
  type CsvDataset,
  type CsvMissing,
  type CsvOptions,
  type CsvTask,
  createRowEncoder,
  encodeRow,
  loadCsv,
  type RowEncoder,
} from './csv/index.js';
export {
  type Dataset,
  type FromArraysOptions,
  fromArrays,
  fromAsyncIterable,
  type SplitOptions,
  splitRows,
  splitValidation,
  subset,
  take,
} from './dataset.js';
export {
  type IdxArray,
  type IdxData,
  type IdxHeader,
  type IdxType,
  parseIdx,
  readIdxFile,
  readIdxHeader,
} from './idx.js';
export { datasetRegion, declareDataset, placeDataset, viewDataset } from './in-arena.js';
export { defaultMnistDir, loadMnist, MNIST_FILES, type MnistOptions, readIdxDataset } from './mnist.js';
export {
  type CategoryColumn,
  type ColumnEncoding,
  encodedWidth,
  type InputEncoding,
  type NumberColumn,
  type OutputEncoding,
  outputWidth,
  type Preprocessing,
  scalePreprocessing,
} from './preprocessing.js';
