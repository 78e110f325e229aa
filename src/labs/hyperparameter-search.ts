// Lab `hyperparameter-search` (book section 6.5, figure 6-24): random search over the learning rate
// 10^U(−6, −2) and weight decay 10^U(−8, −4) for a 7-layer net on 400 training images, judged on a
// held-out 20% validation split (never the test set). Trials run concurrently, each stored as a run.
// Each trial is one `train` config (trialJob): a queue worker trains it as it is (`--queue`), and the
// local run is built from it, so both give the same numbers. Every trial has the lab's seed: one
// split (loadRunData splits with the run's seed), and the same initial weights and batch order, so
// trials differ only in their hyperparameters. With a CSV table (`table`), the trials train on it
// instead: its rows split the same way, fitted once; a regression table's trials are ranked by
// validation RMSE (lowest first) instead of accuracy.

import { basename } from 'node:path';
import { buildRun, type DataShape } from '../config/build.js';
import { loadRunDataAsync } from '../config/data.js';
import { pickOptions } from '../config/options.js';
import type { RunConfig } from '../config/schema.js';
import { parseConfig } from '../config/validate.js';
import { type Dataset, splitValidation, subset } from '../data/dataset.js';
import { checkNumber, invalidOption } from '../errors.js';
import { RunStore } from '../store/run-store.js';
import { accuracyCurve, metricCurve } from './history.js';
import { hyperparameterFigures, searchMarkdown } from './hyperparameter-report.js';
import type { LabDefinition } from './lab.js';
import {
  type EarlyStopRule,
  isHopeless,
  log10Band,
  sampleTrials,
  type TrialParams,
} from './random-search.js';
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
  /**
   * A CSV table to search on instead of MNIST (all its rows; `trainSize` is MNIST's), or `false`.
   * The table must be readable here (it is fitted once here, also with `--queue`).
   */
  readonly table: false | SearchTable;
}

/** The CSV table of a search: its path and label column(s), as `train --data … --label …` takes them. */
export interface SearchTable {
  readonly path: string;
  readonly label: string;
}

/** What trials are ranked by: validation accuracy (highest first), or a regression's RMSE (lowest first). */
export type SearchMetric = 'accuracy' | 'rmse';

/** One trial's outcome. */
export interface Trial {
  readonly index: number;
  readonly lr: number;
  readonly weightDecay: number;
  /** Validation and training accuracy (a regression's RMSE) after every epoch run. */
  readonly validation: readonly number[];
  readonly train: readonly number[];
  /** The last validation accuracy (or RMSE): what trials are ranked by, as in the book. */
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
  /** What the trials were ranked by. */
  readonly metric: SearchMetric;
  /** The trials' layer sizes, input first. */
  readonly sizes: readonly number[];
  /** What the samples are: `images` (MNIST), or `rows of <table>`. */
  readonly samples: string;
}

const where = 'hyperparameter-search';

/** What a trial's config takes from the lab's context. */
interface TrialContext {
  readonly seed: number;
  readonly workers: number;
}

/**
 * Trial `t` as a `train` config: MNIST's first `trainSize` images split by the lab's seed, SGD at the
 * trial's lr, the L2 penalty at its weight decay, validated every epoch, no histograms; a checkpoint
 * every epoch, so a queued trial taken over from a dead worker loses at most one epoch.
 */
export function trialJob(
  c: HyperparameterSearchConfig,
  t: TrialParams,
  ctx: TrialContext,
  name: string,
  trainRows = Math.round(c.trainSize * (1 - c.validationFraction)),
): RunConfig {
  const stepsPerEpoch = Math.ceil(trainRows / c.batchSize);
  return parseConfig(
    {
      name,
      model: { hidden: [...c.hidden], weightDecay: t.weightDecay },
      optimizer: { name: 'sgd', lr: t.lr },
      data: c.table
        ? { dir: c.table.path, label: c.table.label, validation: c.validationFraction }
        : { trainLimit: c.trainSize, validation: c.validationFraction },
      batchSize: c.batchSize,
      epochs: c.epochs,
      seed: ctx.seed,
      workers: ctx.workers,
      // Fixed here, not by the worker's thread count: the sums' order, and so the numbers, follow it.
      microBatches: Math.min(ctx.workers, c.batchSize),
      nonFinite: 'skip',
      evalEvery: 0,
      histogramEvery: 0,
      checkpoint: { everySteps: Math.max(1, stepsPerEpoch) },
      dashboard: { enabled: false },
    },
    // The worker checks the data files against its own data roots; here the lab's MNIST is used.
    { checkFiles: false },
  );
}

/** The train / validation split `loadRunData` makes of `job`'s data, taken from the MNIST images given. */
function trialData(pool: Dataset, job: RunConfig): { train: Dataset; validation: Dataset } {
  const limited = subset(pool, 0, Math.min(job.data.trainLimit ?? pool.n, pool.n));
  return splitValidation(limited, { fraction: job.data.validation, seed: job.seed });
}

/**
 * The search's one split, and for a table its shape (from the fit) and what its samples are called:
 * MNIST's first `trainSize` images, or the table fitted on the training rows of `job`'s split.
 */
