// The config-against-metric view's logic: x choices, one point per run, axes and ticks.

import { describe, expect, it } from 'vitest';
import type { RunRow } from '../../dashboard/src/runs-table-model.js';
import {
  axis,
  defaultX,
  fraction,
  linearTicks,
  scatterPoints,
  tickText,
  xChoicesFor,
} from '../../dashboard/src/scatter-model.js';

const row = (runId: string, config: RunRow['config'], bestValAcc: number | null): RunRow => ({
  runId,
  name: runId,
  color: '#000',
  visible: true,
  status: 'completed',
  config,
  step: 1,
  totalSteps: 1,
  etaMs: undefined,
  durationMs: 1,
  metrics: {
    loss: 1,
    bestLoss: 1,
    valAcc: bestValAcc,
    bestValAcc,
    testAcc: null,
    bestTestAcc: null,
    valRmse: null,
    bestValRmse: null,
    valMae: null,
    testRmse: null,
    testMae: null,
  },
  resumeHint: undefined,
});

describe('scatterPoints', () => {
  const rows = [
    row('a', { lr: 0.001, hidden: '100-50' }, 0.9),
    row('b', { lr: 0.1, hidden: '200' }, 0.8),
    row('c', { lr: 0.01 }, null),
    row('d', { lr: 0, hidden: 'none' }, 0.1),
  ];

  it('places one point per run that has both values', () => {
    const { points, left } = scatterPoints(rows, 'lr', 'bestValAcc', { logX: false, logY: false });
    expect(points.map((p) => [p.runId, p.x, p.y])).toEqual([
      ['a', 0.001, 0.9],
      ['b', 0.1, 0.8],
      ['d', 0, 0.1],
    ]);
    expect(left).toBe(1);
  });

  it('leaves out values a log axis cannot show', () => {
    const { points, left } = scatterPoints(rows, 'lr', 'bestValAcc', { logX: true, logY: false });
    expect(points.map((p) => p.runId)).toEqual(['a', 'b']);
    expect(left).toBe(2);
  });

  it('reads the hidden width and depth from the hidden sizes', () => {
    const width = scatterPoints(rows, 'width', 'bestValAcc', { logX: false, logY: false });
    expect(width.points.map((p) => [p.runId, p.x])).toEqual([
      ['a', 100],
      ['b', 200],
    ]);
    const depth = scatterPoints(rows, 'depth', 'bestValAcc', { logX: false, logY: false });
    expect(depth.points.map((p) => [p.runId, p.x])).toEqual([
      ['a', 2],
      ['b', 1],
      ['d', 0],
    ]);
  });
});

describe('xChoicesFor', () => {
  it('offers the config values some run has, lr first', () => {
    const keys = xChoicesFor([row('a', { lr: 0.1, seed: 1 }, 0.5)]).map((c) => c.key);
    expect(keys).toEqual(['lr', 'seed']);
    const lr = xChoicesFor([row('a', { lr: 0.1 }, 0.5)])[0];
    expect(lr.log).toBe(true);
  });
});

describe('defaultX', () => {
  it('starts on the first value the runs vary, else the first there is', () => {
    const varied = [row('a', { lr: 0.1, seed: 1 }, 0.5), row('b', { lr: 0.1, seed: 2 }, 0.6)];
    expect(defaultX(varied, xChoicesFor(varied)).key).toBe('seed');
    const same = [row('a', { lr: 0.1 }, 0.5), row('b', { lr: 0.1 }, 0.6)];
    expect(defaultX(same, xChoicesFor(same)).key).toBe('lr');
  });
});

describe('axis', () => {
  it('spans powers of ten on a log axis, padded, with decade ticks', () => {
    const a = axis([1e-4, 1e-1], true);
    expect(a.min).toBeLessThan(1e-4);
    expect(a.max).toBeGreaterThan(1e-1);
    expect(a.ticks).toEqual([1e-4, 1e-3, 1e-2, 1e-1]);
    expect(fraction(a, 1e-4)).toBeGreaterThan(0);
    expect(fraction(a, 1e-1)).toBeLessThan(1);
    // Equal steps in log space are equal distances.
    expect(fraction(a, 1e-2) - fraction(a, 1e-3)).toBeCloseTo(fraction(a, 1e-3) - fraction(a, 1e-4), 12);
  });

  it('widens around a single value so the point sits in the middle', () => {
    const a = axis([0.5], false);
    expect(fraction(a, 0.5)).toBeCloseTo(0.5, 12);
    const l = axis([0.01], true);
    expect(fraction(l, 0.01)).toBeCloseTo(0.5, 12);
    expect(l.ticks.length).toBeGreaterThan(0);
  });

  it('has a range even with no values', () => {
    const a = axis([], false);
    expect(a.max).toBeGreaterThan(a.min);
  });
});

describe('linearTicks', () => {
  it('steps by 1, 2 or 5 times a power of ten', () => {
    expect(linearTicks(0, 1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(linearTicks(0.81, 0.93)).toEqual([0.82, 0.84, 0.86, 0.88, 0.9, 0.92]);
  });
});

describe('tickText', () => {
  it('writes decades short and plain numbers plainly', () => {
    expect([tickText(1e-5), tickText(0.001), tickText(0.25), tickText(2e6), tickText(0)]).toEqual([
      '1e-5',
      '0.001',
      '0.25',
      '2e+6',
      '0',
    ]);
  });
});
