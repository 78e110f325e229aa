// Marble tests of the pure stream logic: each stage alone, then the feedback loop that makes the
// source pulled, with the pool replaced by a fake runner that answers in virtual time.

import { BehaviorSubject, lastValueFrom, type Observable, of, tap } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { sgd } from '../../src/optim/alias.js';
import { batchSchedule, batchSource, stepAt } from '../../src/pipeline/batch-source.js';
import { computeGradients } from '../../src/pipeline/compute-gradients.js';
import { evaluateEvery } from '../../src/pipeline/evaluate-every.js';
import { inStepOrder } from '../../src/pipeline/in-step-order.js';
import type { GradientBatch, Runner, StepDescriptor, UpdateResult } from '../../src/pipeline/runner.js';
import { createStepPlan } from '../../src/pipeline/step-plan.js';
import { toTrainEvents } from '../../src/pipeline/to-train-events.js';
import { updateParams } from '../../src/pipeline/update-params.js';
import { testScheduler } from '../helpers/marbles.js';

const schedule = batchSchedule({ n: 10, batchSize: 4, epochs: 2 }); // 3 steps per epoch: 4, 4, 2 rows
const step = (n: number): StepDescriptor => stepAt(schedule, n);
const batch = (n: number, ring = 0): GradientBatch => ({
  step: step(n),
  loss: n,
  samples: step(n).count,
  slots: 1,
  ring,
});
const result = (n: number): UpdateResult => ({
  step: step(n),
  loss: n,
  samples: step(n).count,
  applied: true,
  updates: n,
  gradNorm: 1,
});

/** A runner whose work takes `gradientFrames` / `updateFrames` frames of virtual time. */
function fakeRunner(
  scheduler: TestScheduler,
  gradientFrames: (n: number) => number,
  updateFrames = 1,
  evalFrames = 2,
): Runner & { evaluated: string[] } {
  const later = <T>(value: T, frames: number): Observable<T> =>
    scheduler.createColdObservable(`${'-'.repeat(frames)}(v|)`, { v: value });
  const evaluated: string[] = [];
  return {
    evaluated,
    computeGradients: (s) => later(batch(s.step), gradientFrames(s.step)),
    applyUpdate: (b) => later(result(b.step.step), updateFrames),
    evaluate: (set) => {
      evaluated.push(set);
      return later({ loss: 0.5, accuracy: 0.9, n: 100 }, evalFrames);
    },
    close: async () => {},
  };
}

