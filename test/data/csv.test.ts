import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRowEncoder, encodeRow, loadCsv } from '../../src/data/csv/index.js';
import { splitValidation } from '../../src/data/dataset.js';
import { encodedWidth, type Preprocessing } from '../../src/data/preprocessing.js';
import { GradstreamError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'gradstream-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
function csv(text: string): string {
  const path = join(dir, `t${files++}.csv`);
  writeFileSync(path, text);
  return path;
}

async function failure(promise: Promise<unknown>): Promise<GradstreamError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(GradstreamError);
    return error as GradstreamError;
  }
  throw new Error('expected the load to fail');
}

const row = (ds: { x: Float32Array | Uint8Array; features: number }, i: number) =>
  Array.from(ds.x.subarray(i * ds.features, (i + 1) * ds.features));

describe('loadCsv: header', () => {
  it('takes a first row of text above numbers as the header', async () => {
    const ds = await loadCsv(csv('a,b,y\n1,2,0\n3,4,1\n'), { label: 'y' });
    expect(ds.n).toBe(2);
    expect(ds.preprocessing.input).toMatchObject({ columns: [{ name: 'a' }, { name: 'b' }] });
  });

  it('takes an all-number first row as data, naming columns by position', async () => {
    const ds = await loadCsv(csv('1,2,0\n3,4,1\n5,6,1\n'), { label: 3 });
    expect(ds.n).toBe(3);
    expect(ds.preprocessing.input).toMatchObject({ columns: [{ name: 'column 1' }, { name: 'column 2' }] });
    expect(Array.from(ds.labels)).toEqual([0, 1, 1]);
    // '3' names no column, so it is the 1-based position too.
    expect((await loadCsv(csv('1,2,0\n3,4,1\n'), { label: '3' })).n).toBe(2);
  });

  it('takes an all-text first row as the header when it names the label, and header overrides the rule', async () => {
    const path = csv('colour,size,class\nred,big,a\nblue,small,b\n');
    const named = await loadCsv(path, { label: 'class' });
    expect(named.n).toBe(2);
    const forced = await loadCsv(path, { label: 3, header: false });
    expect(forced.n).toBe(3);
    expect(forced.preprocessing.output).toEqual({ kind: 'classes', names: ['a', 'b', 'class'] });
    const error = await failure(loadCsv(csv('1,2,0\n3,4,1\n'), { label: 'y' }));
    expect(error.message).toMatch(
      /label: no column "y"; the columns are "column 1", "column 2", "column 3" \(no header/,
    );
  });
});

describe('loadCsv: cells and types', () => {
  it('reads quoted fields with commas, quotes and newlines', async () => {
    const path = csv('name,x,y\n"Smith, J",1,a\n"say ""hi""",2,b\n"two\nlines",3,a\n');
    const ds = await loadCsv(path, { label: 'y' });
    expect(ds.n).toBe(3);
    const input = ds.preprocessing.input;
    expect(input.kind === 'table' && input.columns[0]).toEqual({
      kind: 'category',
      name: 'name',
      values: ['Smith, J', 'say "hi"', 'two\nlines'],
    });
  });

  it('maps string labels to sorted class indices', async () => {
    const ds = await loadCsv(csv('x,label\n1,dog\n2,cat\n3,emu\n4,cat\n'), { label: 'label' });
    expect(ds.task).toBe('classification');
    expect(ds.preprocessing.output).toEqual({ kind: 'classes', names: ['cat', 'dog', 'emu'] });
    expect(Array.from(ds.labels)).toEqual([1, 0, 2, 0]);
    expect(ds.classes).toBe(3);
  });

  it('orders numeric classes by value, and auto makes a fractional or many-valued label regression', async () => {
    const classes = await loadCsv(csv('x,y\n1,10\n2,9\n3,10\n'), { label: 'y' });
    expect(classes.preprocessing.output).toEqual({ kind: 'classes', names: ['9', '10'] });
    const fractional = await loadCsv(csv('x,y\n1,0.5\n2,1\n3,2\n'), { label: 'y' });
    expect(fractional.task).toBe('regression');
    expect(fractional.targets).toEqual(new Float32Array([0.5, 1, 2]));
    expect(Array.from(fractional.labels)).toEqual([0, 0, 0]);
    const lines = ['x,y', ...Array.from({ length: 21 }, (_, i) => `${i},${i}`)];
    expect((await loadCsv(csv(lines.join('\n')), { label: 'y' })).task).toBe('regression');
    const twenty = ['x,y', ...Array.from({ length: 20 }, (_, i) => `${i},${i}`)];
    expect((await loadCsv(csv(twenty.join('\n')), { label: 'y' })).task).toBe('classification');
    expect((await loadCsv(csv(twenty.join('\n')), { label: 'y', task: 'regression' })).task).toBe(
      'regression',
    );
  });

  it('puts several regression targets row-major into targets', async () => {
    const ds = await loadCsv(csv('x,t1,t2\n1,10,20\n2,11,21\n'), { label: ['t1', 't2'] });
    expect(ds.task).toBe('regression');
    expect(ds.classes).toBe(2);
    expect(ds.targets).toEqual(new Float32Array([10, 20, 11, 21]));
    expect(ds.preprocessing.output).toEqual({ kind: 'targets', names: ['t1', 't2'] });
    expect(ds.features).toBe(1);
  });

  it('uses the given features in their order', async () => {
    const ds = await loadCsv(csv('a,b,c,y\n1,2,3,0\n4,5,7,1\n'), { label: 'y', features: ['c', 'a'] });
    const input = ds.preprocessing.input;
    expect(input.kind === 'table' && input.columns.map((c) => c.name)).toEqual(['c', 'a']);
  });
});

describe('loadCsv: fitted on the training split only', () => {
  // 10 rows; the split below holds 3 out. Row i has x = i², colour c<i>, label i % 2.
  const lines = ['x,colour,y', ...Array.from({ length: 10 }, (_, i) => `${i * i},c${i},${i % 2}`)];
  const split = { fraction: 0.3, seed: 7 };

  it('standardizes with the training rows’ mean and population std', async () => {
    const ds = await loadCsv(csv(lines.join('\n')), { label: 'y', split, features: ['x'] });
    const { train, validation } = splitValidation(ds, split);
    expect(validation.n).toBe(3);
    const xs = Array.from({ length: 10 }, (_, i) => i * i);
    const heldOut = new Set<number>();
    // Which rows went where, read back from the encoded values (x is strictly increasing in i).
    const std = ds.preprocessing.input.kind === 'table' ? ds.preprocessing.input.columns[0] : undefined;
    if (std?.kind !== 'number') throw new Error('x is a number column');
    for (let i = 0; i < validation.n; i++) heldOut.add(Math.round(validation.x[i] * std.std + std.mean));
    const trainXs = xs.filter((v) => !heldOut.has(v));
    const mean = trainXs.reduce((a, b) => a + b, 0) / trainXs.length;
    const sd = Math.sqrt(trainXs.reduce((a, b) => a + (b - mean) ** 2, 0) / trainXs.length);
    expect(heldOut.size).toBe(3);
    expect(std.mean).toBeCloseTo(mean, 10);
    expect(std.std).toBeCloseTo(sd, 10);
    // The training part is standardized: mean 0, std 1.
    const t = Array.from(train.x);
    const tm = t.reduce((a, b) => a + b, 0) / t.length;
    expect(tm).toBeCloseTo(0, 5);
    expect(Math.sqrt(t.reduce((a, b) => a + (b - tm) ** 2, 0) / t.length)).toBeCloseTo(1, 5);
    // Changing the held-out rows' values changes nothing of the fit.
    const edited = lines.map((l, i) => {
      const v = (i - 1) ** 2;
      return i > 0 && heldOut.has(v) ? `${v * 1000 + 5},c${i - 1},${(i - 1) % 2}` : l;
    });
    const again = await loadCsv(csv(edited.join('\n')), { label: 'y', split, features: ['x'] });
    expect(again.preprocessing).toEqual(ds.preprocessing);
  });

  it('one-hots with the training rows’ vocabulary; a value only in validation rows is all zeros', async () => {
    const ds = await loadCsv(csv(lines.join('\n')), { label: 'y', split, features: ['colour'] });
    const input = ds.preprocessing.input;
    if (input.kind !== 'table' || input.columns[0].kind !== 'category') throw new Error('a category column');
    const values = input.columns[0].values;
    expect(values).toHaveLength(7);
    expect([...values]).toEqual([...values].sort());
    const { validation } = splitValidation(ds, split);
    for (let i = 0; i < validation.n; i++) expect(row(validation, i).every((v) => v === 0)).toBe(true);
    const { train } = splitValidation(ds, split);
    for (let i = 0; i < train.n; i++) expect(row(train, i).reduce((a, b) => a + b, 0)).toBe(1);
  });

  it('applies a given preprocessing: the test file’s unseen value → zeros, its own values never refit', async () => {
    const trainPath = csv('x,colour,y\n1,red,a\n3,blue,b\n5,red,a\n');
    const fitted = await loadCsv(trainPath, { label: 'y' });
    const test = await loadCsv(csv('x,colour,y\n100,green,b\n3,blue,a\n'), {
      label: 'y',
      preprocessing: fitted.preprocessing,
    });
    expect(test.preprocessing).toEqual(fitted.preprocessing);
    expect(test.features).toBe(3); // x, blue, red
    expect(row(test, 0).slice(1)).toEqual([0, 0]);
    expect(row(test, 1).slice(1)).toEqual([1, 0]);
    expect(row(test, 0)[0]).toBeCloseTo((100 - 3) / Math.sqrt(8 / 3), 4);
    expect(Array.from(test.labels)).toEqual([1, 0]);
    const error = await failure(
      loadCsv(csv('x,colour,y\n1,red,zebra\n'), { label: 'y', preprocessing: fitted.preprocessing }),
    );
    expect(error.message).toMatch(
      /row 2, column "y": class "zebra" is not one of the training classes \("a", "b"\)/,
    );
  });

  it('encodeRow gives the loader’s rows from raw cells', async () => {
    const ds = await loadCsv(csv('x,colour,y\n1,red,a\n3,blue,b\n5,red,a\n'), { label: 'y' });
    const out = new Float32Array(encodedWidth(ds.preprocessing.input));
    expect(encodeRow(ds.preprocessing, ['3', 'blue'], out, 0)).toBe(-1);
    expect(Array.from(out)).toEqual(row(ds, 1));
    const encoder = createRowEncoder(ds.preprocessing);
    expect(encoder.columns).toEqual(['x', 'colour']);
    expect(encoder.encode(['3', 'purple'], out, 0)).toBe(-1);
    expect(Array.from(out).slice(1)).toEqual([0, 0]);
    expect(encoder.encode(['three', 'red'], out, 0)).toBe(0);
    expect(encoder.encode(['3', ''], out, 0)).toBe(1);
  });
});

describe('loadCsv: bad rows', () => {
  it('names the file, row and column of a bad cell', async () => {
    const path = csv('x,y\n1,a\n2,b\nthree,a\n4,b\n');
    const error = await failure(loadCsv(path, { label: 'y' }));
    expect(error.code).toBe('ERR_DATA_FORMAT');
    expect(error.message).toBe(
      `${path}: row 4, column "x": "three" is not a number (the column is numeric: its first value, row 2, is a number)`,
    );
    const missing = await failure(loadCsv(csv('x,y\n1,a\n,b\n'), { label: 'y' }));
    expect(missing.message).toMatch(/: row 3, column "x": missing value$/);
    const ragged = await failure(loadCsv(csv('x,y\n1,a\n2\n'), { label: 'y' }));
    expect(ragged.message).toMatch(/: row 3, has 1 cells, the header has 2$/);
  });

  it('refuses numbers beyond float32, as cells and once standardized, naming the row and column', async () => {
    const big = await failure(loadCsv(csv('x,y\n1,a\n1e39,b\n'), { label: 'y' }));
    expect(big.message).toMatch(
      /: row 3, column "x": "1e39" is beyond float32's range \(±3\.4028234663852886e\+38\)$/,
    );
    // Training rows 0 and 1e-30 (std 5e-31), a validation row 1e10: 2e40 after standardizing.
    const rows = ['x,y', '0,a', '1e-30,b', '1e10,a'];
    const tiny = await failure(
      loadCsv(csv(rows.join('\n')), { label: 'y', split: { fraction: 0.34, seed: 3 } }),
    );
    expect(tiny.message).toMatch(
      /: row \d, column "x": \S+ standardizes beyond float32's range \(training rows' mean/,
    );
  });

  it("drops such rows with missing: 'drop' and counts them", async () => {
    const path = csv('x,y\n1,a\nNA,b\n2,b\nthree,a\n4,\n5,b\n');
    const ds = await loadCsv(path, { label: 'y', missing: 'drop' });
    expect(ds.n).toBe(3);
    expect(ds.dropped).toBe(3);
    expect(ds.firstDropped).toBe('row 3, column "x": missing value');
  });

  it('refuses a table too big for the kernels’ memory, with its numbers', async () => {
    const lines = ['x,c,y', ...Array.from({ length: 50 }, (_, i) => `${i},v${i % 5},${i % 2}`)];
    const path = csv(lines.join('\n'));
    const error = await failure(loadCsv(path, { label: 'y', maxBytes: 1000 }));
    expect(error.message).toBe(
      `${path}: too big: 50 rows × 6 encoded features × 4 bytes = 1200 bytes, more than the limit of 1000 bytes ` +
        "(the kernels' memory); use fewer rows (data.trainLimit) or fewer features",
    );
    expect((await loadCsv(path, { label: 'y', maxBytes: 1200 })).features).toBe(6);
  });

  it('refuses a text column with too many values, naming it', async () => {
    const lines = ['id,x,y', ...Array.from({ length: 30 }, (_, i) => `u${i},${i},${i % 2}`)];
    const path = csv(lines.join('\n'));
    const error = await failure(loadCsv(path, { label: 'y', maxCategories: 10 }));
    expect(error.message).toMatch(
      /: column "id" has more than 10 distinct values \(row 12 holds value 11\); .*leave it out of features/,
    );
    expect((await loadCsv(path, { label: 'y', features: ['x'], maxCategories: 10 })).features).toBe(1);
  });

  it('names a missing file and a folder', async () => {
    expect((await failure(loadCsv(join(dir, 'none.csv'), { label: 'y' }))).message).toMatch(
      /none\.csv: file not found$/,
    );
    expect((await failure(loadCsv(dir, { label: 'y' }))).message).toMatch(
      /: not a regular file \(a folder\)$/,
    );
  });
});

describe('loadCsv: streamed', () => {
  it('loads 100,000 rows within seconds and reads only limit rows when limited', async () => {
    const lines = ['a,b,c,colour,y'];
    for (let i = 0; i < 100_000; i++)
      lines.push(`${i % 97},${(i * 7) % 13},${i / 1000},${['r', 'g', 'b'][i % 3]},${i % 4}`);
    const path = csv(`${lines.join('\n')}\n`);
    const started = performance.now();
    const ds = await loadCsv(path, { label: 'y', split: { fraction: 0.1, seed: 1 } });
    const ms = performance.now() - started;
    expect(ds.n).toBe(100_000);
    expect(ds.features).toBe(6);
    expect(ms).toBeLessThan(10_000);
    const limited = await loadCsv(path, { label: 'y', limit: 1000 });
    expect(limited.n).toBe(1000);
  });
});

describe('loadCsv: preprocessing is plain data', () => {
  it('survives JSON unchanged (stored with runs and checkpoints)', async () => {
    const ds = await loadCsv(csv('x,colour,y\n1,red,a\n3,blue,b\n'), { label: 'y' });
    const back = JSON.parse(JSON.stringify(ds.preprocessing)) as Preprocessing;
    expect(back).toEqual(ds.preprocessing);
  });
});
