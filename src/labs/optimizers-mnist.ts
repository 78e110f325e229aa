// Lab `optimizers-mnist` (book section 6.1.8, figure 6-9): a 5-layer ReLU net with He init trained
// on MNIST by each optimizer, same initial weights and same batches, losses overlaid live.

import { subset } from '../data/dataset.js';
import { checkNumber, invalidOption } from '../errors.js';
import { mlp } from '../nn/mlp.js';
import { type OptimizerConfig, optimizerFromConfig } from '../optim/from-config.js';
import { lastAccuracy, type RunHistory, smoothCurve, tailMean, thin } from './history.js';
import type { LabDefinition } from './lab.js';
import { fixed, markdownTable, optimizerLabel, percent, seconds } from './markdown.js';
import { figure, linePanel } from './svg/charts.js';
import { colorAt } from './svg/svg.js';
import { trainRuns } from './train-runs.js';

/** Settings of the MNIST optimizer comparison. */
export interface OptimizersMnistConfig {
  /** Hidden layer sizes; the book's 4 × 100 (a 5-layer net). */
  readonly hidden: readonly number[];
  readonly batchSize: number;
  /** Iterations per optimizer (the book's 2,000). */
  readonly steps: number;
  /** Training samples used (default all 60,000). */
  readonly trainLimit?: number;
  /** Test samples evaluated after the last step (default all 10,000). */
  readonly testLimit?: number;
  /** The book's learning rates: its optimizers' defaults (0.01, and 0.001 for Adam). */
  readonly optimizers: readonly OptimizerConfig[];
}

/** One optimizer's outcome. */
export interface OptimizerMnistResult {
  readonly label: string;
  readonly optimizer: OptimizerConfig;
  /** The book's smoothed loss at a few iterations, and the mean of the last 100 raw losses. */
  readonly smoothed: Readonly<Record<string, number>>;
  readonly finalLoss: number;
  readonly testAccuracy: number;
  readonly elapsedMs: number;
  readonly skippedSteps: number;
  readonly error?: string;
  /** Smoothed loss curve, thinned to at most 500 points: iterations and values. */
  readonly curve: { readonly step: number[]; readonly loss: number[] };
}

/** What the lab returns. */
export interface OptimizersMnistData {
  readonly results: readonly OptimizerMnistResult[];
}

const BOOK_OPTIMIZERS: readonly OptimizerConfig[] = [
  { name: 'sgd', lr: 0.01 },
  { name: 'momentum', lr: 0.01 },
  { name: 'nesterov', lr: 0.01 },
  { name: 'adagrad', lr: 0.01 },
  { name: 'rmsprop', lr: 0.01 },
  { name: 'adam', lr: 0.001 },
];

/** Iterations at which the table reports the smoothed loss. */
function checkpoints(steps: number): number[] {
  return [...new Set([Math.round(steps / 4), Math.round(steps / 2), steps])].filter((s) => s >= 1);
}

function summarize(h: RunHistory, optimizer: OptimizerConfig, steps: number): OptimizerMnistResult {
  const smooth = smoothCurve(h.loss);
  const smoothed = Object.fromEntries(
    checkpoints(steps).map((s) => [String(s), smooth[s - 1] ?? Number.NaN]),
  );
  const thinned = thin(smooth, 500);
  return {
    label: h.label,
    optimizer,
    smoothed,
    finalLoss: tailMean(h.loss, 100),
    testAccuracy: lastAccuracy(h, 'test'),
    elapsedMs: h.elapsedMs,
    skippedSteps: h.skippedSteps,
    ...(h.error ? { error: h.error } : {}),
    curve: { step: thinned.index.map((i) => i + 1), loss: thinned.values },
  };
}

/** Top of the loss axis: the book's 1, raised (up to 2.5) when a curve ends above it. */
function yTop(results: readonly OptimizerMnistResult[]): number {
  const ends = results.map((r) => r.curve.loss[r.curve.loss.length - 1]).filter(Number.isFinite);
  return Math.min(2.5, Math.max(1, ...ends.map((v) => Math.ceil(v * 2) / 2)));
}

