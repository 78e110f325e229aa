// The path view's arithmetic: contour levels, bilinear sampling, band lookup.

import { describe, expect, it } from 'vitest';
import { bandOf, quantileLevels, sampleAt } from '../../dashboard/src/contour-levels.js';
import { sampleSurface } from '../../src/protocol/sample-surface.js';

describe('quantileLevels', () => {
  it('picks increasing levels at evenly spaced quantiles, without repeats', () => {
    expect(quantileLevels([0, 1, 2, 3, 4, 5, 6, 7, 8], 3)).toEqual([2, 4, 6]);
    expect(quantileLevels([1, 1, 1, 1, 2], 3)).toEqual([1]);
  });
});

describe('sampleAt', () => {
  it('is exact at grid points and linear between them', () => {
    const s = sampleSurface({ name: 'plane', f: (x, y) => 2 * x + y, x: [0, 2], y: [0, 1], nx: 3, ny: 2 });
    expect(sampleAt(s, 1, 1)).toBeCloseTo(3, 12);
    expect(sampleAt(s, 0.5, 0.25)).toBeCloseTo(1.25, 12);
    expect(sampleAt(s, 9, 9)).toBeCloseTo(5, 12);
  });
});

describe('bandOf', () => {
  it('counts the levels at or below a value', () => {
    expect([-1, 1, 1.5, 3, 9].map((v) => bandOf([1, 2, 3], v))).toEqual([0, 1, 1, 3, 3]);
  });
});
