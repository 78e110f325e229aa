// A CSV table as a run's data: fitted on exactly the rows splitValidation leaves for training, its
// shape checked against the model, its preprocessing carried by checkpoints (and checked there), and
// a resumed run's refit compared with the stored one.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildRun } from '../../src/config/build.js';
import { checkResumedPreprocessing, loadRunData, loadRunDataAsync } from '../../src/config/data.js';
import { parseConfig } from '../../src/config/validate.js';
import { loadCsv } from '../../src/data/csv/index.js';
import { splitRows } from '../../src/data/dataset.js';
import type { Preprocessing } from '../../src/data/preprocessing.js';
import { type Checkpoint, decodeCheckpoint, encodeCheckpoint } from '../../src/store/checkpoint-format.js';
import { spiralsCsv } from '../helpers/spirals-csv.js';
import { editCheckpoint, makeCheckpoint } from '../store/checkpoint-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'gradstream-csv-run-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const table = join(dir, 'spirals.csv');
const text = spiralsCsv(200, 9);
writeFileSync(table, text);

const config = (extra: Record<string, unknown> = {}) =>
  parseConfig({
    data: { dir: table, label: 'class', validation: 0.1 },
    model: { hidden: [8] },
    seed: 5,
    batchSize: 20,
    ...extra,
  });

describe('loadRunDataAsync on a CSV table', () => {
  it('fits on exactly the training rows of the seeded split, and sizes the model from the table', async () => {
    const data = await loadRunDataAsync(config());
    expect([data.train.n, data.validation?.n, data.test]).toEqual([180, 20, undefined]);
    // The same table cut down to splitValidation's training rows, fitted with no split at all.
    const lines = text.trimEnd().split('\n');
    const { trainRows } = splitRows(200, 20, 5);
    const only = join(dir, 'train-rows.csv');
    writeFileSync(only, [lines[0], ...Array.from(trainRows, (r) => lines[r + 1])].join('\n'));
    const fitted = await loadCsv(only, { label: 'class' });
    expect(data.table?.preprocessing).toEqual(fitted.preprocessing);
    expect(Array.from(data.train.x)).toEqual(Array.from(fitted.x));
    expect(data.table?.shape).toEqual({ inputSize: 4, classes: 2, regression: false });
    expect(buildRun(config(), data.table?.shape).model.sizes).toEqual([4, 8, 2]);
  });

  it('refuses model.sizes that do not fit the encoded table, and a batch larger than its training rows', async () => {
    await expect(loadRunDataAsync(config({ model: { sizes: [3, 8, 2] } }))).rejects.toThrow(
      "model.sizes: must be [4, …, 2] (the data's features and classes), got [3,8,2]",
    );
    await expect(loadRunDataAsync(config({ batchSize: 500 }))).rejects.toThrow(
      /^batchSize: must be at most the 180 training samples \(200, less 20 held out for validation\), got 500$/,
    );
  });

  it('is refused by the synchronous loader, with the reason', () => {
    expect(() => loadRunData(config())).toThrow(
      `data.dir: ${table} is a CSV table: it is read as a stream (loadRunDataAsync)`,
    );
  });

  it('refuses a resume whose refit differs from the checkpoint, naming the field', async () => {
    const data = await loadRunDataAsync(config());
    const stored = data.table!.preprocessing;
    expect(() => checkResumedPreprocessing(stored, data, 'ck.gsc')).not.toThrow();
    const input = stored.input.kind === 'table' ? stored.input : undefined;
    const edited: Preprocessing = {
      ...stored,
      input: {
        kind: 'table',
        columns: [{ ...input!.columns[0], mean: 99 } as never, ...input!.columns.slice(1)],
      },
    };
    expect(() => checkResumedPreprocessing(edited, data, 'ck.gsc')).toThrow(
      /^checkpoint ck\.gsc: the table's preprocessing refitted now differs from the checkpoint's at preprocessing\.input\.columns\[0\]\.mean \(99 in the checkpoint, -?\d\.\d+(e-\d+)? now\): the data or its options changed since the run started$/,
    );
  });
});

describe('a checkpoint’s preprocessing', () => {
  const preprocessing: Preprocessing = {
    version: 1,
    input: {
      kind: 'table',
      columns: [
        { kind: 'number', name: 'x', mean: 0.1, std: 2 },
        { kind: 'number', name: 'y', mean: -0.5, std: 1 },
        { kind: 'category', name: 'colour', values: ['blue', 'red'] },
      ],
    },
    output: { kind: 'classes', names: ['inner', 'outer'] },
  };
  const checkpoint: Checkpoint = { ...makeCheckpoint({ model: { sizes: [4, 8, 2] } }), preprocessing };
  const bytes = Buffer.concat(encodeCheckpoint(checkpoint));
  // The header's preprocessing as parsed JSON, edited in place.
  type Json = {
    version: number;
    input: { columns: { std: number; values: string[] }[] };
    output: { kind: string };
  };
  const refused = (edit: (p: Json) => void) => {
    const edited = editCheckpoint(bytes, (h) =>
      edit((h as unknown as { preprocessing: Json }).preprocessing),
    );
    try {
      decodeCheckpoint(edited, 'ck.gsc');
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('the edited checkpoint was accepted');
  };

  it('is written and read back as it was', () => {
    expect(decodeCheckpoint(bytes, 'ck.gsc').preprocessing).toEqual(preprocessing);
  });

  it('is refused when malformed or not the model’s, naming the field', () => {
    expect(
      refused((p) => {
        p.input.columns[1].std = 0;
      }),
    ).toBe(
      'checkpoint ck.gsc: header field preprocessing.input.columns[1].std must be a finite number > 0, got 0',
    );
    expect(
      refused((p) => {
        p.input.columns[2].values.push('green');
      }),
    ).toBe('checkpoint ck.gsc: header field preprocessing.input encodes 5 features, but the model takes 4');
    expect(
      refused((p) => {
        p.output.kind = 'labels';
      }),
    ).toBe(
      'checkpoint ck.gsc: header field preprocessing.output.kind must be "classes" or "targets", got "labels"',
    );
    expect(
      refused((p) => {
        p.version = 2;
      }),
    ).toBe('checkpoint ck.gsc: header field preprocessing.version must be 1, got 2');
  });
});
