// `gradstream predict RUN|MODEL.safetensors [--data DIR|FILE.csv] [--out preds.csv]`: a stored run's
// model (its newest checkpoint, or --step N) or an exported file, over an IDX test pair (default: the
// bundled MNIST test set) or a CSV table encoded with the model's stored preprocessing. One CSV row a
// sample; the accuracy (or RMSE) on stderr when the data has labels (or targets).

import { closeSync, existsSync, openSync, statSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { defaultMnistDir, MNIST_FILES, readIdxDataset } from '../data/mnist.js';
import { GradstreamError } from '../errors.js';
import { loadModel, type Model } from '../model/load-model.js';
import { csvSource, datasetSource, type PredictChunk, type PredictSource } from '../model/predict-sources.js';
import { predictRun } from '../model/run-model.js';
import { significant } from './eval-text.js';
import { positiveInt } from './table.js';

/** Rows predicted at once: the CSV's lines written per chunk. */
const CHUNK_ROWS = 256;
/** A progress line at most this often, on a terminal. */
const PROGRESS_MS = 1000;

interface PredictOptions {
  data?: string;
  out?: string;
  store: string;
  step?: string;
  label?: string;
}

/** Adds `predict` to the program. */
export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description(
      "predict with a stored run's model or an exported .safetensors file: one CSV row a sample, and the accuracy (or RMSE) where the data has labels",
    )
    .argument(
      '<model>',
      'run id, unique id prefix or unique name, or a .safetensors file from `gradstream export`',
    )
    .option(
      '--data <path>',
      'a folder of IDX files (its t10k-* test pair) or a CSV table (default: the bundled MNIST test set)',
    )
    .option('--out <file>', 'write the predictions here (default: stdout)')
    .option('--label <column>', "CSV: a classifier's label column (default: the run's data.label)")
    .option('--step <n>', "a run's checkpoint of this step (default: the newest)")
    .option('--store <dir>', 'run store folder', 'runs')
    .action(async (ref: string, options: PredictOptions) => {
      const step = options.step === undefined ? undefined : positiveInt('--step', options.step);
      const { model, label, about } = openModel(ref, options.store, step);
      const source = await openSource(model, options.data, options.label ?? label);
      const out = options.out === undefined ? stdoutLines() : fileLines(resolve(options.out));
      let summary: Awaited<ReturnType<typeof writePredictions>>;
      try {
        summary = await writePredictions(model, source, out.write);
      } finally {
        out.close();
      }
      const where = options.out === undefined ? '' : ` to ${resolve(options.out)}`;
      process.stderr.write(
        `gradstream: predicted ${summary.rows} rows of ${source.name} with ${about}${where}\n`,
      );
      if (summary.line) process.stderr.write(`gradstream: ${summary.line}\n`);
    });
}

/** The model of `ref`: a `.safetensors` file, else a stored run; with the run's CSV label column. */
function openModel(ref: string, store: string, step: number | undefined) {
  if (ref.endsWith('.safetensors')) {
    if (step !== undefined)
      throw new GradstreamError(
        'ERR_INVALID_OPTION',
        `predict: --step is for a run, ${ref} is one model file`,
      );
    const model = loadModel(resolve(ref));
    return { model, label: undefined, about: `the model ${resolve(ref)}` };
  }
  const run = predictRun(store, ref, step);
  // A CSV run's label column (`data.label`), to score the predictions against.
  const label = (run.config.data as { label?: unknown }).label;
  return {
    model: run.model,
    label: typeof label === 'string' ? label : undefined,
    about: `run ${run.runId} at step ${run.step}`,
  };
}

async function openSource(
  model: Model,
  data: string | undefined,
  label: string | undefined,
): Promise<PredictSource> {
  if (data !== undefined && /\.csv$/i.test(data))
    return csvSource(resolve(data), model, { label, chunkRows: CHUNK_ROWS });
  const dir = data === undefined ? defaultMnistDir() : resolve(data);
  if (data !== undefined && (!existsSync(dir) || !statSync(dir).isDirectory()))
    throw new GradstreamError(
      'ERR_DATA_FORMAT',
      `predict: --data ${dir} is neither a folder of IDX files nor a .csv file`,
    );
  const images = join(dir, MNIST_FILES.testImages);
  const labels = join(dir, MNIST_FILES.testLabels);
  const name = data === undefined ? 'mnist/test' : images;
  return datasetSource(readIdxDataset(images, labels, name), model, CHUNK_ROWS);
}

