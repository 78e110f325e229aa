// TensorBoard's debiased EMA, hand-worked and incremental.

import { describe, expect, it } from 'vitest';
import { emaState, smoothInto } from '../../dashboard/src/smoothing.js';

describe('smoothInto', () => {
  it('debiases the first points (a constant series stays constant)', () => {
    const out = new Float64Array(3);
    smoothInto([2, 2, 2], 0, 3, out, 0.9, emaState());
    expect(Array.from(out)).toEqual([2, 2, 2].map((v) => expect.closeTo(v, 12)));
  });

  it('matches hand-worked values with weight 0.5', () => {
    // last: 0.5·0 + 0.5·4 = 2 → 2 / (1 − 0.5) = 4; then 0.5·2 + 0.5·0 = 1 → 1 / (1 − 0.25) = 4/3.
    const out = new Float64Array(2);
    smoothInto([4, 0], 0, 2, out, 0.5, emaState());
    expect(out[0]).toBeCloseTo(4, 12);
    expect(out[1]).toBeCloseTo(4 / 3, 12);
  });

  it('continues incrementally exactly as one pass would', () => {
    const values = [3, 1, 4, 1, 5, 9, 2, 6];
    const whole = new Float64Array(8);
    smoothInto(values, 0, 8, whole, 0.7, emaState());
    const parts = new Float64Array(8);
    const state = emaState();
    smoothInto(values, 0, 3, parts, 0.7, state);
    smoothInto(values, 3, 8, parts, 0.7, state);
    expect(parts).toEqual(whole);
  });

  it('passes non-finite values through as NaN without disturbing the average', () => {
    const out = new Float64Array(3);
    smoothInto([1, Number.NaN, 1], 0, 3, out, 0.9, emaState());
    expect(out[1]).toBeNaN();
    expect(out[2]).toBeCloseTo(1, 12);
  });

  it('does nothing with weight 0', () => {
    const out = new Float64Array(3);
    smoothInto([5, 1, 3], 0, 3, out, 0, emaState());
    expect(Array.from(out)).toEqual([5, 1, 3]);
  });
});
