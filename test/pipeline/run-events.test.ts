// Marble tests of the parts runEvents is made of — the credits, control, the safe points — and of
// runEvents itself, with the pool replaced by a fake runner that answers in virtual time.

import { map, type Observable, of } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import { beforeEach, describe, expect, it } from 'vitest';
import { mlp } from '../../src/nn/mlp.js';
import { sgd } from '../../src/optim/alias.js';
import { batchSchedule, stepAt } from '../../src/pipeline/batch-source.js';
import { applyControl, controlEvents, controlledSteps } from '../../src/pipeline/control-events.js';
import { createController } from '../../src/pipeline/controller.js';
import type { EvaluatedStep } from '../../src/pipeline/evaluate-every.js';
import { createPlan } from '../../src/pipeline/plan.js';
import { runEvents } from '../../src/pipeline/run-events.js';
import type { Runner, StepFlow, UpdateResult } from '../../src/pipeline/runner.js';
import { atSafePoints } from '../../src/pipeline/safe-points.js';
import { drawAheadOnGradients, StepCredits } from '../../src/pipeline/step-credits.js';
import { createStepPlan } from '../../src/pipeline/step-plan.js';
import type { SafePoint, SessionState } from '../../src/pipeline/train-config.js';
import type { TrainEvent } from '../../src/train/events.js';
import { testScheduler } from '../helpers/marbles.js';

const schedule = batchSchedule({ n: 10, batchSize: 4, epochs: 2 }); // 3 steps per epoch: 4, 4, 2 rows
const update = (n: number, flow?: StepFlow): UpdateResult => ({
  step: stepAt(schedule, n),
  loss: n,
  samples: stepAt(schedule, n).count,
  applied: true,
  updates: n,
  gradNorm: 1,
  ...(flow ? { flow } : {}),
});
const evaluated = (n: number, flow?: StepFlow): EvaluatedStep => ({
  update: update(n, flow),
  evaluations: [],
});

describe('StepCredits (pacing)', () => {
  it('holds credits back while paused and pays them on resume', () => {
    const controller = createController();
    const credits = new StepCredits(controller, 1, 0);
    const seen: number[] = [];
    credits.credits$.subscribe((c) => seen.push(c));
    credits.release();
    controller.pause();
    credits.release(2);
    expect(credits.owed).toBe(2);
    credits.payOwed(); // still paused: nothing
    controller.resume();
    credits.payOwed();
    expect(seen).toEqual([1, 1, 2]);
    expect(credits.owed).toBe(0);
  });

  it('draws up to a target once, counting the steps drawn and owed', () => {
    const controller = createController();
    const credits = new StepCredits(controller, 0, 0);
    const seen: number[] = [];
    credits.credits$.subscribe((c) => seen.push(c));
    credits.noteDrawn(3);
    credits.drawUpTo(5); // 2 more
    credits.drawUpTo(5); // none: drawn and owed do not move until the source draws
    credits.noteDrawn(5);
    credits.drawUpTo(4); // behind: none
    expect(seen).toEqual([0, 2, 2]);
  });

  it('drawAheadOnGradients draws the next step only when the runner says its workers run on', () => {
    const controller = createController();
    const credits = new StepCredits(controller, 0, 1);
    const seen: number[] = [];
    credits.credits$.subscribe((c) => seen.push(c));
    const batch = (n: number, ahead?: number) => ({
      step: stepAt(schedule, n),
      loss: 1,
      samples: 4,
      slots: 1,
      ring: 0,
      ...(ahead === undefined ? {} : { flow: { ahead, atRest: false } }),
    });
    credits.noteDrawn(2); // the source drew step 2
    of(batch(1), batch(2, 0), batch(2, 3)).pipe(drawAheadOnGradients(credits)).subscribe();
    expect(seen).toEqual([0, 1]); // only the batch with flow.ahead > 0 drew step 2
  });
});

