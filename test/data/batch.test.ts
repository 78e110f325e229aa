import { describe, expect, it } from 'vitest';
import { batchCount, createBatchBuffers, epochOrder, gatherBatch } from '../../src/data/batch.js';
import type { Dataset } from '../../src/data/dataset.js';
import { GradstreamError } from '../../src/errors.js';

/** A byte dataset of n samples × 3 features where byte (i, j) = (7i + j) mod 256, label i mod 10. */
function bytes(n: number): Dataset {
  const x = new Uint8Array(3 * n);
  for (let i = 0; i < x.length; i++) x[i] = (7 * Math.floor(i / 3) + (i % 3)) % 256;
  const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
  return { name: 'bytes', n, features: 3, classes: 10, x, scale: 1 / 255, labels };
}

function isPermutation(order: Uint32Array, n: number): boolean {
  const seen = new Uint8Array(n);
  for (const i of order) {
    if (i >= n || seen[i]) return false;
    seen[i] = 1;
  }
  return order.length === n;
}

describe('batchCount', () => {
  it('counts a final partial batch unless dropLast', () => {
    expect(batchCount(10, 3, false)).toBe(4);
    expect(batchCount(10, 3, true)).toBe(3);
    expect(batchCount(9, 3, false)).toBe(3);
    expect(batchCount(0, 3, false)).toBe(0);
  });

  it('rejects a batch size below 1', () => {
    expect(() => batchCount(10, 0, false)).toThrow(
      'batchCount: batchSize must be an integer in [1, ∞), got 0',
    );
  });
});

describe('epochOrder', () => {
  it('is a permutation of 0..n-1', () => {
    for (const n of [0, 1, 2, 17, 1000]) expect(isPermutation(epochOrder(n, 5, 0), n)).toBe(true);
  });

  it('is the same for the same (seed, epoch), whenever it is computed', () => {
    const before = epochOrder(500, 42, 3);
    epochOrder(500, 42, 0);
    epochOrder(500, 42, 1);
    expect(Array.from(epochOrder(500, 42, 3))).toEqual(Array.from(before));
  });

  it('differs across epochs and seeds', () => {
    const base = Array.from(epochOrder(500, 42, 0));
    expect(Array.from(epochOrder(500, 42, 1))).not.toEqual(base);
    expect(Array.from(epochOrder(500, 43, 0))).not.toEqual(base);
    expect(base).not.toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  it('fills a given buffer', () => {
    const out = new Uint32Array(50);
    expect(epochOrder(50, 1, 2, out)).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(epochOrder(50, 1, 2)));
    expect(() => epochOrder(51, 1, 2, out)).toThrow('epochOrder: out has length 50, expected 51');
  });

  it('rejects a negative epoch', () => {
    expect(() => epochOrder(5, 1, -1)).toThrow('epochOrder: epoch must be an integer in [0, ∞), got -1');
  });
});

describe('gatherBatch', () => {
  it('copies the ordered rows, scaled to floats, with their labels', () => {
    const ds = bytes(100);
    const order = epochOrder(100, 9, 0);
    const { x, labels } = createBatchBuffers(ds, 8);
    gatherBatch(ds, order, 16, 8, x, labels);
    for (let i = 0; i < 8; i++) {
      const row = order[16 + i];
      expect(labels[i]).toBe(row % 10);
      for (let j = 0; j < 3; j++) expect(x[3 * i + j]).toBeCloseTo(((7 * row + j) % 256) / 255, 6);
    }
  });

  it('copies float rows unscaled', () => {
    const ds: Dataset = { ...bytes(4), x: Float32Array.from({ length: 12 }, (_, i) => i / 2), scale: 1 };
    const x = new Float32Array(6);
    const labels = new Int32Array(2);
    gatherBatch(ds, Uint32Array.from([3, 1]), 0, 2, x, labels);
    expect(Array.from(x)).toEqual([4.5, 5, 5.5, 1.5, 2, 2.5]);
    expect(Array.from(labels)).toEqual([3, 1]);
  });

  it('writes only the first rows of a larger buffer (last partial batch)', () => {
    const ds = bytes(5);
    const x = new Float32Array(12).fill(-1);
    const labels = new Int32Array(4).fill(-1);
    gatherBatch(ds, Uint32Array.from([0, 1, 2, 3, 4]), 4, 1, x, labels);
    expect(Array.from(labels)).toEqual([4, -1, -1, -1]);
    expect(x[3]).toBe(-1);
  });

  it('rejects buffers that are too small and rows out of range', () => {
    const ds = bytes(5);
    const order = Uint32Array.from([0, 1, 2, 3, 4]);
    const labels = new Int32Array(4);
    expect(() => gatherBatch(ds, order, 0, 4, new Float32Array(11), labels)).toThrow(
      'gatherBatch: xOut has length 11, needs at least 12',
    );
    expect(() => gatherBatch(ds, order, 3, 3, new Float32Array(9), labels)).toThrow(
      'gatherBatch: order has length 5, needs at least 6',
    );
    const bad = () => gatherBatch(ds, Uint32Array.from([0, 5]), 0, 2, new Float32Array(6), labels);
    expect(bad).toThrow('gatherBatch: order[1] is 5, expected < 5');
    expect(bad).toThrow(GradstreamError);
  });
});
