import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  checkSchedule,
  cosineSchedule,
  exponentialSchedule,
  type ScheduleSpec,
  scheduleValue,
  stepSchedule,
  warmupSchedule,
} from '../../src/optim/schedules.js';

interface ScheduledCase {
  readonly name: string;
  readonly optimizer: { readonly lr: number };
  readonly schedule: { name: string; every: number; gamma: number; steps: number; min: number };
  readonly lr_per_step: readonly number[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/optimizers.torch.json', import.meta.url), 'utf8'),
);
const scheduledCases: ScheduledCase[] = fixture.cases.filter((c: Partial<ScheduledCase>) => c.lr_per_step);

describe('scheduleValue', () => {
  it('holds a constant', () => {
    expect(scheduleValue({ kind: 'constant', value: 0.3 }, 0)).toBe(0.3);
    expect(scheduleValue({ kind: 'constant', value: 0.3 }, 1000)).toBe(0.3);
  });

  it('steps by gamma every `every` updates', () => {
    const s = stepSchedule({ init: 0.1, every: 10, gamma: 0.5 });
    // counts 0–9: 0.1; 10–19: 0.05; 20: 0.025
    expect(scheduleValue(s, 0)).toBeCloseTo(0.1, 15);
    expect(scheduleValue(s, 9)).toBeCloseTo(0.1, 15);
    expect(scheduleValue(s, 10)).toBeCloseTo(0.05, 15);
    expect(scheduleValue(s, 20)).toBeCloseTo(0.025, 15);
  });

  it('decays exponentially, continuously or in stairs', () => {
    // 1·0.5^(3/2) = 0.353553…; staircase: 0.5^floor(1.5) = 0.5
    expect(scheduleValue(exponentialSchedule({ init: 1, decay: 0.5, every: 2 }), 3)).toBeCloseTo(
      0.35355339,
      8,
    );
    expect(scheduleValue(exponentialSchedule({ init: 1, decay: 0.5, every: 2, staircase: true }), 3)).toBe(
      0.5,
    );
    // every defaults to 1: 2·0.9² = 1.62
    expect(scheduleValue(exponentialSchedule({ init: 2, decay: 0.9 }), 2)).toBeCloseTo(1.62, 12);
  });

  it('anneals along a half cosine and then holds min', () => {
    const s = cosineSchedule({ init: 1, steps: 4, min: 0.2 });
    // count 2 is half way: 0.2 + 0.8·(1 + cos(π/2))/2 = 0.6; count 4 and later: 0.2
    expect(scheduleValue(s, 0)).toBeCloseTo(1, 12);
    expect(scheduleValue(s, 2)).toBeCloseTo(0.6, 12);
    expect(scheduleValue(s, 4)).toBe(0.2);
    expect(scheduleValue(s, 99)).toBe(0.2);
  });

  it('warms up linearly from 0, then runs the shifted schedule', () => {
    const s = warmupSchedule({ steps: 4, schedule: stepSchedule({ init: 0.8, every: 2, gamma: 0.5 }) });
    // counts 0..3: 0.8·count/4 = 0, 0.2, 0.4, 0.6; count 4 → schedule(0) = 0.8; count 6 → schedule(2) = 0.4
    [0, 0.2, 0.4, 0.6].forEach((expected, count) => {
      expect(scheduleValue(s, count)).toBeCloseTo(expected, 12);
    });
    expect(scheduleValue(s, 4)).toBe(0.8);
    expect(scheduleValue(s, 6)).toBe(0.4);
  });

  it.each(scheduledCases)('matches torch lr_per_step for $name', (c) => {
    const { lr } = c.optimizer;
    const s = c.schedule;
    const spec: ScheduleSpec =
      s.name === 'step'
        ? { kind: 'step', init: lr, every: s.every, gamma: s.gamma }
        : { kind: 'cosine', init: lr, steps: s.steps, min: s.min };
    c.lr_per_step.forEach((expected, t) => {
      expect(scheduleValue(spec, t)).toBeCloseTo(expected, 12);
    });
  });
});

describe('checkSchedule', () => {
  it('names the field path and the allowed range', () => {
    expect(() => checkSchedule({ kind: 'step', init: 0.1, every: 10, gamma: -1 }, 'adam', 'lr')).toThrow(
      'adam: lr.gamma must be a number in (0, ∞), got -1',
    );
    expect(() =>
      checkSchedule({ kind: 'warmup', steps: 5, schedule: { kind: 'cosine', init: 1, steps: 1.5 } }),
    ).toThrow('schedule: schedule.schedule.steps must be an integer in [1, ∞), got 1.5');
    expect(() => checkSchedule({ kind: 'exponential', init: 1, decay: 0.5, staircase: 'yes' })).toThrow(
      'schedule.staircase must be a boolean, got "yes"',
    );
  });

  it('lists the kinds for an unknown kind', () => {
    expect(() => checkSchedule({ kind: 'linear' })).toThrow(
      'schedule: unknown schedule kind "linear"; allowed: constant, step, exponential, cosine, warmup, table',
    );
  });

  it('rejects a missing field', () => {
    expect(() => cosineSchedule({ init: 1 } as never)).toThrow(
      'cosineSchedule: schedule.steps must be an integer in [1, ∞), got undefined',
    );
  });

  it('table: values[count] before update count + 1, held at the last; empty or negative refused', () => {
    const table = checkSchedule({ kind: 'table', values: [0.1, 0.05, 0.02] });
    expect([0, 1, 2, 3, 100].map((count) => scheduleValue(table, count))).toEqual([
      0.1, 0.05, 0.02, 0.02, 0.02,
    ]);
    expect(() => checkSchedule({ kind: 'table', values: [] })).toThrow(
      'schedule.values must be a non-empty array of learning rates, got []',
    );
    expect(() => checkSchedule({ kind: 'table', values: [0.1, -1] })).toThrow('schedule.values[1]');
  });
});