describe('control', () => {
  let scheduler: TestScheduler;
  beforeEach(() => {
    scheduler = testScheduler();
  });

  it('controlledSteps stamps the lr override and ends the source on stop', () => {
    scheduler.run(({ cold, expectObservable }) => {
      const controller = createController();
      const steps = cold('a-b-c-d', {
        a: stepAt(schedule, 1),
        b: stepAt(schedule, 2),
        c: stepAt(schedule, 3),
        d: stepAt(schedule, 4),
      });
      scheduler.schedule(() => controller.setLearningRate(0.5), 1);
      scheduler.schedule(() => controller.stop(), 5);
      expectObservable(steps.pipe(controlledSteps(controller))).toBe('a-b-c|', {
        a: { ...stepAt(schedule, 1), lrOverride: undefined },
        b: { ...stepAt(schedule, 2), lrOverride: 0.5 },
        c: { ...stepAt(schedule, 3), lrOverride: 0.5 },
      });
    });
  });

  it('controlEvents reports pause, resume and lr changes at the last step reported', () => {
    scheduler.run(({ expectObservable }) => {
      const controller = createController();
      let last = 0;
      scheduler.schedule(() => {
        last = 3;
        controller.pause();
      }, 1);
      scheduler.schedule(() => controller.pause(), 2); // no change: no event
      scheduler.schedule(() => controller.setLearningRate(0.1), 3);
      scheduler.schedule(() => {
        last = 4;
        controller.resume();
      }, 4);
      expectObservable(
        controlEvents(controller, () => last),
        '^------!',
      ).toBe('-a-bc', {
        a: { type: 'paused', step: 3 },
        b: { type: 'lr', step: 3, lr: 0.1 },
        c: { type: 'resumed', step: 4 },
      });
    });
  });

  it('applyControl hands the override to the runner and pays owed credits on resume', () => {
    const controller = createController();
    const lrs: (number | undefined)[] = [];
    const runner = { setLearningRate: (lr: number | undefined) => lrs.push(lr) } as unknown as Runner;
    const credits = new StepCredits(controller, 0, 0);
    const seen: number[] = [];
    credits.credits$.subscribe((c) => seen.push(c));
    const sub = applyControl(controller, runner, credits);
    controller.pause();
    credits.release();
    controller.setLearningRate(0.2);
    controller.resume();
    sub.unsubscribe();
    controller.setLearningRate(0.3); // after unsubscribe: not applied
    expect(lrs).toEqual([undefined, undefined, 0.2, 0.2]);
    expect(seen).toEqual([0, 1]);
  });
});

describe('atSafePoints', () => {
  function run(steps: EvaluatedStep[], histogramEvery = 0) {
    const controller = createController();
    const credits = new StepCredits(controller, 0, 0);
    const drawn: number[] = [];
    let total = 0;
    credits.credits$.subscribe((c) => {
      drawn.push(c);
      total += c;
      credits.noteDrawn(total); // as the batch source would
    });
    const points: SafePoint[] = [];
    const histogramSteps: number[] = [];
    const events: TrainEvent[] = [];
    of(...steps)
      .pipe(
        atSafePoints({
          stepPlan: createStepPlan({ histogramEvery }, schedule),
          credits,
          events: { optimizer: sgd({ lr: 0.1 }), epochLoss: { sum: 0, steps: 0 }, now: () => 0 },
          onSafePoint: (p) => points.push({ ...p, epochLoss: { ...p.epochLoss } }),
          histograms: (step) => {
            histogramSteps.push(step);
            return [
              { type: 'histogram', step, layer: 'layer1.W', kind: 'weights', edges: [0, 1], counts: [1] },
            ];
          },
        }),
      )
      .subscribe((e) => events.push(e));
    return {
      drawn,
      points,
      histogramSteps,
      types: events.map((e) => `${e.type}${'step' in e ? e.step : ''}`),
    };
  }

  it('offers a safe point after every step when the runner gives no flow (one step at a time)', () => {
    const r = run([evaluated(1), evaluated(2), evaluated(3)], 2);
    expect(r.points.map((p) => [p.step, p.epoch, p.position, p.epochLoss.steps, p.last])).toEqual([
      [1, 0, 4, 1, false],
      [2, 0, 8, 2, false],
      [3, 1, 0, 0, false], // the epoch ended: the next step is epoch 1's first, its sums reset
    ]);
    expect(r.drawn).toEqual([0, 1, 1, 1]);
    expect(r.histogramSteps).toEqual([1, 2]); // after step 1 and every 2 steps: only at safe points
    expect(r.types).toEqual(['step1', 'histogram1', 'step2', 'histogram2', 'step3', 'epoch3']);
  });

  it('mid-chunk: draws ahead, no safe point, no histogram; at the chunk end: the safe point and one credit', () => {
    const r = run(
      [
        evaluated(1, { ahead: 2, atRest: false }),
        evaluated(2, { ahead: 1, atRest: false }),
        evaluated(3, { ahead: 0, atRest: true }),
      ],
      1, // histograms asked after every step: only the step at rest gets them
    );
    expect(r.points.map((p) => p.step)).toEqual([3]);
    expect(r.histogramSteps).toEqual([3]);
    // step 1 draws up to step 3 (3 credits), step 2 up to step 3 (none left to draw), step 3 one credit
    expect(r.drawn).toEqual([0, 3, 1]);
  });

  it('a chunk end whose workers already went on (not at rest) releases a credit but offers no safe point', () => {
    const r = run([evaluated(1, { ahead: 0, atRest: false })]);
    expect(r.points).toEqual([]);
    expect(r.drawn).toEqual([0, 1]);
  });
});

