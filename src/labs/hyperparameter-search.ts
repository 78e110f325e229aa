// Lab `hyperparameter-search` (book section 6.5, figure 6-24): random search over the learning rate
// 10^U(−6, −2) and weight decay 10^U(−8, −4) for a 7-layer net on 400 training images, judged on a
// held-out 20% validation split (never the test set). Trials run concurrently, each stored as a run.

import { splitValidation, subset } from '../data/dataset.js';
import { checkNumber } from '../errors.js';
import { mlp } from '../nn/mlp.js';
import { sgd } from '../optim/alias.js';
import { RunStore } from '../store/run-store.js';
import { accuracyCurve } from './history.js';
import { hyperparameterFigures, searchMarkdown } from './hyperparameter-report.js';
import type { LabDefinition } from './lab.js';
import { type EarlyStopRule, isHopeless, log10Band, sampleTrials } from './random-search.js';
import { trainRuns } from './train-runs.js';

/** Settings of the search. */
export interface HyperparameterSearchConfig {
  readonly trials: number;
  readonly epochs: number;
  /** The first this many MNIST training images are split into train and validation. */
  readonly trainSize: number;
  readonly validationFraction: number;
  readonly batchSize: number;
  readonly hidden: readonly number[];
  /** The learning rate is 10^U(a, b). */
  readonly lrExponents: readonly [number, number];
  /** The weight decay λ is 10^U(a, b). */
  readonly weightDecayExponents: readonly [number, number];
  /** Stop hopeless trials early, or `false` to run every trial in full (the book). */
  readonly earlyStop: false | EarlyStopRule;
  /** How many of the best trials the table and the curves figure show (the book's 20). */
  readonly top: number;
  /** Also evaluate the training images after every epoch (the book's dashed curves). */
  readonly trackTrain: boolean;
}

/** One trial's outcome. */
export interface Trial {
  readonly index: number;
  readonly lr: number;
  readonly weightDecay: number;
  /** Validation and training accuracy after every epoch run. */
  readonly validation: readonly number[];
  readonly train: readonly number[];
  /** The last validation accuracy: what trials are ranked by, as in the book. */
  readonly finalValidation: number;
  readonly stoppedEarly: boolean;
  readonly storeId: string | undefined;
  readonly elapsedMs: number;
  readonly error?: string;
}

/** What the lab returns. */
export interface HyperparameterSearchData {
  /** Every trial, best first. */
  readonly ranked: readonly Trial[];
  /** log10 band of the sampled learning rates, and of the top trials' ones. */
  readonly lrBand: { readonly sampled: readonly [number, number]; readonly top: readonly [number, number] };
  readonly weightDecayBand: {
    readonly sampled: readonly [number, number];
    readonly top: readonly [number, number];
  };
  readonly trainSize: number;
  readonly validationSize: number;
}

const where = 'hyperparameter-search';

