import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatchBuffers, gatherBatch } from '../../src/data/batch.js';
import type { Dataset } from '../../src/data/dataset.js';
import { loadMnist, readIdxDataset } from '../../src/data/mnist.js';
import { GradstreamError } from '../../src/errors.js';

function histogram(ds: Dataset): number[] {
  const counts = new Array<number>(10).fill(0);
  for (let i = 0; i < ds.n; i++) counts[ds.labels[i]]++;
  return counts;
}

describe('loadMnist', () => {
  let mnist: { train: Dataset; test: Dataset };
  beforeAll(() => {
    mnist = loadMnist();
  });

  it('loads 60,000 training and 10,000 test samples of 784 bytes', () => {
    const { train, test } = mnist;
    expect([train.name, train.n, train.features, train.classes]).toEqual(['mnist/train', 60000, 784, 10]);
    expect([test.name, test.n, test.features, test.classes]).toEqual(['mnist/test', 10000, 784, 10]);
    expect(train.x).toBeInstanceOf(Uint8Array);
    expect(train.x.length).toBe(60000 * 784);
    expect(train.scale).toBe(1 / 255);
  });

  it('has the known first labels (5 in train, 7 in test)', () => {
    expect(mnist.train.labels[0]).toBe(5);
    expect(mnist.test.labels[0]).toBe(7);
  });

  it('has a balanced label histogram, matching the published class counts', () => {
    for (const ds of [mnist.train, mnist.test]) {
      for (const count of histogram(ds)) {
        expect(count / ds.n).toBeGreaterThan(0.05);
        expect(count / ds.n).toBeLessThan(0.15);
      }
    }
    expect(histogram(mnist.train)).toEqual([5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    expect(histogram(mnist.test)).toEqual([980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  });

  it('gathers pixels in [0, 1] that use the full range', () => {
    const order = Uint32Array.from({ length: 256 }, (_, i) => i * 37);
    const { x, labels } = createBatchBuffers(mnist.train, 256);
    gatherBatch(mnist.train, order, 0, 256, x, labels);
    let min = Infinity;
    let max = -Infinity;
    for (const v of x) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
    expect(labels[0]).toBe(5);
    expect(labels[1]).toBe(mnist.train.labels[37]);
  });

  it('keeps only the first samples as views when limited', () => {
    const { train, test } = loadMnist({ trainLimit: 300, testLimit: 50 });
    expect([train.n, test.n]).toEqual([300, 50]);
    expect(train.name).toBe('mnist/train[0:300]');
    expect(train.labels[0]).toBe(5);
    expect(train.x.length).toBe(300 * 784);
  });

  it('rejects a limit beyond the data, naming the option', () => {
    expect(() => loadMnist({ testLimit: 10001 })).toThrow(
      'loadMnist: testLimit must be an integer in [1, 10000], got 10001',
    );
    expect(() => loadMnist({ trainLimit: 0 })).toThrow(/trainLimit must be an integer in \[1, ∞\), got 0/);
  });

  it('names the missing file when the folder is wrong', () => {
    const dir = join(tmpdir(), 'gradstream-no-such-mnist-dir');
    expect(() => loadMnist({ dir })).toThrow(`${join(dir, 'train-images-idx3-ubyte')}: file not found`);
  });
});

describe('readIdxDataset', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gradstream-pair-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Writes a hand-built ubyte IDX file: dims as single bytes are enough for these small shapes. */
  function write(name: string, dims: number[], body: number[]): string {
    const path = join(dir, name);
    const header = [0, 0, 0x08, dims.length, ...dims.flatMap((d) => [0, 0, 0, d])];
    writeFileSync(path, Uint8Array.from([...header, ...body]));
    return path;
  }

  it('pairs images and labels into a byte dataset', () => {
    const images = write('ok-images', [3, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]);
    const labels = write('ok-labels', [3], [9, 0, 4]);
    const ds = readIdxDataset(images, labels, 'pair');
    expect([ds.name, ds.n, ds.features, ds.classes, ds.scale]).toEqual(['pair', 3, 4, 10, 1 / 255]);
    expect(Array.from(ds.labels)).toEqual([9, 0, 4]);
    expect(Array.from(ds.x.subarray(8))).toEqual([8, 9, 10, 255]);
  });

  it('rejects mismatched counts, naming both files', () => {
    const images = write('three-images', [3, 1, 1], [1, 2, 3]);
    const labels = write('two-labels', [2], [1, 2]);
    let error: GradstreamError | undefined;
    try {
      readIdxDataset(images, labels, 'bad');
    } catch (e) {
      error = e as GradstreamError;
    }
    expect(error?.code).toBe('ERR_DATA_FORMAT');
    expect(error?.message).toBe(`${labels}: has 2 labels but ${images} has 3 images`);
  });

  it('rejects a label of 10 or more', () => {
    const images = write('img', [2, 1, 1], [1, 2]);
    const labels = write('lab', [2], [3, 10]);
    expect(() => readIdxDataset(images, labels, 'bad')).toThrow(`${labels}: label 1 is 10, expected 0–9`);
  });

  it('rejects labels with more than one dim', () => {
    const images = write('img2', [2, 1, 1], [1, 2]);
    const labels = write('lab2', [2, 1], [3, 4]);
    expect(() => readIdxDataset(images, labels, 'bad')).toThrow(GradstreamError);
  });

  /** A float IDX file (type 0x0D): `values` as big-endian float32. */
  function writeFloats(name: string, dims: number[], values: number[]): string {
    const path = join(dir, name);
    const header = [0, 0, 0x0d, dims.length, ...dims.flatMap((d) => [0, 0, 0, d])];
    const body = new DataView(new ArrayBuffer(4 * values.length));
    for (const [i, v] of values.entries()) body.setFloat32(4 * i, v, false);
    writeFileSync(path, Buffer.concat([Uint8Array.from(header), new Uint8Array(body.buffer)]));
    return path;
  }

  it('keeps finite float images with scale 1', () => {
    const images = writeFloats('float-images', [2, 2], [0.5, -1, 2, 3]);
    const ds = readIdxDataset(images, write('float-labels', [2], [1, 2]), 'floats');
    expect([ds.features, ds.scale, Array.from(ds.x)]).toEqual([2, 1, [0.5, -1, 2, 3]]);
  });

  it.each([
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, 'Infinity'],
    [Number.NEGATIVE_INFINITY, '-Infinity'],
  ])('refuses %s in float images, naming the set, the file and the first bad index', (bad, shown) => {
    // Before: the value went into training, where the first step's loss was NaN.
    const images = writeFloats(`bad-images-${shown}`, [3, 2], [0, 1, 2, bad, 4, bad]);
    const labels = write(`bad-labels-${shown}`, [3], [0, 1, 2]);
    expect(() => readIdxDataset(images, labels, 'fashion/train')).toThrow(
      `${images}: fashion/train sample 1, feature 1 (index 3) is ${shown}; inputs must be finite`,
    );
  });
});