describe('runEvents with a fake runner', () => {
  it('emits start, every step in order with its evaluations and epochs, then end; draws one step per finished step', () => {
    const scheduler = testScheduler();
    scheduler.run(() => {
      const later = <T>(value: T, frames: number): Observable<T> =>
        scheduler.createColdObservable(`${'-'.repeat(frames)}(v|)`, { v: value });
      const drawnAt: number[] = [];
      const runner: Runner = {
        computeGradients: (s) => {
          drawnAt.push(scheduler.now());
          return later({ step: s, loss: s.step, samples: s.count, slots: 1, ring: 0 }, 2);
        },
        applyUpdate: (b) => later({ ...update(b.step.step), step: b.step }, 1),
        evaluate: () => later({ loss: 0.5, accuracy: 0.9, n: 10 }, 1),
        close: async () => {},
      };
      const model = mlp({ sizes: [4, 2] });
      const optimizer = sgd({ lr: 0.1 });
      const plan = createPlan({ model, optimizer, batchSize: 4, workers: 1 });
      const stepPlan = createStepPlan({ evaluate: ['validation'] }, schedule);
      const session = {
        runId: 'r',
        plan,
        schedule,
        stepPlan,
        controller: createController(),
        createRunner: () => runner,
        kernels: 'js',
      } as unknown as SessionState;
      const validation = { n: 10 } as never;
      const seen: [number, string][] = [];
      let paramCount = -1;
      runEvents({ model, optimizer, train: validation, validation, histogramEvery: 0 }, session)
        .pipe(
          map((e) => {
            if (e.type === 'start') paramCount = e.paramCount;
            return `${e.type}${'step' in e && e.type !== 'end' ? e.step : ''}`;
          }),
        )
        .subscribe((label) => seen.push([scheduler.now(), label]));
      scheduler.flush();
      // gradients take 2 frames, an update 1, an evaluation 1: a step every 3 frames, 4 at an epoch's end
      expect(seen).toEqual([
        [0, 'start'],
        [3, 'step1'],
        [6, 'step2'],
        [10, 'step3'],
        [10, 'eval3'],
        [10, 'epoch3'],
        [13, 'step4'],
        [16, 'step5'],
        [20, 'step6'],
        [20, 'eval6'],
        [20, 'epoch6'],
        [20, 'end'],
      ]);
      expect(drawnAt).toEqual([0, 3, 6, 10, 13, 16]);
      // The model's 4×2 weights and 2 biases, not the layout's aligned size.
      expect(paramCount).toBe(10);
      expect(plan.paramSize).toBeGreaterThan(10);
    });
  });
});
