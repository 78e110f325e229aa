// The weight-init lab's report: its two tables, one histogram grid per activation (a row per init,
// a column per layer, as the book's figures 6-10 to 6-14) and the MNIST loss curves (figure 6-15).

import type { ActivationName } from '../nn/layers/activation.js';
import { initLabel } from './init-choice.js';
import type { LabFigure } from './lab.js';
import { fixed, markdownTable, percent, seconds } from './markdown.js';
import { figure, histogramPanel, linePanel, type Panel } from './svg/charts.js';
import { colorAt } from './svg/svg.js';
import type { WeightInitConfig, WeightInitData } from './weight-init.js';

/**
 * A row's count axis. ReLU's first bin holds every dead unit (half or more of all values), so
 * its scale comes from the other bins, and the first bar is cut off, as in the book's figure 6-14.
 */
function rowMax(counts: readonly (readonly number[])[], activation: ActivationName): number {
  const from = activation === 'relu' ? 1 : 0;
  let max = 1;
  for (const c of counts) for (let i = from; i < c.length; i++) max = Math.max(max, c[i]);
  return Math.ceil(max * 1.1);
}

function histogramFigure(
  data: WeightInitData,
  activation: ActivationName,
  inits: WeightInitConfig['histogramInits'],
): LabFigure {
  const sets = inits.map(
    (init) => data.histograms.find((h) => h.activation === activation && h.init === init)!,
  );
  const panels: Panel[] = sets.flatMap((set, row) => {
    const yMax = rowMax(
      set.layers.map((l) => l.counts),
      activation,
    );
    return set.layers.map((l, col) =>
      histogramPanel({
        title: `${initLabel(set.init)} · layer ${l.layer}`,
        edges: l.edges,
        counts: l.counts,
        yMax,
        color: colorAt(row),
        yTickLabels: col === 0,
      }),
    );
  });
  return {
    file: `activations-${activation}.svg`,
    caption: `Activation histograms, ${activation}`,
    svg: figure({
      title: `${activation}: activations of 5 layers × 100 units on 1,000 random inputs`,
      columns: sets[0]?.layers.length ?? 5,
      cellWidth: 190,
      cellHeight: 150,
      panels,
    }),
  };
}

/** The figures of the weight-init lab. */
export function weightInitFigures(data: WeightInitData, c: WeightInitConfig): LabFigure[] {
  const inits = [...new Set([...c.histogramInits, ...c.inits])];
  const figures = (['sigmoid', 'relu'] as const).map((a) => histogramFigure(data, a, inits));
  const panels = c.activations.map((activation) =>
    linePanel({
      title: activation,
      x: { range: [0, c.steps], label: 'iterations' },
      y: { range: [0, 2.5], label: 'loss' },
      series: c.inits.map((init, i) => {
        const run = data.runs.find((r) => r.activation === activation && r.init === init)!;
        return { label: initLabel(init), x: run.curve.step, y: run.curve.loss, color: colorAt(i) };
      }),
    }),
  );
  figures.push({
    file: 'loss.svg',
    caption: 'MNIST training loss per initial weight scale',
    svg: figure({
      title: `MNIST, SGD lr ${c.lr}: training loss (smoothed) per initial weights`,
      columns: panels.length,
      cellWidth: 480,
      cellHeight: 360,
      legend: c.inits.map((init, i) => ({ label: initLabel(init), color: colorAt(i) })),
      panels,
    }),
  });
  return figures;
}

/** The results page's section: the activation-spread table and the MNIST table. */
export function weightInitMarkdown(
  data: WeightInitData,
  c: WeightInitConfig,
  sizes: { readonly train: number; readonly test: number; readonly marks: readonly number[] },
): string {
  const { histograms, runs } = data;
  const { marks } = sizes;
  const histogramRows = histograms.map((h) => [
    h.activation,
    initLabel(h.init),
    ...h.layers.map((l) => fixed(l.std, 3)),
    // Dead-ReLU shares do not depend on the scale (no bias: the signs are the same), so only sigmoid's.
    h.activation === 'sigmoid' ? percent(h.layers[h.layers.length - 1].saturated) : '—',
  ]);
  const runRows = runs.map((r) => [
    r.activation,
    initLabel(r.init),
    ...marks.map((s) => fixed(r.smoothed[String(s)])),
    percent(r.testAccuracy),
    seconds(r.elapsedMs),
  ]);
  const right = (n: number) => new Array<'right'>(n).fill('right');
  return [
    '**Activations** of 1,000 random N(0, 1) inputs through 5 layers of 100 units (no bias), fresh weights per layer: ' +
      "standard deviation of each layer's activations, and the share of saturated sigmoids (within 0.01 of 0 or 1) at layer 5.",
    '',
    markdownTable(
      ['activation', 'init', 'std L1', 'std L2', 'std L3', 'std L4', 'std L5', 'saturated at L5'],
      histogramRows,
      ['left', 'left', ...right(6)],
    ),
    '',
    `**MNIST**: MLP 784-${c.hidden.join('-')}-10, SGD lr ${c.lr}, batch ${c.batchSize}, ${c.steps} iterations on ${sizes.train} images; ` +
      `smoothed training loss (the book's smoothing) and test accuracy on ${sizes.test} images.`,
    '',
    markdownTable(
      ['activation', 'init', ...marks.map((s) => `loss @${s}`), 'test accuracy', 'time'],
      runRows,
      ['left', 'left', ...right(marks.length + 2)],
    ),
  ].join('\n');
}
