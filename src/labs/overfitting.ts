// Lab `overfitting` (book section 6.4, figures 6-20, 6-21 and 6-23): a 7-layer net on only 300
// training images, with no regularization, with weight decay (λ = 0.1) and with dropout (0.2):
// training versus test accuracy after every epoch, and the gap between them.

import { subset } from '../data/dataset.js';
import { checkNumber, invalidOption, unknownKind } from '../errors.js';
import { mlp } from '../nn/mlp.js';
import { sgd } from '../optim/alias.js';
import { accuracyCurve, lastAccuracy } from './history.js';
import type { LabDefinition } from './lab.js';
import { markdownTable, percent, seconds } from './markdown.js';
import { figure, linePanel } from './svg/charts.js';
import { colorAt } from './svg/svg.js';
import { trainRuns } from './train-runs.js';

/** The regularization settings compared. */
export type Regularization = 'none' | 'weight-decay' | 'dropout';

/** The allowed regularization names. */
export const REGULARIZATIONS: readonly Regularization[] = ['none', 'weight-decay', 'dropout'];

/** Settings of the overfitting lab. */
export interface OverfittingConfig {
  readonly variants: readonly Regularization[];
  readonly trainSize: number;
  readonly hidden: readonly number[];
  readonly epochs: number;
  readonly batchSize: number;
  readonly lr: number;
  /** λ of the ½λΣ‖W‖² penalty (the book's 0.1). */
  readonly weightDecay: number;
  /** Dropout probability (the book's 0.2). */
  readonly dropout: number;
  /** Test images evaluated after every epoch (default all 10,000). */
  readonly testLimit?: number;
}

/** One variant's curves. */
export interface OverfittingRun {
  readonly variant: Regularization;
  readonly train: readonly number[];
  readonly test: readonly number[];
  /** Final train minus final test accuracy. */
  readonly gap: number;
  /** Train minus test accuracy, averaged over the last tenth of the epochs (at least 5): less noisy. */
  readonly meanGap: number;
  readonly elapsedMs: number;
  readonly error?: string;
}

/** What the lab returns. */
export interface OverfittingData {
  readonly runs: readonly OverfittingRun[];
}

const TITLES: Readonly<Record<Regularization, string>> = {
  none: 'no regularization',
  'weight-decay': 'weight decay',
  dropout: 'dropout',
};

/** Mean of train − test over the last tenth of the epochs (at least 5). */
export function tailGap(train: readonly number[], test: readonly number[]): number {
  const n = Math.min(train.length, test.length);
  const k = Math.min(n, Math.max(5, Math.round(n / 10)));
  let sum = 0;
  for (let i = n - k; i < n; i++) sum += train[i] - test[i];
  return k > 0 ? sum / k : Number.NaN;
}

