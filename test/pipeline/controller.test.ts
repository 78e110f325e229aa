// Steering a real run: pause holds the steps back, resume continues, a new learning rate applies
// from the next step, stop ends the run with a `stopped` end event.

import { lastValueFrom, tap, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/mnist.js';
import { mlp } from '../../src/nn/mlp.js';
import { adam } from '../../src/optim/alias.js';
import { createController } from '../../src/pipeline/controller.js';
import { train } from '../../src/pipeline/train.js';
import type { StepEvent, TrainEvent } from '../../src/train/events.js';

describe('run controller', () => {
  it('pauses, resumes, changes the learning rate and stops a running pool', async () => {
    const { train: data } = loadMnist({ trainLimit: 3200, testLimit: 1 });
    const controller = createController();
    const stepTimes = new Map<number, number>();
    let pausedAt = 0;
    const run = train({
      model: mlp({ sizes: [784, 16, 10] }),
      optimizer: adam({ lr: 1e-3 }),
      train: data,
      batchSize: 32,
      epochs: 5,
      workers: 2,
      controller,
    }).pipe(
      tap((e) => {
        if (e.type !== 'step') return;
        stepTimes.set(e.step, performance.now());
        if (e.step === 3) {
          controller.pause();
          pausedAt = performance.now();
          setTimeout(() => controller.resume(), 400);
        }
        if (e.step === 6) controller.setLearningRate(2e-4);
        if (e.step === 12) controller.stop();
      }),
    );
    const events: TrainEvent[] = await lastValueFrom(run.pipe(toArray()));
    const steps = events.filter((e): e is StepEvent => e.type === 'step');
    // paused at step 3's event: the step already in flight (4) completes, step 5 waits for the resume
    expect((stepTimes.get(5) ?? 0) - pausedAt).toBeGreaterThanOrEqual(350);
    expect((stepTimes.get(4) ?? 0) - pausedAt).toBeLessThan(350);
    expect(events.map((e) => e.type)).toContain('paused');
    expect(events.map((e) => e.type)).toContain('resumed');
    // the learning rate changed for steps drawn after the call
    expect(steps.find((s) => s.step === 5)?.lr).toBe(1e-3);
    expect(steps.filter((s) => s.step >= 8).every((s) => s.lr === 2e-4)).toBe(true);
    expect(events).toContainEqual(expect.objectContaining({ type: 'lr', lr: 2e-4 }));
    // stopped within a step of the request
    const end = events.at(-1);
    expect(end).toMatchObject({ type: 'end', reason: 'stopped' });
    expect(steps.at(-1)?.step).toBeLessThanOrEqual(13);
  });
});
