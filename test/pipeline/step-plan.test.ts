// The step plan as a table: for a grid of configs, what follows each step (evaluations, histograms,
// safe points) and where the workers must rest. Every stage consults this one plan.

import { describe, expect, it } from 'vitest';
import { batchSchedule } from '../../src/pipeline/batch-source.js';
import { createStepPlan, type StepPlanOptions } from '../../src/pipeline/step-plan.js';

// 10 samples, batch 4: 3 steps per epoch (4, 4, 2 rows), 3 epochs: steps 1…9, epoch ends 3, 6, 9.
const schedule = batchSchedule({ n: 10, batchSize: 4, epochs: 3 });

/** One letter per action: v validation, t test, h histograms, s safe point; `.` a step that runs on. */
function row(options: StepPlanOptions): string[] {
  const plan = createStepPlan(options, schedule);
  return Array.from({ length: schedule.totalSteps }, (_, i) => {
    const a = plan.at(i + 1);
    const letters =
      a.evaluate.map((set) => set[0]).join('') + (a.histograms ? 'h' : '') + (a.safePoint ? 's' : '');
    return a.boundary ? letters || 'B' : '.';
  });
}

describe('createStepPlan', () => {
  it.each<[string, StepPlanOptions, string]>([
    ['nothing asked: only the last step rests', {}, '. . . . . . . . B'],
    ['a validation set: every epoch end', { evaluate: ['validation'] }, '. . v . . v . . v'],
    ['and every 2 steps', { evaluate: ['validation'], evalEvery: 2 }, '. v v v . v . v v'],
    [
      'every 2 steps, not at epoch ends',
      { evaluate: ['validation'], evalEvery: 2, atEpochEnd: false },
      '. v . v . v . v B',
    ],
    ['a test set: after the last step only', { atEnd: ['test'] }, '. . . . . . . . t'],
    [
      'validation and test at the end, in that order',
      { evaluate: ['validation'], atEnd: ['test'] },
      '. . v . . v . . vt',
    ],
    ['histograms after step 1 and every 4', { histogramEvery: 4 }, 'h . . h . . . h B'],
    ['safe points every 3 (checkpoints)', { safePointEvery: 3 }, '. . s . . s . . s'],
    [
      'all at once',
      { evaluate: ['validation'], evalEvery: 4, atEnd: ['test'], histogramEvery: 5, safePointEvery: 2 },
      'h s v vs h vs . vs vt',
    ],
  ])('%s', (_name, options, expected) => {
    expect(row(options).join(' ')).toBe(expected);
  });

  it('nextBoundary is the first step from `first` on that rests, the last step at the latest', () => {
    const plan = createStepPlan({ evaluate: ['validation'], histogramEvery: 4 }, schedule);
    const rests = Array.from({ length: 9 }, (_, i) => i + 1).filter((s) => plan.at(s).boundary);
    expect(rests).toEqual([1, 3, 4, 6, 8, 9]);
    for (let first = 1; first <= 9; first++) {
      expect(plan.nextBoundary(first), `from ${first}`).toBe(rests.find((s) => s >= first));
    }
    expect(createStepPlan({}, schedule).nextBoundary(1)).toBe(9);
  });

  it('returns shared objects: asking after every step allocates nothing', () => {
    const plan = createStepPlan({ evaluate: ['validation'], evalEvery: 2 }, schedule);
    expect(plan.at(2)).toBe(plan.at(4));
    expect(plan.at(1)).toBe(plan.at(5));
  });

  it('refuses negative or fractional intervals, naming the field', () => {
    expect(() => createStepPlan({ evalEvery: -1 }, schedule)).toThrow(/evalEvery/);
    expect(() => createStepPlan({ histogramEvery: 1.5 }, schedule)).toThrow(/histogramEvery/);
  });
});
