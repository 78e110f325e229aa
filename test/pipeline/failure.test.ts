// A run that fails keeps the work done: `onFailure` sees the state after the last completed step
// (a worker that dies at every attempt of a step, a non-finite loss under `stop`, too many skipped
// steps under `skip`), and that state is the one a clean run has at that step; resumed from it, a run
// ends where a run that never failed ends (sync mode, bit for bit).

import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/mnist.js';
import { GradstreamError } from '../../src/errors.js';
import { mlp } from '../../src/nn/mlp.js';
import { adam, sgd } from '../../src/optim/alias.js';
import { stepSchedule } from '../../src/optim/schedules.js';
import { slotRegion } from '../../src/pipeline/plan.js';
import {
  captureResumeState,
  createTrainingSession,
  type ResumeState,
  type SafePoint,
  type TrainConfig,
} from '../../src/pipeline/train.js';
import type { StepEvent, TrainEvent } from '../../src/train/events.js';

const mnist = loadMnist({ trainLimit: 3200, testLimit: 1 });
const base: TrainConfig = {
  model: mlp({ sizes: [784, 24, 10], batchNorm: true, dropout: 0.1 }),
  optimizer: adam({ lr: 2e-3 }),
  train: mnist.train,
  batchSize: 64, // 50 steps an epoch
  steps: 40,
  workers: 2,
  seed: 5,
  snapshotEvery: 8,
};

interface Failure {
  readonly point: SafePoint;
  readonly state: ResumeState;
  readonly error: unknown;
}

/** Runs `config` to its end or its error, capturing what `onFailure` is handed. */
async function run(config: TrainConfig) {
  let failure: Failure | undefined;
  const session = createTrainingSession({
    ...config,
    onFailure: (point, s, error) => {
      failure = { point, state: captureResumeState(s, point), error };
    },
  });
  const events: TrainEvent[] = [];
  const error = await lastValueFrom(session.events$.pipe(toArray())).then(
    (all) => {
      events.push(...all);
      return undefined;
    },
    (e: unknown) => e,
  );
  const regions = ['params', 'buffers', ...session.plan.slotNames.map(slotRegion)];
  const state = regions.map((r) => Buffer.from(session.memory.f32(r).slice().buffer));
  return { session, events, error, failure, state };
}

/** The bytes of a resume state's arrays, in the order `run` lists the regions. */
function bytesOf(state: ResumeState, slotNames: readonly string[]): Buffer[] {
  return [state.params, state.buffers, ...slotNames.map((n) => state.slots[n])].map((a) =>
    Buffer.from(a.buffer, a.byteOffset, a.byteLength),
  );
}

function expectSameBytes(actual: Buffer[], expected: Buffer[]): void {
  expect(actual.length).toBe(expected.length);
  for (const [i, bytes] of actual.entries()) expect(bytes.equals(expected[i]), `region ${i}`).toBe(true);
}

const steps = (events: TrainEvent[]) => events.filter((e): e is StepEvent => e.type === 'step');

