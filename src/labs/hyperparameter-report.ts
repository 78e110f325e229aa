// The search's report: the best trials' table with the bands their hyperparameters fall in, the
// scatter of validation accuracy against each hyperparameter (log axes), and the best trials'
// validation and training curves (the book's figure 6-24). A regression table's search shows its
// validation RMSE where a classifier's shows accuracy.

import type { HyperparameterSearchConfig, HyperparameterSearchData, Trial } from './hyperparameter-search.js';
import type { LabFigure } from './lab.js';
import { markdownTable, percent, sci } from './markdown.js';
import { log10Band } from './random-search.js';
import { figure, linePanel, scatterPanel } from './svg/charts.js';
import { colorAt } from './svg/svg.js';

const OTHER = '#c8c8c8';
const STOPPED = '#e8a0a0';

/** How the ranked metric reads: its name, its value as text, and the y range of its plots. */
function metricView(d: HyperparameterSearchData) {
  if (d.metric === 'accuracy')
    return {
      name: 'accuracy',
      text: (v: number) => `${(100 * v).toFixed(1)}%`,
      range: () => [0, 1] as const,
    };
  const finite = (vs: readonly number[]) => vs.filter(Number.isFinite);
  return {
    name: 'RMSE',
    text: (v: number) => (Number.isFinite(v) ? Number(v.toPrecision(3)).toString() : String(v)),
    // From 0 to the largest finite value shown, so the best trials' differences stay visible.
    range: (values: readonly number[]) => [0, Math.max(1e-12, ...finite(values)) * 1.05] as const,
  };
}

function pointColor(t: Trial, topIndices: ReadonlySet<number>): string {
  if (topIndices.has(t.index)) return colorAt(0);
  return t.stoppedEarly ? STOPPED : OTHER;
}

/** The scatter of validation accuracy against lr and weight decay, and the best trials' curves. */
export function hyperparameterFigures(
  d: HyperparameterSearchData,
  c: HyperparameterSearchConfig,
): LabFigure[] {
  const top = d.ranked.slice(0, Math.min(c.top, d.ranked.length));
  const m = metricView(d);
  const topIndices = new Set(top.map((t) => t.index));
  // Best trials last, so they are drawn on top.
  const order = [...d.ranked].reverse();
  const axis = (exponents: readonly [number, number]) => [10 ** exponents[0], 10 ** exponents[1]] as const;
  const scatter = (field: 'lr' | 'weightDecay', label: string, exponents: readonly [number, number]) =>
    scatterPanel({
      x: { range: axis(exponents), log: true, label },
      y: { range: m.range(d.ranked.map((t) => t.finalValidation)), label: `validation ${m.name}` },
      points: order
        .filter((t) => Number.isFinite(t.finalValidation))
        .map((t) => ({
          x: t[field],
          y: t.finalValidation,
          color: pointColor(t, topIndices),
          title: `trial ${t.index + 1}: lr ${t.lr.toExponential(2)}, weight decay ${t.weightDecay.toExponential(2)}, validation ${m.text(t.finalValidation)}`,
        })),
    });
  const legend = [
    { label: `best ${top.length}`, color: colorAt(0), dot: true },
    { label: 'other trials', color: OTHER, dot: true },
    ...(d.ranked.some((t) => t.stoppedEarly) ? [{ label: 'stopped early', color: STOPPED, dot: true }] : []),
  ];
  const scatterSvg = figure({
    title: `Random search, ${d.ranked.length} trials: final validation ${m.name}`,
    columns: 2,
    cellWidth: 420,
    cellHeight: 320,
    legend,
    panels: [
      scatter('lr', 'learning rate', c.lrExponents),
      scatter('weightDecay', 'weight decay λ', c.weightDecayExponents),
    ],
  });
  const curveRange = m.range(top.flatMap((t) => [...t.validation, ...t.train]));
  const curves = top.map((t, i) => {
    const epochs = t.validation.map((_, e) => e + 1);
    return linePanel({
      title: `Best-${i + 1}: ${d.metric === 'accuracy' ? `${(100 * t.finalValidation).toFixed(0)}%` : m.text(t.finalValidation)}`,
      x: { range: [1, Math.max(2, c.epochs)], tickLabels: i >= top.length - 5 },
      y: { range: curveRange, tickLabels: i % 5 === 0 },
      series: [
        { label: 'validation', x: epochs, y: t.validation, color: colorAt(0) },
        { label: 'train', x: epochs, y: t.train, color: colorAt(1), dash: '5 3' },
      ],
    });
  });
  const curvesSvg = figure({
    title: `The best ${top.length} trials: ${m.name} per epoch`,
    columns: 5,
    cellWidth: 170,
    cellHeight: 130,
    legend: [
      { label: 'validation', color: colorAt(0) },
      { label: 'train', color: colorAt(1), dash: '5 3' },
    ],
    panels: curves,
  });
  return [
    {
      file: 'scatter.svg',
      caption: `Validation ${m.name} against learning rate and weight decay`,
      svg: scatterSvg,
    },
    {
      file: 'best-trials.svg',
      caption: `The best trials: validation (solid) and training (dashed) ${m.name}`,
      svg: curvesSvg,
    },
  ];
}