/** The overfitting lab. */
export const overfitting: LabDefinition<OverfittingConfig, OverfittingData> = {
  name: 'overfitting',
  title: 'Overfitting, weight decay and dropout',
  description:
    '300 training images, a 7-layer net: none / weight decay 0.1 / dropout 0.2, train vs test accuracy per epoch',
  optionalKeys: ['testLimit'],
  defaults: (quick) => ({
    variants: REGULARIZATIONS,
    trainSize: 300,
    hidden: [100, 100, 100, 100, 100, 100],
    // Quick: a higher rate overfits within 30 epochs (the book's 0.01 needs about 100).
    epochs: quick ? 30 : 201,
    batchSize: 100,
    lr: quick ? 0.05 : 0.01,
    weightDecay: 0.1,
    dropout: 0.2,
    ...(quick ? { testLimit: 500 } : {}),
  }),
  validate(c) {
    const where = 'overfitting';
    if (c.variants.length === 0)
      invalidOption(where, 'variants', 'at least one of none, weight-decay, dropout', []);
    for (const v of c.variants)
      if (!REGULARIZATIONS.includes(v)) unknownKind(where, 'variant', v, REGULARIZATIONS);
    checkNumber(where, 'trainSize', c.trainSize, { min: 1, max: 60_000, integer: true });
    checkNumber(where, 'epochs', c.epochs, { min: 1, integer: true });
    checkNumber(where, 'batchSize', c.batchSize, { min: 1, integer: true });
    checkNumber(where, 'lr', c.lr, { min: 0, minOpen: true });
    checkNumber(where, 'weightDecay', c.weightDecay, { min: 0 });
    checkNumber(where, 'dropout', c.dropout, { min: 0, max: 1, maxOpen: true });
    return c;
  },
  async run(c, ctx) {
    const mnist = ctx.mnist();
    const train = subset(mnist.train, 0, c.trainSize);
    const test = c.testLimit ? subset(mnist.test, 0, c.testLimit) : mnist.test;
    const histories = await trainRuns(
      c.variants.map((variant) => ({
        label: variant,
        config: {
          model: mlp({
            sizes: [784, ...c.hidden, 10],
            weightDecay: variant === 'weight-decay' ? c.weightDecay : 0,
            dropout: variant === 'dropout' ? c.dropout : 0,
          }),
          optimizer: sgd({ lr: c.lr }),
          train,
          batchSize: c.batchSize,
          epochs: c.epochs,
          seed: ctx.seed,
          evalEachEpoch: { train, test },
          meta: { lab: 'overfitting', variant },
        },
      })),
      ctx,
    );
    const runs = histories.map(
      (h, i): OverfittingRun => ({
        variant: c.variants[i],
        train: accuracyCurve(h, 'train'),
        test: accuracyCurve(h, 'test'),
        gap: lastAccuracy(h, 'train') - lastAccuracy(h, 'test'),
        meanGap: tailGap(accuracyCurve(h, 'train'), accuracyCurve(h, 'test')),
        elapsedMs: h.elapsedMs,
        ...(h.error ? { error: h.error } : {}),
      }),
    );
    const rows = runs.map((r) => [
      TITLES[r.variant],
      percent(r.train[r.train.length - 1]),
      percent(r.test[r.test.length - 1]),
      percent(r.gap),
      percent(r.meanGap),
      percent(Math.max(...r.test)),
      seconds(r.elapsedMs),
    ]);
    const markdown = [
      `MLP 784-${c.hidden.join('-')}-10 (ReLU, He), SGD lr ${c.lr}, batch ${c.batchSize}, ${c.epochs} epochs on the first ${c.trainSize} ` +
        `training images; accuracy on them and on ${test.n} test images after every epoch. Weight decay λ = ${c.weightDecay}, dropout ${c.dropout}.`,
      '',
      markdownTable(
        ['regularization', 'train', 'test', 'gap', 'mean gap, last tenth', 'best test', 'time'],
        rows,
        ['left', ...Array<'right'>(6).fill('right')],
      ),
    ].join('\n');
    const epochs = Array.from({ length: c.epochs }, (_, e) => e + 1);
    const panels = runs.map((r) =>
      linePanel({
        title: TITLES[r.variant],
        x: { range: [1, c.epochs], label: 'epochs' },
        y: { range: [0, 1], label: 'accuracy' },
        series: [
          { label: 'train', x: epochs, y: r.train, color: colorAt(0) },
          { label: 'test', x: epochs, y: r.test, color: colorAt(1) },
        ],
      }),
    );
    const svg = figure({
      title: `${c.trainSize} training images, ${c.hidden.length + 1}-layer net: train vs test accuracy`,
      columns: panels.length,
      cellWidth: 330,
      cellHeight: 280,
      legend: [
        { label: 'train', color: colorAt(0) },
        { label: 'test', color: colorAt(1) },
      ],
      panels,
    });
    return {
      markdown,
      figures: [{ file: 'accuracy.svg', caption: 'Train vs test accuracy', svg }],
      data: { runs },
    };
  },
};
