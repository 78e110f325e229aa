// Lab `batch-norm` (book section 6.3.2, figure 6-19): a 6-layer ReLU net trained with SGD on 1,000
// MNIST images, with and without batch normalization, for 16 initial weight scales from 1 to 1e-4:
// training accuracy per epoch, one panel per scale.

import { subset } from '../data/dataset.js';
import { checkNumber, invalidOption } from '../errors.js';
import { mlp } from '../nn/mlp.js';
import { sgd } from '../optim/alias.js';
import { accuracyCurve, lastAccuracy } from './history.js';
import type { LabDefinition } from './lab.js';
import { markdownTable, percent } from './markdown.js';
import { figure, linePanel } from './svg/charts.js';
import { colorAt, tickLabel } from './svg/svg.js';
import { trainRuns } from './train-runs.js';

/** Settings of the batch-norm lab. */
export interface BatchNormConfig {
  /** Initial weight standard deviations (the book's `np.logspace(0, -4, 16)`). */
  readonly scales: readonly number[];
  readonly trainSize: number;
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr: number;
  readonly hidden: readonly number[];
}

/** One weight scale: training accuracy per epoch with and without batch norm. */
export interface BatchNormPair {
  readonly scale: number;
  readonly withBn: readonly number[];
  readonly without: readonly number[];
  readonly skippedWithout: number;
  readonly skippedWithBn: number;
}

/** What the lab returns. */
export interface BatchNormData {
  readonly pairs: readonly BatchNormPair[];
}

/** `count` values from 10^from to 10^to, evenly spaced in the exponent (numpy's logspace). */
export function logspace(from: number, to: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => 10 ** (from + ((to - from) * i) / Math.max(1, count - 1)));
}

/** The batch-norm lab. */
export const batchNorm: LabDefinition<BatchNormConfig, BatchNormData> = {
  name: 'batch-norm',
  title: 'Batch normalization across initial weight scales',
  description:
    '6-layer ReLU net on 1,000 images, with and without batch norm, for 16 weight scales from 1 to 1e-4',
  defaults: (quick) => ({
    // Quick: two scales where batch norm already pulls ahead within five epochs.
    scales: quick ? [0.1, 0.03] : logspace(0, -4, 16),
    trainSize: 1000,
    epochs: quick ? 5 : 20,
    batchSize: 100,
    lr: 0.01,
    hidden: [100, 100, 100, 100, 100],
  }),
  validate(c) {
    const where = 'batch-norm';
    if (c.scales.length === 0) invalidOption(where, 'scales', 'at least one weight scale', []);
    for (const [i, s] of c.scales.entries()) checkNumber(where, `scales[${i}]`, s, { min: 0, minOpen: true });
    checkNumber(where, 'trainSize', c.trainSize, { min: 1, max: 60_000, integer: true });
    checkNumber(where, 'epochs', c.epochs, { min: 1, integer: true });
    checkNumber(where, 'batchSize', c.batchSize, { min: 1, integer: true });
    checkNumber(where, 'lr', c.lr, { min: 0, minOpen: true });
    return c;
  },
  async run(c, ctx) {
    const train = subset(ctx.mnist().train, 0, c.trainSize);
    const runs = c.scales.flatMap((scale) =>
      [true, false].map((bn) => ({
        label: `W ${tickLabel(scale)}${bn ? ' BN' : ''}`,
        config: {
          // The book's ε (its `10e-7`): with the default 1e-5, a layer whose pre-activations vary
          // less than that (W ≈ 1e-4) is scaled down instead of normalised, and nothing learns.
          model: mlp({
            sizes: [784, ...c.hidden, 10],
            init: { kind: 'std', std: scale },
            batchNorm: bn && { eps: 1e-6 },
          }),
          optimizer: sgd({ lr: c.lr }),
          train,
          batchSize: c.batchSize,
          epochs: c.epochs,
          // One micro-batch: batch statistics over the whole batch of 100, as in the book.
          microBatches: 1,
          seed: ctx.seed,
          // A large scale without batch norm overflows; those steps are dropped, as a NaN in numpy would stall.
          nonFinite: 'skip' as const,
          evalEachEpoch: { train },
          meta: { lab: 'batch-norm', scale, batchNorm: bn },
        },
      })),
    );
    const histories = await trainRuns(runs, ctx);
    const pairs = c.scales.map((scale, i): BatchNormPair => {
      const [bn, plain] = [histories[2 * i], histories[2 * i + 1]];
      return {
        scale,
        withBn: accuracyCurve(bn, 'train'),
        without: accuracyCurve(plain, 'train'),
        skippedWithBn: bn.skippedSteps,
        skippedWithout: plain.skippedSteps,
      };
    });
    const rows = pairs.map((p, i) => [
      tickLabel(p.scale),
      percent(lastAccuracy(histories[2 * i], 'train')),
      percent(lastAccuracy(histories[2 * i + 1], 'train')),
      `${p.skippedWithBn} / ${p.skippedWithout}`,
    ]);
    const markdown = [
      `MLP 784-${c.hidden.join('-')}-10 (ReLU), SGD lr ${c.lr}, batch ${c.batchSize}, ${c.epochs} epochs on the first ${c.trainSize} training images; ` +
        'training accuracy on those images after the last epoch. Initial weights N(0, W²) in every layer.',
      '',
      markdownTable(['W', 'with batch norm', 'without', 'steps skipped (non-finite), with / without'], rows, [
        'right',
        'right',
        'right',
        'right',
      ]),
    ].join('\n');
    const epochs = Array.from({ length: c.epochs }, (_, e) => e + 1);
    const panels = pairs.map((p, i) =>
      linePanel({
        title: `W: ${tickLabel(p.scale)}`,
        x: { range: [1, c.epochs], label: i >= pairs.length - 4 ? 'epochs' : undefined },
        y: { range: [0, 1], tickLabels: i % 4 === 0 },
        series: [
          { label: 'batch norm', x: epochs, y: p.withBn, color: colorAt(0) },
          { label: 'without', x: epochs, y: p.without, color: colorAt(1), dash: '5 3' },
        ],
      }),
    );
    const svg = figure({
      title: `Training accuracy per epoch (${c.trainSize} images), with and without batch norm`,
      columns: 4,
      cellWidth: 220,
      cellHeight: 170,
      legend: [
        { label: 'batch normalization', color: colorAt(0) },
        { label: 'without (dashed)', color: colorAt(1), dash: '5 3' },
      ],
      panels,
    });
    return {
      markdown,
      figures: [{ file: 'accuracy-grid.svg', caption: 'Accuracy per weight scale', svg }],
      data: { pairs },
    };
  },
};
