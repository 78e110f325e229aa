// The runs table's logic: rows from the store's runs, which config columns differ, sorting,
// filtering, the cells' text and the resume hint.

import { describe, expect, it } from 'vitest';
import {
  durationText,
  matchesFilter,
  metricsShown,
  metricText,
  type RunRow,
  resumeCommand,
  runRow,
  sortRows,
  splitConfig,
  stepText,
  valueText,
} from '../../dashboard/src/runs-table-model.js';
import { DashboardStore } from '../../dashboard/src/store.js';
import type { EvalRow } from '../../src/protocol/run-data.js';
import type { RunState, RunUpdate } from '../../src/protocol/server-messages.js';

/** A resolved RunConfig's fields the table reads, with `over` merged in per section. */
const runConfig = (
  over: { optimizer?: object; model?: object; name?: string; seed?: number; store?: object } = {},
) => ({
  ...(over.name === undefined ? {} : { name: over.name }),
  model: {
    hidden: [100, 100],
    activation: 'relu',
    batchNorm: false,
    dropout: 0,
    weightDecay: 0,
    ...over.model,
  },
  optimizer: { name: 'adam', lr: 0.001, ...over.optimizer },
  batchSize: 100,
  seed: over.seed ?? 1,
  store: { dir: 'runs', ...over.store },
});

interface RunSpec {
  readonly runId: string;
  readonly config?: Record<string, unknown>;
  readonly losses?: readonly number[];
  readonly elapsedMs?: readonly number[];
  readonly evals?: readonly EvalRow[];
  readonly state?: RunState;
  readonly totalSteps?: number;
}

/** The rows of runs as the page's store holds them after a `hello`. */
function rows(...specs: RunSpec[]): RunRow[] {
  const store = new DashboardStore();
  store.setSmoothing(0); // the smoothed loss is the raw loss
  const runs: RunUpdate[] = specs.map((s) => {
    const losses = s.losses ?? [];
    const step = losses.map((_, i) => i + 1);
    return {
      runId: s.runId,
      info: {
        runId: s.runId,
        config: s.config ?? runConfig(),
        totalSteps: s.totalSteps ?? null,
        stepsPerEpoch: null,
        paramCount: null,
        startTime: null,
        controllable: true,
      },
      state: s.state ?? { status: 'ended', lrOverride: null, endReason: 'completed' },
      steps: {
        step,
        epoch: step.map(() => 0),
        loss: [...losses],
        lr: step.map(() => 0.001),
        samplesPerSecond: step.map(() => 100),
        elapsedMs: s.elapsedMs ? [...s.elapsedMs] : step.map((n) => n * 10),
      },
      evals: s.evals ? [...s.evals] : [],
    };
  });
  store.accept({ v: 1, type: 'hello', session: 's', seq: 0, control: true, tokenRequired: true, runs });
  return [...store.runs.values()].map((r) => runRow(r));
}

const accuracy = (step: number, split: EvalRow['split'], acc: number): EvalRow => ({
  step,
  epoch: 0,
  split,
  loss: 1 - acc,
  accuracy: acc,
  n: 100,
});