describe('a failed run keeps the work done', () => {
  it('a worker that dies at every attempt of step 30: onFailure gets step 29, a clean run’s state, and resuming from it ends as a clean run', async () => {
    const faulty = await run({ ...base, faults: { exitAtStep: 30, lane: 1, always: true } });
    expect(faulty.error).toBeInstanceOf(GradstreamError);
    expect((faulty.error as GradstreamError).code).toBe('ERR_WORKER');
    expect(faulty.failure?.point).toMatchObject({ step: 29, updates: 29, last: false });
    expect(faulty.failure?.error).toBe(faulty.error);

    const slotNames = faulty.session.plan.slotNames;
    const clean29 = await run({ ...base, steps: 29 });
    expectSameBytes(bytesOf(faulty.failure!.state, slotNames), clean29.state);

    const clean = await run(base);
    const resumed = await run({ ...base, resume: faulty.failure!.state });
    expect(resumed.error).toBeUndefined();
    expectSameBytes(resumed.state, clean.state);
    const tail = (events: TrainEvent[]) =>
      steps(events)
        .filter((e) => e.step > 29)
        .map((e) => e.loss);
    expect(tail(resumed.events)).toEqual(tail(clean.events));
  });

  it('with a lookahead of 4 (steps run ahead of the reports), the kept state is still a clean run’s at its step', async () => {
    const config = { ...base, lookahead: 4 };
    const faulty = await run({ ...config, faults: { exitAtStep: 30, lane: 0, always: true } });
    expect((faulty.error as GradstreamError).code).toBe('ERR_WORKER');
    const kept = faulty.failure!.point.step;
    expect(kept).toBeGreaterThan(20); // the last step reported before the failure surfaced
    expect(kept).toBeLessThan(30);
    const clean = await run({ ...config, steps: kept });
    expectSameBytes(bytesOf(faulty.failure!.state, faulty.session.plan.slotNames), clean.state);
  });

  it('a non-finite loss under stop at step n: onFailure gets step n − 1, the state a clean run of n − 1 steps has', async () => {
    // The learning rate jumps to 1e30 after 20 updates: a deterministic blow-up a few steps later.
    const optimizer = sgd({ lr: stepSchedule({ init: 0.05, every: 20, gamma: 1e31 }) });
    const failed = await run({ ...base, optimizer });
    expect(failed.error).toBeInstanceOf(GradstreamError);
    expect((failed.error as GradstreamError).code).toBe('ERR_NON_FINITE');
    const n = ((failed.error as GradstreamError).cause as { step: number }).step;
    expect(n).toBeGreaterThan(20);
    expect(failed.failure?.point).toMatchObject({ step: n - 1, updates: n - 1 });
    const clean = await run({ ...base, optimizer, steps: n - 1 });
    expect(clean.error).toBeUndefined();
    expectSameBytes(bytesOf(failed.failure!.state, failed.session.plan.slotNames), clean.state);
  });

  it('a non-finite loss under stop in async mode: onFailure gets step n − 1 with finite parameters', async () => {
    const optimizer = sgd({ lr: stepSchedule({ init: 0.05, every: 20, gamma: 1e31 }) });
    const failed = await run({ ...base, optimizer, mode: 'async', staleness: 2 });
    expect((failed.error as GradstreamError).code).toBe('ERR_NON_FINITE');
    const n = ((failed.error as GradstreamError).cause as { step: number }).step;
    expect(failed.failure?.point).toMatchObject({ step: n - 1, updates: n - 1 });
    expect(failed.failure!.state.params.every(Number.isFinite)).toBe(true);
  });

  it('--non-finite skip stops after maxSkippedSteps consecutive skipped steps, keeping the step before', async () => {
    const optimizer = sgd({ lr: 1e30 });
    const failed = await run({ ...base, optimizer, nonFinite: 'skip', maxSkippedSteps: 5 });
    expect(failed.error).toBeInstanceOf(GradstreamError);
    const error = failed.error as GradstreamError;
    expect(error.code).toBe('ERR_NON_FINITE');
    const match =
      /^step (\d+): 5 consecutive steps skipped \(non-finite loss or gradient\); the limit is --max-skipped-steps 5 \(maxSkippedSteps\)$/.exec(
        error.message,
      );
    expect(match, error.message).not.toBeNull();
    const n = Number(match![1]);
    expect(n).toBeLessThan(40);
    expect(failed.failure?.point.step).toBe(n - 1);
  });

  it('the skip limit defaults to 10 and 0 lifts it', async () => {
    const optimizer = sgd({ lr: 1e30 });
    const limited = await run({ ...base, optimizer, nonFinite: 'skip' });
    expect((limited.error as GradstreamError).message).toMatch(/10 consecutive steps skipped/);
    const unlimited = await run({ ...base, optimizer, nonFinite: 'skip', maxSkippedSteps: 0 });
    expect(unlimited.error).toBeUndefined();
    expect(unlimited.events.at(-1)).toMatchObject({ type: 'end', reason: 'completed', step: 40 });
  });
});