/** The search lab. */
export const hyperparameterSearch: LabDefinition<HyperparameterSearchConfig, HyperparameterSearchData> = {
  name: where,
  title: 'Random search of learning rate and weight decay',
  description:
    'lr 10^U(−6,−2), weight decay 10^U(−8,−4), 500 images with a 20% validation split, trials stored as runs',
  recordsRuns: true,
  // Quick: batches of 20 give SGD five times the updates per epoch, so the good learning rates
  // separate from the rest within 6 epochs; no training-set evaluation.
  defaults: (quick) => ({
    trials: quick ? 8 : 100,
    epochs: quick ? 6 : 50,
    trainSize: 500,
    validationFraction: 0.2,
    batchSize: quick ? 20 : 100,
    hidden: [100, 100, 100, 100, 100, 100],
    lrExponents: [-6, -2],
    weightDecayExponents: [-8, -4],
    earlyStop: false,
    top: quick ? 2 : 20,
    trackTrain: !quick,
  }),
  validate(c) {
    checkNumber(where, 'trials', c.trials, { min: 1, max: 10_000, integer: true });
    checkNumber(where, 'epochs', c.epochs, { min: 1, integer: true });
    checkNumber(where, 'trainSize', c.trainSize, { min: 2, max: 60_000, integer: true });
    checkNumber(where, 'validationFraction', c.validationFraction, {
      min: 0,
      max: 1,
      minOpen: true,
      maxOpen: true,
    });
    checkNumber(where, 'top', c.top, { min: 1, integer: true });
    for (const [field, [a, b]] of [
      ['lrExponents', c.lrExponents],
      ['weightDecayExponents', c.weightDecayExponents],
    ] as const) {
      checkNumber(where, `${field}[0]`, a, { max: 2 });
      checkNumber(where, `${field}[1]`, b, { min: a, max: 2 });
    }
    if (c.earlyStop) {
      checkNumber(where, 'earlyStop.afterEpochs', c.earlyStop.afterEpochs, { min: 1, integer: true });
      checkNumber(where, 'earlyStop.minAccuracy', c.earlyStop.minAccuracy, { min: 0, max: 1 });
    }
    return c;
  },
  async run(c, ctx) {
    const pool = subset(ctx.mnist().train, 0, c.trainSize);
    const { train, validation } = splitValidation(pool, { fraction: c.validationFraction, seed: ctx.seed });
    const sampled = sampleTrials(c.trials, c.lrExponents, c.weightDecayExponents, ctx.seed);
    const store = RunStore.open({ dir: ctx.storeDir });
    const rule = c.earlyStop;
    let histories: Awaited<ReturnType<typeof trainRuns>>;
    try {
      histories = await trainRuns(
        sampled.map((t) => {
          const name = `${ctx.runIdPrefix}/trial-${String(t.index + 1).padStart(3, '0')}`;
          const model = mlp({ sizes: [784, ...c.hidden, 10], weightDecay: t.weightDecay });
          const settings = {
            lab: where,
            trial: t.index + 1,
            lr: t.lr,
            weightDecay: t.weightDecay,
            seed: ctx.seed + t.index,
          };
          return {
            label: name.slice(ctx.runIdPrefix.length + 1),
            record: {
              store,
              name,
              config: {
                ...settings,
                model,
                epochs: c.epochs,
                batchSize: c.batchSize,
                train: train.n,
                validation: validation.n,
              },
            },
            stopWhen: rule ? (h) => isHopeless(accuracyCurve(h, 'validation'), rule) : undefined,
            config: {
              model,
              optimizer: sgd({ lr: t.lr }),
              train,
              batchSize: c.batchSize,
              epochs: c.epochs,
              seed: settings.seed,
              nonFinite: 'skip' as const,
              evalEachEpoch: c.trackTrain ? { train, validation } : { validation },
              meta: settings,
            },
          };
        }),
        ctx,
      );
    } finally {
      store.close();
    }
    const trials = histories.map((h, i): Trial => {
      const val = accuracyCurve(h, 'validation');
      return {
        ...sampled[i],
        validation: val,
        train: accuracyCurve(h, 'train'),
        finalValidation: val.length > 0 ? val[val.length - 1] : 0,
        stoppedEarly: h.endReason === 'stopped',
        storeId: h.storeId,
        elapsedMs: h.elapsedMs,
        ...(h.error ? { error: h.error } : {}),
      };
    });
    const ranked = [...trials].sort((a, b) => b.finalValidation - a.finalValidation || a.index - b.index);
    const top = ranked.slice(0, Math.min(c.top, ranked.length));
    const data: HyperparameterSearchData = {
      ranked,
      lrBand: { sampled: log10Band(trials.map((t) => t.lr)), top: log10Band(top.map((t) => t.lr)) },
      weightDecayBand: {
        sampled: log10Band(trials.map((t) => t.weightDecay)),
        top: log10Band(top.map((t) => t.weightDecay)),
      },
      trainSize: train.n,
      validationSize: validation.n,
    };
    return { markdown: searchMarkdown(c, data, top), figures: hyperparameterFigures(data, c), data };
  },
};