describe('runRow', () => {
  it('names a run by config.name, else by its id', () => {
    const [named, unnamed, blank] = rows(
      { runId: 'r1', config: runConfig({ name: 'baseline' }) },
      { runId: 'r2' },
      { runId: 'r3', config: runConfig({ name: '  ' }) },
    );
    expect([named.name, unnamed.name, blank.name]).toEqual(['baseline', 'r2', 'r3']);
  });

  it('reads the config values from the RunConfig paths', () => {
    const [row] = rows({
      runId: 'r',
      config: runConfig({
        optimizer: { name: 'sgd', lr: 0.1, weightDecay: 0.01, schedule: { kind: 'cosine', steps: 1000 } },
        model: { hidden: [256, 64], init: { std: 0.01 }, batchNorm: true, dropout: 0.2, weightDecay: 1e-4 },
        seed: 7,
      }),
    });
    expect(row.config).toEqual({
      optimizer: 'sgd',
      lr: 0.1,
      schedule: 'cosine(steps=1000)',
      hidden: '256-64',
      batchSize: 100,
      init: 'std=0.01',
      batchNorm: 'on',
      dropout: 0.2,
      weightDecay: 1e-4,
      optimizerDecay: 0.01,
      seed: 7,
    });
  });

  it('reads a lab trial’s settings and a pipeline’s plan where a RunConfig has no such field', () => {
    const [trial, pipeline] = rows(
      {
        runId: 'search/trial-001',
        config: { lab: 'x', trial: 1, lr: 0.02, weightDecay: 1e-5, seed: 3, model: { sizes: [784, 50, 10] } },
      },
      { runId: 'p', config: { plan: { batchSize: 32, seed: 4, model: { sizes: [784, 10], dropout: 0 } } } },
    );
    expect(trial.config).toMatchObject({ lr: 0.02, weightDecay: 1e-5, seed: 3, hidden: '50' });
    expect(trial.config.optimizer).toBeUndefined();
    expect(trial.config.schedule).toBeUndefined();
    expect(pipeline.config).toMatchObject({ batchSize: 32, seed: 4, hidden: 'none', dropout: 0 });
  });

  it('finds a pipeline plan’s lr in its optimizer chain, a schedule’s start when scheduled', () => {
    const chain = (lr: unknown) => ({
      plan: {
        optimizer: { kind: 'chain', items: [{ kind: 'scaleByAdam' }, { kind: 'scaleByLearningRate', lr }] },
      },
    });
    const [plain, scheduled, warm, none] = rows(
      { runId: 'a', config: chain(0.003) },
      { runId: 'b', config: chain({ kind: 'cosine', init: 0.1, steps: 10 }) },
      { runId: 'c', config: chain({ kind: 'warmup', steps: 5, schedule: { kind: 'constant', value: 0.2 } }) },
      { runId: 'd', config: { plan: { optimizer: { kind: 'scaleByAdam' } } } },
    );
    expect([plain, scheduled, warm, none].map((r) => r.config.lr)).toEqual([0.003, 0.1, 0.2, undefined]);
  });

  it('says constant for a RunConfig with no schedule, and writes a warm-up with what follows it', () => {
    const [plain, warm] = rows(
      { runId: 'a' },
      {
        runId: 'b',
        config: runConfig({
          optimizer: {
            schedule: { kind: 'warmup', steps: 100, schedule: { kind: 'step', every: 10, gamma: 0.5 } },
          },
        }),
      },
    );
    expect(plain.config.schedule).toBe('constant');
    expect(warm.config.schedule).toBe('warmup(steps=100)→step(every=10 gamma=0.5)');
  });

  it('keeps the last and best loss and accuracies, the last step and the last elapsed time', () => {
    const [row] = rows({
      runId: 'r',
      losses: [2, 0.5, 0.9],
      elapsedMs: [100, 1500, 65_000],
      totalSteps: 10,
      evals: [
        accuracy(1, 'validation', 0.8),
        accuracy(2, 'validation', 0.9),
        accuracy(3, 'validation', 0.85),
      ],
    });
    expect(row.metrics).toEqual({
      loss: 0.9,
      bestLoss: 0.5,
      valAcc: 0.85,
      bestValAcc: 0.9,
      testAcc: null,
      bestTestAcc: null,
      valRmse: null,
      bestValRmse: null,
      valMae: null,
      testRmse: null,
      testMae: null,
    });
    expect([row.step, row.durationMs]).toEqual([3, 65_000]);
    expect([stepText(row), durationText(row)]).toEqual(['3 / 10', '1m 05s']);
    expect(metricText('bestValAcc', row.metrics.bestValAcc)).toBe('90.00%');
    expect(metricText('testAcc', null)).toBe('–');
  });

  it('gives an ETA to a running run only, and a resume hint to an interrupted or failed one', () => {
    const losses = [1, 1, 1, 1];
    const [running, interrupted, failed, completed] = rows(
      { runId: 'a', losses, totalSteps: 10, state: { status: 'running', lrOverride: null, endReason: null } },
      {
        runId: 'b',
        losses,
        totalSteps: 10,
        state: { status: 'ended', lrOverride: null, endReason: 'interrupted' },
      },
      {
        runId: 'c',
        losses,
        totalSteps: 10,
        state: { status: 'ended', lrOverride: null, endReason: 'failed' },
      },
      { runId: 'd', losses, totalSteps: 10 },
    );
    expect(running.etaMs).toBeCloseTo(60, 6); // 10 ms a step, 6 steps left
    expect(running.status).toBe('running');
    expect([interrupted.status, interrupted.etaMs, interrupted.resumeHint]).toEqual([
      'interrupted',
      undefined,
      'gradstream resume b',
    ]);
    expect([failed.status, failed.resumeHint]).toEqual(['failed', 'gradstream resume c']);
    expect([completed.status, completed.resumeHint]).toEqual(['completed', undefined]);
  });
});

describe('resumeCommand', () => {
  it('adds --store only for a store other than the default, quoted for the shell when it must be', () => {
    expect(resumeCommand('20260101-ab', runConfig())).toBe('gradstream resume 20260101-ab');
    expect(resumeCommand('r', runConfig({ store: { dir: '/tmp/my runs' } }))).toBe(
      "gradstream resume r --store '/tmp/my runs'",
    );
    expect(resumeCommand('r', runConfig({ store: { dir: 'exp/store' } }))).toBe(
      'gradstream resume r --store exp/store',
    );
    expect(resumeCommand('r', { store: { dir: 5 } })).toBe('gradstream resume r');
  });
});