describe('pipeline stages', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = testScheduler();
  });

  describe('batchSource', () => {
    it('emits one step per credit and completes after the last step', () => {
      scheduler.run(({ cold, expectObservable }) => {
        const credits = cold('a-b-----c-a', { a: 1, b: 2, c: 3 });
        expectObservable(batchSource(schedule, credits)).toBe('a-(bc)--(def|)', {
          a: step(1),
          b: step(2),
          c: step(3),
          d: step(4),
          e: step(5),
          f: step(6),
        });
      });
    });

    it('maps steps to epochs and rows, with a partial last batch per epoch', () => {
      expect(step(3)).toEqual({ step: 3, epoch: 0, start: 8, count: 2, endOfEpoch: true });
      expect(step(4)).toEqual({ step: 4, epoch: 1, start: 0, count: 4, endOfEpoch: false });
    });

    it('resumes from a later step', () => {
      scheduler.run(({ cold, expectObservable }) => {
        expectObservable(batchSource(schedule, cold('a', { a: 9 }), 5)).toBe('(ab|)', {
          a: step(5),
          b: step(6),
        });
      });
    });
  });

  describe('computeGradients', () => {
    it('keeps at most `concurrency` steps in flight and emits in completion order', () => {
      scheduler.run(({ cold, expectObservable }) => {
        const runner = fakeRunner(scheduler, (n) => (n === 1 ? 4 : 1));
        const steps = cold('(abc|)', { a: step(1), b: step(2), c: step(3) });
        // step 1 takes 4 frames, step 2 one frame; step 3 starts only when step 2 frees a slot
        expectObservable(steps.pipe(computeGradients(runner, 2))).toBe('-bc-(a|)', {
          a: batch(1),
          b: batch(2),
          c: batch(3),
        });
      });
    });
  });

  describe('inStepOrder', () => {
    it('re-emits out-of-order batches in step order', () => {
      scheduler.run(({ cold, expectObservable }) => {
        const input = cold('b-c-a------d|', { a: batch(1), b: batch(2), c: batch(3), d: batch(4) });
        expectObservable(input.pipe(inStepOrder())).toBe('----(abc)--d|', {
          a: batch(1),
          b: batch(2),
          c: batch(3),
          d: batch(4),
        });
      });
    });
  });

  describe('updateParams', () => {
    it('applies one batch at a time, in arrival order', () => {
      scheduler.run(({ cold, expectObservable }) => {
        const runner = fakeRunner(scheduler, () => 1, 3);
        const input = cold('(ab|)', { a: batch(1), b: batch(2) });
        expectObservable(input.pipe(updateParams(runner))).toBe('---a--(b|)', { a: result(1), b: result(2) });
      });
    });
  });

  describe('evaluateEvery', () => {
    it('evaluates every N steps, at epoch ends, and the end-only sets after the last step', () => {
      scheduler.run(({ cold, expectObservable }) => {
        const runner = fakeRunner(scheduler, () => 1);
        const updates = cold('(abcdef|)', {
          a: result(1),
          b: result(2),
          c: result(3),
          d: result(4),
          e: result(5),
          f: result(6),
        });
        const evaluated = updates.pipe(
          evaluateEvery(
            runner,
            createStepPlan({ evaluate: ['validation'], evalEvery: 2, atEnd: ['test'] }, schedule),
          ),
        );
        const v = { set: 'validation', loss: 0.5, accuracy: 0.9, n: 100 };
        const t = { ...v, set: 'test' };
        expectObservable(evaluated).toBe('a-b-c-(de)(f|)', {
          a: { update: result(1), evaluations: [] },
          b: { update: result(2), evaluations: [v] },
          c: { update: result(3), evaluations: [v] },
          d: { update: result(4), evaluations: [v] },
          e: { update: result(5), evaluations: [] },
          f: { update: result(6), evaluations: [v, t] },
        });
      });
    });

    it('starts a set only after the previous one finished, with a runner that starts work when called', async () => {
      // The pool's evaluate() is eager (a promise): two sets at once would share the lanes' scratch.
      const log: string[] = [];
      const runner: Runner = {
        computeGradients: () => of(batch(1)),
        applyUpdate: () => of(result(1)),
        evaluate: async (set) => {
          log.push(`start ${set}`);
          await new Promise((resolve) => setTimeout(resolve, 5));
          log.push(`end ${set}`);
          return { loss: 0.5, accuracy: 0.9, n: 100 };
        },
        close: async () => {},
      };
      const plan = createStepPlan(
        { evaluate: ['validation'], evalEvery: 1, atEpochEnd: false, atEnd: ['test'] },
        batchSchedule({ n: 4, batchSize: 4, steps: 1 }),
      );
      const out = await lastValueFrom(of(result(1)).pipe(evaluateEvery(runner, plan)));
      expect(out.evaluations.map((e) => e.set)).toEqual(['validation', 'test']);
      expect(log).toEqual(['start validation', 'end validation', 'start test', 'end test']);
    });
  });

  describe('toTrainEvents', () => {
    it('emits step, eval and epoch events with throughput from the clock', () => {
      let now = 0;
      const events: unknown[] = [];
      of(
        { update: result(1), evaluations: [] },
        { update: result(2), evaluations: [] },
        { update: result(3), evaluations: [{ set: 'validation', loss: 0.4, accuracy: 0.8, n: 10 }] },
      )
        .pipe(
          tap(() => {
            now += 100; // every step takes 100 ms
          }),
          toTrainEvents({ optimizer: sgd({ lr: 0.1 }), now: () => now }),
        )
        .subscribe((e) => events.push(e));
      expect(events.map((e) => (e as { type: string }).type)).toEqual([
        'step',
        'step',
        'step',
        'eval',
        'epoch',
      ]);
      expect(events[1]).toMatchObject({ step: 2, lr: 0.1, samplesPerSecond: 40, elapsedMs: 200 }); // 8 rows / 0.2 s
      expect(events[3]).toMatchObject({ type: 'eval', split: 'validation', accuracy: 0.8, step: 3 });
      expect(events[4]).toEqual({ type: 'epoch', epoch: 0, step: 3, meanLoss: 2 });
    });
  });

  describe('the pulled loop', () => {
    it('draws the next step only after the previous update completes (sync: one credit)', () => {
      scheduler.run(({ expectObservable }) => {
        const runner = fakeRunner(scheduler, () => 2, 1);
        const credits = new BehaviorSubject(1);
        const drawn: number[] = [];
        const loop = batchSource(schedule, credits).pipe(
          tap(() => drawn.push(scheduler.now())),
          computeGradients(runner, 1),
          updateParams(runner),
          tap(() => credits.next(1)),
        );
        expectObservable(loop).toBe('---a--b--c--d--e--(f|)', {
          a: result(1),
          b: result(2),
          c: result(3),
          d: result(4),
          e: result(5),
          f: result(6),
        });
        scheduler.flush();
        expect(drawn).toEqual([0, 3, 6, 9, 12, 15]);
      });
    });
  });
});