async function searchData(
  c: HyperparameterSearchConfig,
  job: RunConfig,
  ctx: { mnist(): { train: Dataset } },
): Promise<{
  split: { train: Dataset; validation: Dataset };
  shape: DataShape | undefined;
  samples: string;
}> {
  if (!c.table) return { split: trialData(ctx.mnist().train, job), shape: undefined, samples: 'images' };
  const data = await loadRunDataAsync(job);
  return {
    split: { train: data.train, validation: data.validation! },
    shape: data.table?.shape,
    samples: `rows of ${basename(c.table.path)}`,
  };
}

/** The local run of a trial's config: `labTrain`'s options built from it as a worker builds them. */
function localConfig(
  job: RunConfig,
  data: { train: Dataset; validation: Dataset },
  trackTrain: boolean,
  shape: DataShape | undefined,
) {
  const { workers: _workers, ...plan } = buildRun(job, shape).plan;
  return {
    ...plan,
    ...pickOptions('session', job),
    train: data.train,
    evalEachEpoch: trackTrain ? data : { validation: data.validation },
  };
}

/** The search lab. */
export const hyperparameterSearch: LabDefinition<HyperparameterSearchConfig, HyperparameterSearchData> = {
  name: where,
  title: 'Random search of learning rate and weight decay',
  description:
    'lr 10^U(−6,−2), weight decay 10^U(−8,−4), 500 images with a 20% validation split, trials stored as runs',
  recordsRuns: true,
  // A queued trial is a `train` run: it evaluates its validation split, not the training images.
  queueDefaults: { trackTrain: false },
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
    table: false,
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
    const table = c.table as unknown;
    if (table !== false) {
      const t = table as Partial<SearchTable> | null;
      if (typeof t !== 'object' || t === null || typeof t.path !== 'string' || !/\.csv$/i.test(t.path))
        invalidOption(where, 'table.path', 'a CSV file (a path ending in .csv)', t?.path ?? table);
      if (typeof t.label !== 'string' || t.label.trim() === '')
        invalidOption(where, 'table.label', 'the label column(s), e.g. "class"', t.label);
    }
    return c;
  },
  async run(c, ctx) {
    if (ctx.queue && c.trackTrain)
      invalidOption(
        where,
        'trackTrain',
        'false with --queue (a queued trial evaluates its validation split only)',
        true,
      );
    const sampled = sampleTrials(c.trials, c.lrExponents, c.weightDecayExponents, ctx.seed);
    const nameOf = (t: TrialParams) => `${ctx.runIdPrefix}/trial-${String(t.index + 1).padStart(3, '0')}`;
    // Every trial has the lab's seed, hence one split (and one table fit) for all of them. The first
    // trial's config only says which data here (its checkpoint interval, sized before the rows are
    // known, is not used); the trials' own configs below are sized from the split.
    const { split, shape, samples } = await searchData(
      c,
      trialJob(c, sampled[0], ctx, nameOf(sampled[0])),
      ctx,
    );
    const jobs = sampled.map((t) => trialJob(c, t, ctx, nameOf(t), split.train.n));
    const { train, validation } = split;
    const metric: SearchMetric = shape?.regression ? 'rmse' : 'accuracy';
    if (metric === 'rmse' && c.earlyStop)
      invalidOption(
        where,
        'earlyStop',
        'false for a regression table (its rule is a minimum accuracy)',
        c.earlyStop,
      );
    const store = RunStore.open({ dir: ctx.storeDir });
    const rule = c.earlyStop;
    let histories: Awaited<ReturnType<typeof trainRuns>>;
    try {
      histories = await trainRuns(
        sampled.map((t, i) => {
          const name = nameOf(t);
          const job = jobs[i];
          const settings = {
            lab: where,
            trial: t.index + 1,
            lr: t.lr,
            weightDecay: t.weightDecay,
            seed: job.seed,
          };
          const model = buildRun(job, shape).model;
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
            job,
            config: { ...localConfig(job, split, c.trackTrain, shape), meta: settings },
          };
        }),
        ctx,
      );
    } finally {
      store.close();
    }
    const trials = histories.map((h, i): Trial => {
      const val = metricCurve(h, 'validation', metric);
      return {
        ...sampled[i],
        validation: val,
        train: metricCurve(h, 'train', metric),
        // A trial with no evaluation (it failed) ranks last either way.
        finalValidation: val.length > 0 ? val[val.length - 1] : metric === 'accuracy' ? 0 : Number.NaN,
        stoppedEarly: h.endReason === 'stopped',
        storeId: h.storeId,
        elapsedMs: h.elapsedMs,
        ...(h.error ? { error: h.error } : {}),
      };
    });
    // Higher is better for accuracy, lower for RMSE; a NaN (a trial that diverged or failed) last.
    const score = (t: Trial) => {
      const v = metric === 'accuracy' ? t.finalValidation : -t.finalValidation;
      return Number.isNaN(v) ? Number.NEGATIVE_INFINITY : v;
    };
    const ranked = [...trials].sort((a, b) => score(b) - score(a) || a.index - b.index);
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
      metric,
      sizes: buildRun(jobs[0], shape).model.sizes,
      samples,
    };
    return { markdown: searchMarkdown(c, data, top), figures: hyperparameterFigures(data, c), data };
  },
};
