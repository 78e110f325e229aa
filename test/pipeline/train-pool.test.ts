// train() on a real Piscina pool: bit-identical results for 1, 2 and 4 workers in sync mode,
// convergence in async mode, recovery from a worker that dies mid-run, the non-finite policies.

import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { subset } from '../../src/data/dataset.js';
import { loadMnist } from '../../src/data/mnist.js';
import { GradstreamError } from '../../src/errors.js';
import { mlp } from '../../src/nn/mlp.js';
import { adam, sgd } from '../../src/optim/alias.js';
import { slotRegion } from '../../src/pipeline/plan.js';
import { createTrainingSession, type TrainConfig } from '../../src/pipeline/train.js';
import type { StepEvent, TrainEvent } from '../../src/train/events.js';

const mnist = loadMnist({ trainLimit: 6400, testLimit: 2000 });
const small = mlp({ sizes: [784, 32, 16, 10], batchNorm: true, dropout: 0.1 });

async function run(config: Partial<TrainConfig>) {
  const session = createTrainingSession({
    model: small,
    optimizer: adam({ lr: 0.002 }),
    train: mnist.train,
    batchSize: 64,
    seed: 3,
    ...config,
  });
  const events = await lastValueFrom(session.events$.pipe(toArray()));
  const state = ['params', 'buffers', ...session.plan.slotNames.map(slotRegion)].map((r) =>
    Buffer.from(new Uint8Array(session.memory.f32(r).slice().buffer)),
  );
  return { session, events, state };
}

const steps = (events: TrainEvent[]) => events.filter((e): e is StepEvent => e.type === 'step');

describe('train on a worker pool', () => {
  it.each(['wasm', 'js'] as const)(
    'gives bit-identical parameters, buffers and optimizer state after 50 steps with 1, 2 and 4 workers (%s kernels)',
    async (kernels) => {
      const [one, two, four] = [
        await run({ steps: 50, workers: 1, kernels }),
        await run({ steps: 50, workers: 2, kernels }),
        await run({ steps: 50, workers: 4, kernels }),
      ];
      expect(one.session.kernels.startsWith(kernels)).toBe(true);
      expect(steps(one.events)).toHaveLength(50);
      for (const other of [two, four]) {
        for (const [i, bytes] of other.state.entries())
          expect(bytes.equals(one.state[i]), `region ${i}`).toBe(true);
        expect(steps(other.events).map((e) => e.loss)).toEqual(steps(one.events).map((e) => e.loss));
      }
      const first = one.events[0];
      expect(first.type).toBe('start');
      expect(one.events.at(-1)).toMatchObject({ type: 'end', reason: 'completed', step: 50 });
    },
  );

  it('converges in async mode with bounded staleness', async () => {
    const { events } = await run({
      model: mlp({ sizes: [784, 64, 10] }),
      epochs: 2,
      workers: 2,
      mode: 'async',
      staleness: 2,
      test: subset(mnist.test, 0, 2000),
    });
    const test = events.find((e) => e.type === 'eval' && e.split === 'test');
    expect(test).toBeDefined();
    expect((test as { accuracy: number }).accuracy).toBeGreaterThan(0.85);
  });

  it('survives a worker that exits mid-run: the step is replayed and the result equals a clean run', async () => {
    const clean = await run({ steps: 30, workers: 2, snapshotEvery: 8 });
    const started = performance.now();
    const faulty = await run({
      steps: 30,
      workers: 2,
      snapshotEvery: 8,
      faults: { exitAtStep: 13, lane: 1 },
    });
    // Recovery is prompt: the surviving lane is woken from its barrier, not left to time out (30 s).
    expect(performance.now() - started).toBeLessThan(15_000);
    for (const [i, bytes] of faulty.state.entries())
      expect(bytes.equals(clean.state[i]), `region ${i}`).toBe(true);
    expect(steps(faulty.events).map((e) => e.step)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });

  it('stops on a non-finite loss, naming the step and the layer', async () => {
    const error = await run({
      model: mlp({ sizes: [784, 16, 10] }),
      optimizer: sgd({ lr: 1e30 }),
      steps: 40,
      workers: 2,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(GradstreamError);
    expect(error.code).toBe('ERR_NON_FINITE');
    expect(error.message).toMatch(/^step \d+: (non-finite gradient in layer\d\.[Wb]|loss is (NaN|Infinity))/);
  });

  it('skips non-finite steps under policy skip and counts them', async () => {
    const { events } = await run({
      model: mlp({ sizes: [784, 16, 10] }),
      optimizer: sgd({ lr: 1e30 }),
      steps: 20,
      workers: 2,
      nonFinite: 'skip',
      maxSkippedSteps: 0, // no limit: every step after the blow-up is skipped (test/pipeline/failure.test.ts has the limit)
    });
    const skipped = steps(events).filter((e) => e.skipped).length;
    expect(skipped).toBeGreaterThan(0);
    expect(events.at(-1)).toMatchObject({ type: 'end', skippedSteps: skipped, step: 20 });
  });
});