function band([a, b]: readonly [number, number]): string {
  return `10^${a.toFixed(2)} – 10^${b.toFixed(2)} (${(b - a).toFixed(2)} decades)`;
}

/** The results page's section: settings, the bands, the best trials' table. */
export function searchMarkdown(
  c: HyperparameterSearchConfig,
  d: HyperparameterSearchData,
  top: readonly Trial[],
): string {
  const stopped = d.ranked.filter((t) => t.stoppedEarly).length;
  const failed = d.ranked.filter((t) => t.error !== undefined).length;
  // The few best as well: past them, a long search's top list fills up with trials near chance.
  const few = top.slice(0, Math.min(5, top.length));
  const m = metricView(d);
  const value = d.metric === 'accuracy' ? percent : m.text;
  const best = (vs: readonly number[]) => (d.metric === 'accuracy' ? Math.max(...vs) : Math.min(...vs));
  const rows = top.map((t, i) => [
    String(i + 1),
    String(t.index + 1),
    value(t.finalValidation),
    value(best(t.validation)),
    sci(t.lr),
    sci(t.weightDecay),
    String(t.validation.length),
    t.storeId ?? '—',
  ]);
  return [
    `${c.trials} trials of MLP ${d.sizes.join('-')} (ReLU, He), SGD, batch ${c.batchSize}, ${c.epochs} epochs on ${d.trainSize} ` +
      `${d.samples}; validation on ${d.validationSize} held-out ${d.samples} (the test set is not used)` +
      (d.metric === 'rmse' ? ', ranked by validation RMSE (lowest first). ' : '. ') +
      (c.earlyStop
        ? `Early stopping: ${stopped} trials stopped after ${c.earlyStop.afterEpochs} epochs below ${percent(c.earlyStop.minAccuracy)}.`
        : 'No early stopping.') +
      (failed > 0 ? ` **${failed} trials failed** (ranked last; their errors are in results.json).` : ''),
    '',
    `- learning rate: sampled ${band(d.lrBand.sampled)}; best ${top.length}: ${band(d.lrBand.top)}; best ${few.length}: ${band(log10Band(few.map((t) => t.lr)))}`,
    `- weight decay: sampled ${band(d.weightDecayBand.sampled)}; best ${top.length}: ${band(d.weightDecayBand.top)}; best ${few.length}: ${band(log10Band(few.map((t) => t.weightDecay)))}`,
    '',
    markdownTable(
      [
        'rank',
        'trial',
        `validation${d.metric === 'rmse' ? ' RMSE' : ''}`,
        `best validation${d.metric === 'rmse' ? ' RMSE' : ''}`,
        'lr',
        'weight decay',
        'epochs',
        'stored run',
      ],
      rows,
      ['right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
    ),
  ].join('\n');
}
