// Fuzzes the CSV loader, which takes outside bytes: text built from CSV's own pieces (separators,
// quotes, line ends, numbers, missing markers, a BOM) and arbitrary strings, under random options,
// fitted and then applied to a second such file. `loadCsv` must return a sound dataset (every value
// finite, labels below the class count, the shapes agreeing) or throw a GradstreamError — never
// another exception. A tenth of the other fuzz properties' cases: each case writes and streams files.

import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type CsvDataset, type CsvOptions, loadCsv } from '../../src/data/csv/index.js';
import { encodedWidth } from '../../src/data/preprocessing.js';
import { GradstreamError } from '../../src/errors.js';
import { FUZZ_RUNS, fuzzParameters } from './fuzz-runs.js';

const dir = mkdtempSync(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'gradstream-csv-fuzz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const piece = fc.oneof(
  fc.constantFrom(',', ',', ',', '\n', '\n', '\r\n', '"', '""', ' ', '\uFEFF'),
  fc.constantFrom('a', 'y', 'x', 'red', 'blue', 'NA', '?', 'NaN', 'null', '-', '.', 'e', '1e400', '0x1f'),
  fc.integer({ min: -1000, max: 1000 }).map(String),
  fc.double({ noNaN: true }).map(String),
  fc.string({ maxLength: 4 }),
);
const csvText = fc.array(piece, { maxLength: 60 }).map((parts) => parts.join(''));
/** A small regular table with a header, so many cases get past the header and into the fit. */
const table = fc
  .record({
    width: fc.integer({ min: 1, max: 4 }),
    rows: fc.array(fc.array(piece, { minLength: 4, maxLength: 4 }), { maxLength: 12 }),
  })
  .map(({ width, rows }) => {
    const header = ['a', 'x', 'y', 'c'].slice(0, width).join(',');
    return [header, ...rows.map((r) => r.slice(0, width).join(','))].join('\n');
  });

const options = fc.record({
  label: fc.constantFrom<CsvOptions['label']>(1, 2, 'y', 'a', 'column 1', ['x', 'y']),
  task: fc.constantFrom<CsvOptions['task']>('auto', 'classification', 'regression'),
  missing: fc.constantFrom<CsvOptions['missing']>('error', 'drop'),
  header: fc.constantFrom<CsvOptions['header']>('auto', true, false),
  split: fc.option(fc.record({ fraction: fc.constantFrom(0.1, 0.5), seed: fc.integer() }), {
    nil: undefined,
  }),
  maxCategories: fc.constantFrom(3, 1000),
});

/** The dataset's invariants. */
function checkDataset(ds: CsvDataset): void {
  expect(ds.n).toBeGreaterThan(0);
  expect(ds.features).toBe(encodedWidth(ds.preprocessing.input));
  expect(ds.x.length).toBe(ds.n * ds.features);
  for (const v of ds.x) expect(Number.isFinite(v)).toBe(true);
  expect(ds.classes).toBe(ds.preprocessing.output.names.length);
  for (const label of ds.labels) expect(label).toBeLessThan(ds.classes);
  if (ds.targets) {
    expect(ds.targets.length).toBe(ds.n * ds.classes);
    for (const v of ds.targets) expect(Number.isFinite(v)).toBe(true);
  }
}

/** Loads or refuses; any error but a GradstreamError fails the case. */
async function attempt(path: string, o: CsvOptions): Promise<CsvDataset | undefined> {
  try {
    const ds = await loadCsv(path, o);
    checkDataset(ds);
    return ds;
  } catch (error) {
    if (error instanceof GradstreamError) return undefined;
    throw error;
  }
}

let files = 0;
const write = (text: string) => {
  const path = join(dir, `f${files++ % 64}.csv`);
  writeFileSync(path, text);
  return path;
};

describe('loadCsv on arbitrary text', () => {
  it('returns a sound dataset or throws a GradstreamError, fitting and applying', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(csvText, table), fc.oneof(csvText, table), options, async (a, b, o) => {
        const fitted = await attempt(write(a), o);
        if (fitted) await attempt(write(b), { ...o, preprocessing: fitted.preprocessing });
      }),
      { ...fuzzParameters(), numRuns: Math.max(100, Math.round(FUZZ_RUNS / 10)) },
    );
  }, 300_000);
});