describe('splitConfig', () => {
  it('shows as columns the values that differ, and the shared ones on the common line', () => {
    const split = splitConfig(
      rows(
        { runId: 'a', config: runConfig({ optimizer: { name: 'adam', lr: 0.001 } }) },
        { runId: 'b', config: runConfig({ optimizer: { name: 'sgd', lr: 0.1 } }) },
        { runId: 'c', config: runConfig({ optimizer: { name: 'sgd', lr: 0.001 } }) },
      ),
    );
    expect(split.differing.map((c) => c.key)).toEqual(['optimizer', 'lr']);
    expect(split.common.map((c) => [c.column.key, c.text])).toEqual([
      ['schedule', 'constant'],
      ['hidden', '100-100'],
      ['batchSize', '100'],
      ['batchNorm', 'off'],
      ['dropout', '0'],
      ['weightDecay', '0'],
      ['seed', '1'],
    ]);
  });

  it('counts a value some runs lack as differing, and one no run has as neither', () => {
    const split = splitConfig(
      rows({ runId: 'a', config: runConfig({ model: { init: 'he' } }) }, { runId: 'b', config: runConfig() }),
    );
    expect(split.differing.map((c) => c.key)).toEqual(['init']);
    expect(split.common.map((c) => c.column.key)).not.toContain('optimizerDecay');
  });

  it('puts everything on the common line for a single run', () => {
    const split = splitConfig(rows({ runId: 'a' }));
    expect(split.differing).toEqual([]);
    expect(split.common.map((c) => c.column.key)).toContain('lr');
  });
});

describe('metricsShown', () => {
  it('leaves out a metric no run reports', () => {
    const shown = metricsShown(rows({ runId: 'a', losses: [1], evals: [accuracy(1, 'validation', 0.5)] }));
    expect(shown.map((m) => m.key)).toEqual(['loss', 'bestLoss', 'valAcc', 'bestValAcc']);
  });
});

describe('sortRows', () => {
  const all = rows(
    {
      runId: 'trial-10',
      config: runConfig({ optimizer: { lr: 0.01 } }),
      evals: [accuracy(1, 'validation', 0.7)],
    },
    { runId: 'trial-2', config: runConfig({ optimizer: { lr: 0.1 } }) },
    {
      runId: 'trial-1',
      config: runConfig({ optimizer: { lr: 0.001 } }),
      evals: [accuracy(1, 'validation', 0.9)],
    },
  );
  const ids = (rs: RunRow[]) => rs.map((r) => r.runId);

  it('sorts numbers by value and names in natural order, either way', () => {
    expect(ids(sortRows(all, 'config.lr', 'asc'))).toEqual(['trial-1', 'trial-10', 'trial-2']);
    expect(ids(sortRows(all, 'config.lr', 'desc'))).toEqual(['trial-2', 'trial-10', 'trial-1']);
    expect(ids(sortRows(all, 'name', 'asc'))).toEqual(['trial-1', 'trial-2', 'trial-10']);
  });

  it('puts missing values last in both directions', () => {
    expect(ids(sortRows(all, 'bestValAcc', 'desc'))).toEqual(['trial-1', 'trial-10', 'trial-2']);
    expect(ids(sortRows(all, 'bestValAcc', 'asc'))).toEqual(['trial-10', 'trial-1', 'trial-2']);
  });
});

describe('matchesFilter', () => {
  const [adam, sgd] = rows(
    { runId: 'r-1', config: runConfig({ name: 'baseline' }) },
    { runId: 'r-2', config: runConfig({ optimizer: { name: 'sgd', lr: 0.1 } }) },
  );

  it('matches the name, the id and config text, every term, ignoring case', () => {
    expect(matchesFilter(adam, 'BASE')).toBe(true);
    expect(matchesFilter(sgd, 'r-2')).toBe(true);
    expect(matchesFilter(sgd, 'sgd lr=0.1')).toBe(true);
    expect(matchesFilter(adam, 'sgd')).toBe(false);
    expect(matchesFilter(adam, 'adam baseline')).toBe(true);
    expect(matchesFilter(adam, 'adam nothing')).toBe(false);
    expect(matchesFilter(sgd, '   ')).toBe(true);
  });
});

describe('valueText', () => {
  it('writes numbers short, lists with dashes, objects as pairs', () => {
    expect(valueText(0.001)).toBe('0.001');
    expect(valueText(1 / 3)).toBe('0.3333');
    expect(valueText([784, 100, 10])).toBe('784-100-10');
    expect(valueText({ momentum: 0.9, eps: 1e-5 })).toBe('momentum=0.9 eps=0.00001');
    expect(valueText(false)).toBe('off');
  });
});