/** The MNIST optimizer comparison. */
export const optimizersMnist: LabDefinition<OptimizersMnistConfig, OptimizersMnistData> = {
  name: 'optimizers-mnist',
  title: 'Optimizers on MNIST',
  description: 'a 5-layer ReLU net (He init), batch 128, 2,000 iterations per optimizer, losses overlaid',
  optionalKeys: ['trainLimit', 'testLimit'],
  defaults: (quick) =>
    quick
      ? {
          hidden: [100, 100, 100, 100],
          batchSize: 128,
          steps: 50,
          trainLimit: 128 * 50,
          testLimit: 1000,
          optimizers: BOOK_OPTIMIZERS.filter((o) => ['sgd', 'momentum', 'adagrad', 'adam'].includes(o.name)),
        }
      : { hidden: [100, 100, 100, 100], batchSize: 128, steps: 2000, optimizers: BOOK_OPTIMIZERS },
  validate(c) {
    const where = 'optimizers-mnist';
    for (const [i, h] of c.hidden.entries()) checkNumber(where, `hidden[${i}]`, h, { min: 1, integer: true });
    checkNumber(where, 'batchSize', c.batchSize, { min: 1, integer: true });
    checkNumber(where, 'steps', c.steps, { min: 1, integer: true });
    if (c.optimizers.length === 0) invalidOption(where, 'optimizers', 'at least one optimizer', []);
    for (const o of c.optimizers) optimizerFromConfig(o);
    return c;
  },
  async run(c, ctx) {
    const mnist = ctx.mnist();
    const train = c.trainLimit ? subset(mnist.train, 0, c.trainLimit) : mnist.train;
    const test = c.testLimit ? subset(mnist.test, 0, c.testLimit) : mnist.test;
    const model = mlp({ sizes: [784, ...c.hidden, 10], activation: 'relu', init: 'he' });
    const labels = c.optimizers.map((o) => optimizerLabel(o.name));
    const histories = await trainRuns(
      c.optimizers.map((o, i) => ({
        label: labels.indexOf(labels[i]) === i ? labels[i] : `${labels[i]} ${o.lr}`,
        config: {
          model,
          optimizer: optimizerFromConfig(o),
          train,
          batchSize: c.batchSize,
          steps: c.steps,
          seed: ctx.seed,
          nonFinite: 'skip',
          evalAtEnd: { test },
          meta: { lab: 'optimizers-mnist', optimizerConfig: o },
        },
      })),
      ctx,
    );
    const results = histories.map((h, i) => summarize(h, c.optimizers[i], c.steps));
    const marks = checkpoints(c.steps);
    const rows = results.map((r) => [
      r.label,
      String(r.optimizer.lr),
      ...marks.map((s) => fixed(r.smoothed[String(s)])),
      fixed(r.finalLoss),
      percent(r.testAccuracy),
      seconds(r.elapsedMs),
    ]);
    const markdown = [
      `MLP ${model.sizes.join('-')} (ReLU, He), batch ${c.batchSize}, ${c.steps} iterations on ${train.n} training images; ` +
        `test accuracy on ${test.n} test images after the last step. Same seed for every optimizer: same initial weights, same batches.`,
      '',
      markdownTable(
        [
          'optimizer',
          'lr',
          ...marks.map((s) => `loss @${s} (smoothed)`),
          'last-100 mean loss',
          'test accuracy',
          'time',
        ],
        rows,
        ['left', ...rows[0].slice(1).map(() => 'right' as const)],
      ),
    ].join('\n');
    const svg = figure({
      title: `MNIST, ${c.steps} iterations: training loss (smoothed as in the book)`,
      columns: 1,
      cellWidth: 720,
      cellHeight: 420,
      legend: results.map((r, i) => ({ label: r.label, color: colorAt(i) })),
      panels: [
        linePanel({
          x: { range: [0, c.steps], label: 'iterations' },
          // The book's 0–1 view; taller when a curve stays above it (short runs, SGD).
          y: { range: [0, yTop(results)], label: 'loss' },
          series: results.map((r, i) => ({
            label: r.label,
            x: r.curve.step,
            y: r.curve.loss,
            color: colorAt(i),
          })),
        }),
      ],
    });
    return {
      markdown,
      figures: [{ file: 'loss.svg', caption: 'Training loss per optimizer', svg }],
      data: { results },
    };
  },
};
