import { describe, expect, it } from 'vitest';
import {
  type Dataset,
  fromArrays,
  fromAsyncIterable,
  splitValidation,
  subset,
  take,
} from '../../src/data/dataset.js';
import { GradstreamError } from '../../src/errors.js';

/** n samples of 2 features where sample i is [i, -i] with label i % 3, so rows reveal their index. */
function indexed(n: number): Dataset {
  const x = new Float32Array(2 * n);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    x[2 * i] = i;
    x[2 * i + 1] = -i;
    labels[i] = i % 3;
  }
  return { name: 'indexed', n, features: 2, classes: 3, x, scale: 1, labels };
}

/** The original index of every sample of a dataset built by `indexed`. */
function indicesOf(ds: Dataset): number[] {
  return Array.from({ length: ds.n }, (_, i) => ds.x[2 * i]);
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof GradstreamError ? error.code : 'not a GradstreamError';
  }
  return undefined;
}

describe('subset', () => {
  it('views a range without copying', () => {
    const ds = indexed(10);
    const part = subset(ds, 3, 4);
    expect([part.name, part.n, part.features]).toEqual(['indexed[3:7]', 4, 2]);
    expect(indicesOf(part)).toEqual([3, 4, 5, 6]);
    expect(Array.from(part.labels)).toEqual([0, 1, 2, 0]);
    expect(part.x.buffer).toBe(ds.x.buffer);
    ds.x[6] = 99; // sample 3, feature 0
    expect(part.x[0]).toBe(99);
  });

  it('rejects a range past the end, naming the field', () => {
    expect(() => subset(indexed(10), 8, 3)).toThrow('subset: count must be an integer in [0, 2], got 3');
    expect(codeOf(() => subset(indexed(10), -1, 1))).toBe('ERR_INVALID_OPTION');
  });
});

describe('take', () => {
  it('copies the selected rows in the given order', () => {
    const ds = indexed(6);
    const picked = take(ds, [5, 0, 5]);
    expect(indicesOf(picked)).toEqual([5, 0, 5]);
    expect(Array.from(picked.labels)).toEqual([2, 0, 2]);
    expect(picked.x.buffer).not.toBe(ds.x.buffer);
  });

  it('keeps raw bytes as bytes', () => {
    const bytes: Dataset = { ...indexed(2), x: Uint8Array.from([1, 2, 3, 4]), scale: 1 / 255 };
    const picked = take(bytes, [1]);
    expect(picked.x).toBeInstanceOf(Uint8Array);
    expect(Array.from(picked.x)).toEqual([3, 4]);
    expect(picked.scale).toBe(1 / 255);
  });

  it('rejects an index out of range', () => {
    expect(() => take(indexed(4), [0, 4])).toThrow('take: indices[1] must be an integer in [0, 3], got 4');
  });
});

describe('splitValidation', () => {
  const ds = indexed(1000);

  it('makes disjoint parts that cover every sample once', () => {
    const { train, validation } = splitValidation(ds, { fraction: 0.2, seed: 7 });
    expect([train.n, validation.n]).toEqual([800, 200]);
    expect([train.name, validation.name]).toEqual(['indexed/train', 'indexed/validation']);
    const all = [...indicesOf(train), ...indicesOf(validation)].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    // Labels travel with their rows.
    for (let i = 0; i < validation.n; i++) expect(validation.labels[i]).toBe(validation.x[2 * i] % 3);
  });

  it('gives the same split for the same seed', () => {
    const a = splitValidation(ds, { fraction: 0.1, seed: 42 });
    const b = splitValidation(ds, { fraction: 0.1, seed: 42 });
    expect(indicesOf(a.validation)).toEqual(indicesOf(b.validation));
  });

  it('gives a different split for a different seed', () => {
    const a = splitValidation(ds, { fraction: 0.1, seed: 1 });
    const b = splitValidation(ds, { fraction: 0.1, seed: 2 });
    expect(indicesOf(a.validation)).not.toEqual(indicesOf(b.validation));
  });

  it('is not simply the first or last samples', () => {
    const held = indicesOf(splitValidation(ds, { fraction: 0.1, seed: 3 }).validation);
    expect(Math.min(...held)).toBeLessThan(100);
    expect(Math.max(...held)).toBeGreaterThan(900);
  });

  it('rejects fractions that leave a part empty', () => {
    expect(() => splitValidation(ds, { fraction: 1 })).toThrow(
      /fraction must be a number in \(0, 1\), got 1/,
    );
    expect(() => splitValidation(indexed(3), { fraction: 0.1 })).toThrow(
      /at least 1 of the 3 samples, got 0.1/,
    );
    expect(codeOf(() => splitValidation(ds, { fraction: 0.5, seed: 1.5 }))).toBe('ERR_INVALID_OPTION');
  });
});

