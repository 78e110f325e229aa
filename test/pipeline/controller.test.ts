// Steering a real run: pause holds the steps back, resume continues, a new learning rate applies
// from the next step drawn, stop ends the run with a `stopped` end event. With a lookahead of L the
// pipeline has drawn L steps past the last event, and one more once the next step's gradients are in
// (mid-chunk the next step is drawn then, so the workers never wait): each takes effect within L + 1.
// Pause is checked by what the events show, not by clocks: the steps already drawn all arrive, and
// no later one arrives until resume() is called.

import { lastValueFrom, tap, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { loadMnist } from '../../src/data/mnist.js';
import { GradstreamError } from '../../src/errors.js';
import { mlp } from '../../src/nn/mlp.js';
import { adam } from '../../src/optim/alias.js';
import { createController } from '../../src/pipeline/controller.js';
import { train } from '../../src/pipeline/train.js';
import type { StepEvent, TrainEvent } from '../../src/train/events.js';

/**
 * How long the run stays paused once the drawn steps are in. Not a bound anything is measured
 * against: it is the time a pause that leaked would have had to show a step (one takes ~1 ms), and
 * a slow machine only makes it a longer look.
 */
const HOLD_MS = 300;
/** Resume anyway if the drawn steps have not all arrived by then, so the assertions say what is wrong. */
const WATCHDOG_MS = 30_000;

describe('run controller', () => {
  it.each([1, 8])(
    'pauses, resumes, changes the learning rate and stops a running pool (lookahead %i)',
    async (lookahead) => {
      const { train: data } = loadMnist({ trainLimit: 3200, testLimit: 1 });
      const controller = createController();
      const pauseAt = 3;
      // Paused at step 3's event: the steps already drawn (3 + L, or 3 + L + 1 when step 4's gradients
      // were in by then) complete; the next waits for the resume.
      const lastDrawn = pauseAt + lookahead;
      const seen: TrainEvent[] = [];
      let seenAtResume = -1;
      let watchdog: NodeJS.Timeout | undefined;
      const resume = () => {
        if (seenAtResume >= 0) return;
        clearTimeout(watchdog);
        seenAtResume = seen.length;
        controller.resume();
      };
      const run = train({
        model: mlp({ sizes: [784, 16, 10] }),
        optimizer: adam({ lr: 1e-3 }),
        train: data,
        batchSize: 32,
        epochs: 5,
        workers: 2,
        seed: 1,
        lookahead,
        histogramEvery: 0, // no chunk ends but the snapshots', so the steps drawn at the pause are 3 + L
        controller,
      }).pipe(
        tap((e) => {
          seen.push(e);
          if (e.type !== 'step') return;
          if (e.step === pauseAt) {
            controller.pause();
            watchdog = setTimeout(resume, WATCHDOG_MS);
          }
          if (e.step === lastDrawn) setTimeout(resume, HOLD_MS);
          if (e.step === 6) controller.setLearningRate(2e-4);
          if (e.step === 12) controller.stop();
        }),
      );
      const events: TrainEvent[] = await lastValueFrom(run.pipe(toArray()));
      const steps = events.filter((e): e is StepEvent => e.type === 'step');
      const stepNumbers = (list: TrainEvent[]) => list.flatMap((e) => (e.type === 'step' ? [e.step] : []));
      clearTimeout(watchdog);
      // Before resume(): exactly the steps drawn by the pause, 1 … 3 + L (+ 1); from it on, the rest
      const beforeResume = seenAtResume >= 0 ? seen.slice(0, seenAtResume) : seen;
      const held = stepNumbers(beforeResume);
      expect(held.length === lastDrawn || held.length === lastDrawn + 1, `steps before resume: ${held}`).toBe(
        true,
      );
      expect(held).toEqual(Array.from({ length: held.length }, (_, i) => i + 1));
      expect(beforeResume.map((e) => e.type)).toContain('paused');
      expect(beforeResume.map((e) => e.type)).not.toContain('resumed');
      expect(seen[seenAtResume]).toMatchObject({ type: 'resumed' });
      expect(stepNumbers(seen.slice(seenAtResume))[0]).toBe(held.length + 1);
      // the learning rate changed for steps drawn after the call, and stayed changed
      expect(steps.find((s) => s.step === 5)?.lr).toBe(1e-3);
      expect(steps.filter((s) => s.step > 6 + lookahead + 1).every((s) => s.lr === 2e-4)).toBe(true);
      const firstNew = steps.findIndex((s) => s.lr === 2e-4);
      expect(steps.slice(firstNew).every((s) => s.lr === 2e-4)).toBe(true);
      expect(events).toContainEqual(expect.objectContaining({ type: 'lr', lr: 2e-4 }));
      // stopped within L + 1 steps of the request, every step that ran reported once, in order
      const end = events.at(-1);
      expect(end).toMatchObject({ type: 'end', reason: 'stopped' });
      expect(steps.at(-1)?.step).toBeLessThanOrEqual(12 + lookahead + 1);
      expect(steps.map((s) => s.step)).toEqual(steps.map((_, i) => i + 1));
    },
  );

  // Rates the float32 kernels cannot honour (1e-320 is subnormal → 0) or that overflow float32 and
  // kill the run (1e308, measured: ERR_NON_FINITE two steps later) are refused where they come in.
  it.each([1e308, 1e38, 1001, 1e-320, 1e-39, 0, -0.001, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses setLearningRate(%s) with ERR_INVALID_OPTION naming lr and the range, keeping the rate',
    (lr) => {
      const controller = createController();
      controller.setLearningRate(0.01);
      let thrown: unknown;
      try {
        controller.setLearningRate(lr);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(GradstreamError);
      expect(thrown).toMatchObject({ code: 'ERR_INVALID_OPTION' });
      expect((thrown as Error).message).toMatch(
        /lr must be a finite number in \[1\.18e-38 \(2\^-126\), 1000\]/,
      );
      expect(controller.state.lrOverride).toBe(0.01);
    },
  );

  it('takes the range’s ends and undefined (back to the schedule)', () => {
    const controller = createController();
    for (const lr of [2 ** -126, 1e3, 1e-3, undefined]) {
      controller.setLearningRate(lr);
      expect(controller.state.lrOverride).toBe(lr);
    }
  });
});
