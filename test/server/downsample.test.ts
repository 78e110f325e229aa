// Min/max-bucket downsampling keeps spikes, order and both ends.

import { describe, expect, it } from 'vitest';
import { minMaxIndices } from '../../src/server/downsample.js';

describe('minMaxIndices', () => {
  it('keeps every row of a short series', () => {
    expect(minMaxIndices(Float64Array.of(3, 1, 2), 3, 10)).toEqual([0, 1, 2]);
  });

  it('keeps the min and max of each bucket, in order, plus both ends', () => {
    // Two buckets: [5, 1, 9 | 4, 8, 2] → (1, 9) and (8, 2), then the ends 0 and 5.
    expect(minMaxIndices(Float64Array.of(5, 1, 9, 4, 8, 2), 6, 4)).toEqual([0, 1, 2, 4, 5]);
  });

  it('keeps a one-step spike of a long, smooth series', () => {
    const n = 100_000;
    const loss = Float64Array.from({ length: n }, (_, i) => 2 * Math.exp(-i / 20_000));
    loss[61_234] = 50;
    const kept = minMaxIndices(loss, n, 2000);
    expect(kept.length).toBeLessThanOrEqual(2002);
    expect(kept).toContain(61_234);
    expect(kept).toEqual([...kept].sort((a, b) => a - b));
  });

  it('keeps a row of a bucket that has only non-finite values, and never picks NaN as an extreme', () => {
    const v = Float64Array.of(1, 2, Number.NaN, Number.NaN, Number.NaN, Number.NaN, 3, 0);
    // Three buckets: [1, 2] → 0, 1; [NaN, NaN, NaN] → its first row, 2; [NaN, 3, 0] → 6, 7.
    expect(minMaxIndices(v, 8, 6)).toEqual([0, 1, 2, 6, 7]);
  });
});