/** Where the CSV goes: `write` a chunk's lines, then `close`. */
interface Lines {
  readonly write: (text: string) => Promise<void>;
  readonly close: () => void;
}

/** stdout, waiting when it asks to (a slow pipe). */
function stdoutLines(): Lines {
  return {
    write: async (text) => {
      if (!process.stdout.write(text)) await new Promise<void>((done) => process.stdout.once('drain', done));
    },
    close: () => {},
  };
}

/** A file written synchronously: a path that cannot be opened, or a full disk, is one line. */
function fileLines(path: string): Lines {
  const fail = (error: unknown, what: string, code: 'ERR_INVALID_OPTION' | 'ERR_WRITE') =>
    new GradstreamError(
      code,
      `predict: --out ${path} ${what} (${(error as NodeJS.ErrnoException).code ?? error})`,
      {
        cause: error,
      },
    );
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (error) {
    throw fail(error, 'cannot be opened for writing', 'ERR_INVALID_OPTION');
  }
  return {
    write: async (text) => {
      try {
        writeSync(fd, text);
      } catch (error) {
        throw fail(error, 'cannot be written', 'ERR_WRITE');
      }
    },
    close: () => closeSync(fd),
  };
}

const cell = (v: number) => Number(v.toPrecision(9)).toString();
/** A name as a CSV cell: quoted when it holds a comma, quote or line break. */
const csvCell = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);

/**
 * Predicts every chunk of `source` and writes the CSV: `index`, the label (or target columns) where
 * the data has them, `prediction` (or `prediction_<name>` for several targets), and for a classifier
 * `p_<class>` per class. Returns the rows and the metric line.
 */
export async function writePredictions(
  model: Model,
  source: PredictSource,
  write: (text: string) => Promise<void>,
): Promise<{ rows: number; line: string | undefined }> {
  const { output } = model.preprocessing;
  const classifier = output.kind === 'classes';
  const names = output.names;
  const head = ['index'];
  if (source.truth) head.push(...(classifier ? ['label'] : names));
  if (classifier) head.push('prediction', ...names.map((n) => `p_${n}`));
  else head.push(...(names.length === 1 ? ['prediction'] : names.map((n) => `prediction_${n}`)));
  await write(`${head.map(csvCell).join(',')}\n`);
  let rows = 0;
  let correct = 0;
  let squaredError = 0;
  let absoluteError = 0;
  let shownAt = Date.now();
  const tty = process.stderr.isTTY === true;
  for await (const chunk of source.chunks) {
    const p = model.predict(chunk.input);
    await write(lines(chunk, p.values, p.classes));
    rows += chunk.count;
    if (chunk.labels) for (let i = 0; i < chunk.count; i++) if (chunk.labels[i] === p.classes[i]) correct++;
    if (chunk.targets)
      for (let i = 0; i < chunk.targets.length; i++) {
        const e = p.values[i] - chunk.targets[i];
        squaredError += e * e;
        absoluteError += Math.abs(e);
      }
    if (tty && Date.now() - shownAt >= PROGRESS_MS) {
      shownAt = Date.now();
      process.stderr.write(`\rgradstream: predicted ${rows}${source.rows ? ` of ${source.rows}` : ''} rows…`);
    }
  }
  if (tty) process.stderr.write('\r\x1b[K');
  let line: string | undefined;
  if (source.truth && rows > 0) {
    if (classifier)
      line = `accuracy ${(100 * (correct / rows)).toFixed(2)}% (${correct}/${rows} correct; ${correct / rows})`;
    else {
      const elements = rows * names.length;
      line = `RMSE ${significant(Math.sqrt(squaredError / elements))}, MAE ${significant(absoluteError / elements)} (${rows} rows)`;
    }
  }
  return { rows, line };

  function lines(chunk: PredictChunk, values: Float32Array, classes: Int32Array): string {
    const width = names.length;
    let text = '';
    for (let i = 0; i < chunk.count; i++) {
      const row: string[] = [String(chunk.first + i)];
      if (chunk.labelText) row.push(csvCell(chunk.labelText[i]));
      if (chunk.targets) for (let t = 0; t < width; t++) row.push(cell(chunk.targets[i * width + t]));
      if (classifier) row.push(csvCell(names[classes[i]]));
      for (let j = 0; j < width; j++) row.push(cell(values[i * width + j]));
      text += `${row.join(',')}\n`;
    }
    return text;
  }
}