describe('fromArrays', () => {
  it('builds a float dataset from rows', () => {
    const ds = fromArrays(
      [
        [0, 0],
        [0, 1],
        [1, 0],
        [1, 1],
      ],
      [0, 1, 1, 0],
      { name: 'xor' },
    );
    expect([ds.name, ds.n, ds.features, ds.classes, ds.scale]).toEqual(['xor', 4, 2, 2, 1]);
    expect(Array.from(ds.x)).toEqual([0, 0, 0, 1, 1, 0, 1, 1]);
    expect(Array.from(ds.labels)).toEqual([0, 1, 1, 0]);
  });

  it('uses a flat Float32Array as is and infers the features', () => {
    const x = new Float32Array([1, 2, 3, 4, 5, 6]);
    const ds = fromArrays(x, [2, 0], { classes: 5 });
    expect([ds.n, ds.features, ds.classes]).toEqual([2, 3, 5]);
    expect(ds.x).toBe(x);
  });

  it('rejects ragged rows', () => {
    const error = () => fromArrays([[1, 2], [3, 4], [5]], [0, 0, 0]);
    expect(error).toThrow('fromArrays: x[2] has length 1, expected 2');
    expect(codeOf(error)).toBe('ERR_SHAPE_MISMATCH');
  });

  it('rejects a count mismatch', () => {
    expect(() => fromArrays([[1], [2]], [0])).toThrow('fromArrays: labels has length 1, expected 2');
    expect(() => fromArrays(new Float32Array(5), [0, 1])).toThrow(
      'fromArrays: x.length must be a multiple of the sample count 2, got 5',
    );
  });

  it('rejects labels out of range', () => {
    expect(() => fromArrays([[1], [2]], [0, 3], { classes: 3 })).toThrow(
      'fromArrays: labels[1] must be an integer in [0, 2], got 3',
    );
    expect(() => fromArrays([[1]], [-1])).toThrow(/labels\[0\] must be an integer in \[0, 255\], got -1/);
    expect(() => fromArrays([[1]], [0.5])).toThrow(/labels\[0\] must be an integer/);
  });

  it('rejects non-finite values and empty input', () => {
    expect(() =>
      fromArrays(
        [
          [1, 2],
          [3, Number.NaN],
        ],
        [0, 1],
      ),
    ).toThrow(/x \(sample 1, feature 1\) must be a finite number, got NaN/);
    expect(() => fromArrays([], [])).toThrow('fromArrays: sample count must be at least 1, got 0');
  });
});

describe('fromAsyncIterable', () => {
  async function* samples(rows: number[][], labels: number[]) {
    const buffer = new Float32Array(rows[0].length); // reused on purpose: the collector must copy
    for (let i = 0; i < rows.length; i++) {
      buffer.set(rows[i].slice(0, buffer.length));
      yield { x: rows[i].length === buffer.length ? buffer : rows[i], label: labels[i] };
    }
  }

  it('collects samples, copying each one', async () => {
    const rows = Array.from({ length: 37 }, (_, i) => [i, i * 2, i * 3]);
    const labels = rows.map((_, i) => i % 4);
    const ds = await fromAsyncIterable(samples(rows, labels), { name: 'stream' });
    expect([ds.name, ds.n, ds.features, ds.classes]).toEqual(['stream', 37, 3, 4]);
    expect(ds.x.length).toBe(37 * 3);
    expect(Array.from(ds.x)).toEqual(rows.flat());
    expect(Array.from(ds.labels)).toEqual(labels);
  });

  it('accepts a plain iterable', async () => {
    const ds = await fromAsyncIterable([{ x: [1, 2], label: 1 }]);
    expect([ds.n, ds.features, ds.classes]).toEqual([1, 2, 2]);
  });

  it('rejects a sample of the wrong length, naming it', async () => {
    await expect(
      fromAsyncIterable(
        samples(
          [
            [1, 2],
            [3, 4],
            [5, 6, 7],
          ],
          [0, 1, 0],
        ),
      ),
    ).rejects.toThrow('fromAsyncIterable: sample 2 x has length 3, expected 2');
  });

  it('rejects a bad label and an empty stream', async () => {
    await expect(fromAsyncIterable(samples([[1], [2]], [0, 2]), { classes: 2 })).rejects.toThrow(
      'fromAsyncIterable: labels[1] must be an integer in [0, 1], got 2',
    );
    await expect(fromAsyncIterable([])).rejects.toThrow(
      'fromAsyncIterable: sample count must be at least 1, got 0',
    );
  });
});
