// Resuming from the state saved at a safe point continues exactly: 100 steps straight equal
// 50 steps, stop, resume, 50 more — parameters, optimizer state and every step's loss, bit for bit.

import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/mnist.js';
import { mlp } from '../../src/nn/mlp.js';
import { adam } from '../../src/optim/alias.js';
import { createController } from '../../src/pipeline/controller.js';
import { slotRegion } from '../../src/pipeline/plan.js';
import {
  captureResumeState,
  createTrainingSession,
  type ResumeState,
  type TrainConfig,
} from '../../src/pipeline/train.js';
import type { TrainEvent } from '../../src/train/events.js';

const mnist = loadMnist({ trainLimit: 3200, testLimit: 1 });
const base: TrainConfig = {
  model: mlp({ sizes: [784, 24, 10], dropout: 0.2, batchNorm: true }),
  optimizer: adam({ lr: 2e-3 }),
  train: mnist.train,
  batchSize: 64, // 50 steps per epoch: the stop at step 30 is mid-epoch
  steps: 80,
  workers: 2,
  seed: 9,
  safePointEvery: 10, // sync runs reach safe points at chunk ends only: ask for one every 10 steps
};

async function finish(config: TrainConfig) {
  const session = createTrainingSession(config);
  const events: TrainEvent[] = await lastValueFrom(session.events$.pipe(toArray()));
  const regions = ['params', 'buffers', ...session.plan.slotNames.map(slotRegion)];
  return { session, events, state: regions.map((r) => Buffer.from(session.memory.f32(r).slice().buffer)) };
}

describe('resume', () => {
  it('continues bit-identically from the state saved at a safe point', async () => {
    const straight = await finish(base);

    const controller = createController();
    let saved: ResumeState | undefined;
    const first = await finish({
      ...base,
      controller,
      onSafePoint: (point, session) => {
        if (point.step !== 30) return;
        saved = captureResumeState(session, point);
        controller.stop();
      },
    });
    expect(first.events.at(-1)).toMatchObject({ type: 'end', reason: 'stopped', step: 30 });
    expect(saved).toBeDefined();

    const resumed = await finish({ ...base, resume: saved });
    for (const [i, bytes] of resumed.state.entries())
      expect(bytes.equals(straight.state[i]), `region ${i}`).toBe(true);
    const tail = (events: TrainEvent[]) =>
      events.filter((e) => (e.type === 'step' && e.step > 30) || e.type === 'epoch');
    const strip = (e: TrainEvent) =>
      e.type === 'step' ? { step: e.step, loss: e.loss, lr: e.lr, gradNorm: e.gradNorm } : e;
    expect(tail(resumed.events).map(strip)).toEqual(tail(straight.events).map(strip));
  });

  it('resumes in async mode too, emitting every step after the saved one', async () => {
    const asyncBase: TrainConfig = { ...base, mode: 'async', staleness: 2, steps: 40 };
    let saved: ResumeState | undefined;
    const controller = createController();
    await finish({
      ...asyncBase,
      controller,
      onSafePoint: (point, session) => {
        if (point.step !== 20) return;
        saved = captureResumeState(session, point);
        controller.stop();
      },
    });
    expect(saved?.step).toBe(20);
    const resumed = await finish({ ...asyncBase, resume: saved });
    const steps = resumed.events.flatMap((e) => (e.type === 'step' ? [e.step] : []));
    expect(steps).toEqual(Array.from({ length: 20 }, (_, i) => 21 + i));
    expect(resumed.events.at(-1)).toMatchObject({ type: 'end', reason: 'completed', step: 40 });
  });
});
