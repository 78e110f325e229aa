import { describe, expect, it } from 'vitest';
import { metricsToCsv, parseMetricsCsv } from '../../src/store/csv.js';

describe('metricsToCsv', () => {
  it('writes a header and one quoted-when-needed line per point', () => {
    const csv = metricsToCsv([
      { step: 1, name: 'loss', value: 0.25 },
      { step: 2, name: 'a,"b"', value: Number.NEGATIVE_INFINITY },
    ]);
    expect(csv).toBe('step,name,value\n1,loss,0.25\n2,"a,""b""",-Infinity\n');
  });
});

describe('parseMetricsCsv', () => {
  it('reads back what metricsToCsv wrote', () => {
    const points = [
      { step: 0, name: '"', value: Number.NaN },
      { step: 3, name: 'x', value: 5e-324 },
      { step: 4, name: '', value: -0 },
    ];
    expect(parseMetricsCsv(metricsToCsv(points))).toEqual(points);
  });

  it('refuses a wrong header or a malformed line, naming the line', () => {
    expect(() => parseMetricsCsv('a,b\n')).toThrow(
      'metrics CSV: header must be "step,name,value", got "a,b"',
    );
    expect(() => parseMetricsCsv('step,name,value\n1,loss\n')).toThrow(
      'metrics CSV line 2: expected step,name,value, got "1,loss"',
    );
    expect(() => parseMetricsCsv('step,name,value\nx,loss,1\n')).toThrow('metrics CSV line 2');
  });
});
