// Steering a real run: pause holds the steps back, resume continues, a new learning rate applies
// from the next step drawn, stop ends the run with a `stopped` end event. With a lookahead of L the
// pipeline has drawn up to L steps past the last event: each takes effect within L steps.

import { lastValueFrom, tap, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/mnist.js';
import { mlp } from '../../src/nn/mlp.js';
import { adam } from '../../src/optim/alias.js';
import { createController } from '../../src/pipeline/controller.js';
import { train } from '../../src/pipeline/train.js';
import type { StepEvent, TrainEvent } from '../../src/train/events.js';

describe('run controller', () => {
  it.each([1, 8])(
    'pauses, resumes, changes the learning rate and stops a running pool (lookahead %i)',
    async (lookahead) => {
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
        lookahead,
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
      // paused at step 3's event: the steps already drawn (up to 3 + L) complete, the next waits for the resume
      expect((stepTimes.get(3 + lookahead + 1) ?? 0) - pausedAt).toBeGreaterThanOrEqual(350);
      expect((stepTimes.get(3 + lookahead) ?? 0) - pausedAt).toBeLessThan(350);
      expect(events.map((e) => e.type)).toContain('paused');
      expect(events.map((e) => e.type)).toContain('resumed');
      // the learning rate changed for steps drawn after the call, and stayed changed
      expect(steps.find((s) => s.step === 5)?.lr).toBe(1e-3);
      expect(steps.filter((s) => s.step > 6 + lookahead).every((s) => s.lr === 2e-4)).toBe(true);
      const firstNew = steps.findIndex((s) => s.lr === 2e-4);
      expect(steps.slice(firstNew).every((s) => s.lr === 2e-4)).toBe(true);
      expect(events).toContainEqual(expect.objectContaining({ type: 'lr', lr: 2e-4 }));
      // stopped within L steps of the request, every step that ran reported once, in order
      const end = events.at(-1);
      expect(end).toMatchObject({ type: 'end', reason: 'stopped' });
      expect(steps.at(-1)?.step).toBeLessThanOrEqual(12 + lookahead);
      expect(steps.map((s) => s.step)).toEqual(steps.map((_, i) => i + 1));
    },
  );
});
