import { describe, expect, it } from 'vitest';
import { smoothCurve, tailMean, thin } from '../../src/labs/history.js';
import { fixed, markdownTable, percent, sci } from '../../src/labs/markdown.js';
import { figure, linePanel } from '../../src/labs/svg/charts.js';
import { contourPanels, quantileLevels } from '../../src/labs/svg/contour.js';
import { niceTicks, scale, tickLabel } from '../../src/labs/svg/svg.js';
import { sampleSurface } from '../../src/protocol/sample-surface.js';

describe('smoothCurve', () => {
  it("equals the book's smooth_curve (numpy: Kaiser window 11, β 2, reflected ends)", () => {
    // numpy 1.x: smooth_curve(np.array([3,1,4,1,5,9,2,6,5,3,5,8,9,7,9,3,2,3,8,4.])) rounded to 6 decimals.
    const numpy = [
      3.302948, 3.070652, 3.287451, 3.674924, 3.837163, 4.174262, 4.546359, 5.068381, 5.393705, 5.927661,
      5.996207, 5.802987, 5.847242, 5.865353, 5.738599, 5.613328, 5.548717, 5.186606, 4.768802, 4.500127,
    ];
    const ours = smoothCurve([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4]);
    for (const [i, v] of ours.entries()) expect(v).toBeCloseTo(numpy[i], 5);
  });

  it('leaves skipped (NaN) steps out of their windows', () => {
    const s = smoothCurve([1, 1, Number.NaN, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    for (const v of s) expect(v).toBeCloseTo(1, 12);
  });
});

describe('tailMean and thin', () => {
  it('averages the last finite values and thins a curve keeping its last point', () => {
    expect(tailMean([5, 1, Number.NaN, 3], 2)).toBe(2);
    const t = thin([0, 1, 2, 3, 4, 5, 6], 3);
    expect(t.index).toEqual([0, 3, 6]);
  });
});

describe('markdown', () => {
  it('writes a GitHub table with aligned columns and escaped pipes', () => {
    expect(markdownTable(['a', 'b'], [['x|y', '1']], ['left', 'right'])).toBe(
      '| a | b |\n|---|---:|\n| x\\|y | 1 |',
    );
  });

  it('formats numbers and marks missing ones', () => {
    expect([percent(0.9731), percent(Number.NaN), fixed(1 / 3, 2), sci(0.00123)]).toEqual([
      '97.3%',
      '—',
      '0.33',
      '1.23e-3',
    ]);
  });
});

describe('svg', () => {
  it('picks round ticks and short labels', () => {
    expect(niceTicks(0, 2000, 5)).toEqual([0, 500, 1000, 1500, 2000]);
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect([tickLabel(0.30000000000000004), tickLabel(1e-6), tickLabel(2500)]).toEqual([
      '0.3',
      '1e-6',
      '2500',
    ]);
  });

  it('maps log scales by decade', () => {
    const s = scale([1e-6, 1e-2], [0, 400], true);
    expect(s(1e-4)).toBeCloseTo(200, 9);
  });

  it('draws one contour ring per level around the bowl and reuses it in every panel', () => {
    const surface = sampleSurface({
      name: 'bowl',
      f: (x, y) => x * x + y * y,
      x: [-1, 1],
      y: [-1, 1],
      nx: 41,
      ny: 41,
    });
    const levels = quantileLevels(surface.values, 3);
    expect(levels).toHaveLength(3);
    const panels = contourPanels(surface, levels, [{ paths: [] }, { paths: [] }]);
    const svg = figure({ title: 't', columns: 2, cellWidth: 200, cellHeight: 200, panels });
    expect(svg.match(/<g id="contours">/g)).toHaveLength(1);
    expect(svg.match(/<use href="#contours"/g)).toHaveLength(2);
  });

  it('renders a line figure as a standalone SVG document with its legend', () => {
    const svg = figure({
      title: 'Loss <1>',
      columns: 1,
      cellWidth: 300,
      cellHeight: 200,
      legend: [{ label: 'SGD', color: '#000' }],
      panels: [
        linePanel({
          x: { range: [0, 2] },
          y: { range: [0, 1] },
          series: [{ label: 'SGD', x: [0, 1, 2], y: [1, 0.5, Number.NaN], color: '#000' }],
        }),
      ],
    });
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg" width="300"/);
    expect(svg).toContain('Loss &#60;1&#62;');
    expect(svg).toContain('>SGD</text>');
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });
});
