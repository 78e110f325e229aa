// Numbers, durations and the ETA as the page shows them.

import { describe, expect, it } from 'vitest';
import {
  etaMs,
  formatDuration,
  formatElapsed,
  formatNumber,
  shellQuote,
} from '../../dashboard/src/format.js';

describe('formatNumber', () => {
  it('keeps 4 significant digits and switches to exponents for tiny or huge values', () => {
    expect(formatNumber(0.123456)).toBe('0.1235');
    expect(formatNumber(1234.5)).toBe('1235');
    expect(formatNumber(0.0001234)).toBe('1.23e-4');
    expect(formatNumber(null)).toBe('–');
    expect(formatNumber(0)).toBe('0');
  });
});

describe('formatDuration', () => {
  it('writes hours, minutes and seconds', () => {
    expect(formatDuration(12_400)).toBe('12s');
    expect(formatDuration(185_000)).toBe('3m 05s');
    expect(formatDuration(3_720_000)).toBe('1h 02m');
  });
});

describe('etaMs', () => {
  it('extrapolates the recent pace to the remaining steps', () => {
    // 10 ms per step over the window; 90 steps left.
    expect(etaMs(100, [1, 2, 10], [0, 10, 90])).toBeCloseTo(900, 9);
  });

  it('uses only the last `window` steps', () => {
    // Early steps were slow (100 ms); the last two took 10 ms each.
    expect(etaMs(13, [1, 2, 3, 4], [0, 100, 110, 120], 2)).toBeCloseTo(90, 9);
  });

  it('is undefined without a total or with fewer than two steps', () => {
    expect(etaMs(null, [1, 2], [0, 1])).toBeUndefined();
    expect(etaMs(10, [1], [0])).toBeUndefined();
  });
});

describe('formatElapsed', () => {
  it('gives a duration its units, milliseconds under a second', () => {
    expect(formatElapsed(850.4)).toBe('850 ms');
    expect(formatElapsed(65_000)).toBe('1m 05s');
    expect(formatElapsed(null)).toBe('–');
    expect(formatElapsed(Number.NaN)).toBe('–');
  });
});

describe('shellQuote', () => {
  it('leaves safe words alone and single-quotes the rest', () => {
    expect(shellQuote('runs/exp-1')).toBe('runs/exp-1');
    expect(shellQuote("it's here")).toBe(`'it'\\''s here'`);
  });
});
