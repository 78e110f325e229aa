// Lab `weight-init` (book section 6.2, figures 6-10 to 6-15): how the initial weight scale shapes
// the activations of a deep net (histograms, as in the book) and whether it learns at all (MNIST
// loss curves, SGD lr 0.01), for std 0.01, Xavier and He, with sigmoid and with ReLU.

import { subset } from '../data/dataset.js';
import { checkNumber, invalidOption, unknownKind } from '../errors.js';
import { ACTIVATIONS, type ActivationName } from '../nn/layers/activation.js';
import { mlp } from '../nn/mlp.js';
import { sgd } from '../optim/alias.js';
import type { TrainEvent } from '../train/events.js';
import { activationHistograms, type LayerActivations } from './activation-histograms.js';
import { lastAccuracy, smoothCurve, thin } from './history.js';
import { type InitChoice, initLabel, initSpec } from './init-choice.js';
import type { LabDefinition } from './lab.js';
import { trainRuns } from './train-runs.js';
import { weightInitFigures, weightInitMarkdown } from './weight-init-report.js';

/** Settings of the weight-init lab. */
export interface WeightInitConfig {
  /** Inits compared on MNIST (the book's std 0.01, Xavier, He). */
  readonly inits: readonly InitChoice[];
  readonly activations: readonly ActivationName[];
  /** Inits of the histogram experiment (the book also shows std 1). */
  readonly histogramInits: readonly InitChoice[];
  readonly hidden: readonly number[];
  readonly batchSize: number;
  readonly steps: number;
  /** SGD's learning rate (the book's 0.01). */
  readonly lr: number;
  readonly trainLimit?: number;
  readonly testLimit?: number;
}

/** The histograms of one (activation, init) pair. */
export interface HistogramSet {
  readonly activation: ActivationName;
  readonly init: InitChoice;
  readonly layers: readonly LayerActivations[];
}

/** One MNIST run. */
export interface WeightInitRun {
  readonly activation: ActivationName;
  readonly init: InitChoice;
  readonly label: string;
  /** Smoothed loss at a quarter, half and all of the steps. */
  readonly smoothed: Readonly<Record<string, number>>;
  readonly testAccuracy: number;
  readonly elapsedMs: number;
  readonly error?: string;
  readonly curve: { readonly step: number[]; readonly loss: number[] };
}

/** What the lab returns. */
export interface WeightInitData {
  readonly histograms: readonly HistogramSet[];
  readonly runs: readonly WeightInitRun[];
}

const BOOK: WeightInitConfig = {
  inits: [0.01, 'xavier', 'he'],
  activations: ['sigmoid', 'relu'],
  histogramInits: [1, 0.01, 'xavier', 'he'],
  hidden: [100, 100, 100, 100],
  batchSize: 128,
  steps: 2000,
  lr: 0.01,
};

/** The dashboard's histogram events of a run's (activation, init) pair. */
function histogramEvents(layers: readonly LayerActivations[]): TrainEvent[] {
  return layers.map((l) => ({
    type: 'histogram',
    step: 0,
    layer: `layer${l.layer}`,
    kind: 'activations',
    edges: l.edges,
    counts: l.counts,
  }));
}

/** The weight-init lab. */
export const weightInit: LabDefinition<WeightInitConfig, WeightInitData> = {
  name: 'weight-init',
  title: 'Initial weights: activation distributions and learning',
  description: 'std 0.01 / Xavier / He with sigmoid and ReLU: activation histograms and MNIST loss curves',
  optionalKeys: ['trainLimit', 'testLimit'],
  defaults: (quick) =>
    quick
      ? {
          ...BOOK,
          inits: [0.01, 'he'],
          activations: ['relu'],
          steps: 100,
          trainLimit: 12_800,
          testLimit: 1000,
        }
      : BOOK,
  validate(c) {
    const where = 'weight-init';
    for (const a of c.activations)
      if (!ACTIVATIONS.includes(a)) unknownKind(where, 'activation', a, ACTIVATIONS);
    for (const i of [...c.inits, ...c.histogramInits]) initSpec(i);
    if (c.inits.length === 0 || c.activations.length === 0)
      invalidOption(where, 'inits/activations', 'at least one of each', {
        inits: c.inits,
        activations: c.activations,
      });
    checkNumber(where, 'steps', c.steps, { min: 1, integer: true });
    checkNumber(where, 'batchSize', c.batchSize, { min: 1, integer: true });
    checkNumber(where, 'lr', c.lr, { min: 0, minOpen: true });
    return c;
  },
  async run(c, ctx) {
    const histograms: HistogramSet[] = [];
    // Both activations' histograms always: they cost well under a second, and the book shows both.
    for (const activation of ACTIVATIONS) {
      for (const init of unique([...c.histogramInits, ...c.inits])) {
        histograms.push({
          activation,
          init,
          layers: activationHistograms({ activation, init, seed: ctx.seed }),
        });
      }
    }
    const layersOf = (a: ActivationName, i: InitChoice) =>
      histograms.find((h) => h.activation === a && h.init === i)!.layers;
    const mnist = ctx.mnist();
    const train = c.trainLimit ? subset(mnist.train, 0, c.trainLimit) : mnist.train;
    const test = c.testLimit ? subset(mnist.test, 0, c.testLimit) : mnist.test;
    const pairs = c.activations.flatMap((activation) => c.inits.map((init) => ({ activation, init })));
    const histories = await trainRuns(
      pairs.map(({ activation, init }) => ({
        label: `${initLabel(init)} / ${activation}`,
        preface: histogramEvents(layersOf(activation, init)),
        config: {
          model: mlp({ sizes: [784, ...c.hidden, 10], activation, init: initSpec(init) }),
          optimizer: sgd({ lr: c.lr }),
          train,
          batchSize: c.batchSize,
          steps: c.steps,
          seed: ctx.seed,
          nonFinite: 'skip',
          evalAtEnd: { test },
          meta: { lab: 'weight-init', activation, init },
        },
      })),
      ctx,
    );
    const marks = [...new Set([Math.round(c.steps / 4), Math.round(c.steps / 2), c.steps])];
    const runs = histories.map((h, i): WeightInitRun => {
      const smooth = smoothCurve(h.loss);
      const thinned = thin(smooth, 500);
      return {
        ...pairs[i],
        label: h.label,
        smoothed: Object.fromEntries(marks.map((s) => [String(s), smooth[s - 1] ?? Number.NaN])),
        testAccuracy: lastAccuracy(h, 'test'),
        elapsedMs: h.elapsedMs,
        ...(h.error ? { error: h.error } : {}),
        curve: { step: thinned.index.map((k) => k + 1), loss: thinned.values },
      };
    });
    const data = { histograms, runs };
    return {
      markdown: weightInitMarkdown(data, c, { train: train.n, test: test.n, marks }),
      figures: weightInitFigures(data, c),
      data,
    };
  },
};

function unique(choices: readonly InitChoice[]): InitChoice[] {
  return [...new Set(choices)];
}
