// Learning-rate schedules as plain data, and the pure function that evaluates them at an update count.
// Plain data so a schedule can travel to workers and into checkpoints; pure so any thread gets the same lr.

import { checkNumber, invalidOption, unknownKind } from '../errors.js';

/** A fixed value. */
export interface ConstantSchedule {
  readonly kind: 'constant';
  readonly value: number;
}

/** `init · gamma^floor(count / every)` (torch StepLR). */
export interface StepSchedule {
  readonly kind: 'step';
  readonly init: number;
  readonly every: number;
  readonly gamma: number;
}

/** `init · decay^(count / every)`, the exponent floored when `staircase` (optax exponential_decay). */
export interface ExponentialSchedule {
  readonly kind: 'exponential';
  readonly init: number;
  readonly decay: number;
  readonly every?: number;
  readonly staircase?: boolean;
}

/** `min + (init − min)(1 + cos(π·count/steps))/2`, then held at `min` (torch CosineAnnealingLR). */
export interface CosineSchedule {
  readonly kind: 'cosine';
  readonly init: number;
  readonly steps: number;
  readonly min?: number;
}

/**
 * Linear ramp from 0 to `schedule`'s first value over `steps` updates, then `schedule` shifted by
 * `steps`. (Not named `then`: an object with a `then` field looks like a promise to linters and tools.)
 */
export interface WarmupSchedule {
  readonly kind: 'warmup';
  readonly steps: number;
  readonly schedule: ScheduleSpec;
}

/**
 * A learning rate given per update: `values[count]` before update `count + 1`, held at the last value
 * after the table ends. For schedules no formula here describes (e.g. a reference file's
 * `lr_per_step`, or one computed elsewhere).
 */
export interface TableSchedule {
  readonly kind: 'table';
  readonly values: readonly number[];
}

/** Any schedule; `kind` tells which. */
export type ScheduleSpec =
  | ConstantSchedule
  | StepSchedule
  | ExponentialSchedule
  | CosineSchedule
  | WarmupSchedule
  | TableSchedule;

/** The schedule kinds, for error messages and `checkSchedule`. */
export const SCHEDULE_KINDS = ['constant', 'step', 'exponential', 'cosine', 'warmup', 'table'] as const;

const POSITIVE = { min: 0, minOpen: true } as const;
const COUNT = { min: 1, integer: true } as const;

/**
 * Validates a schedule spec (recursively for `warmup`) and returns it typed. Messages name the
 * caller and the field path: `adam: lr.gamma must be a number in (0, ∞), got -1`.
 *
 * @param where - who is asking, e.g. `'adam'`.
 * @param path - the field holding the schedule, e.g. `'lr'`.
 */
export function checkSchedule(spec: unknown, where = 'schedule', path = 'schedule'): ScheduleSpec {
  if (typeof spec !== 'object' || spec === null) invalidOption(where, path, 'a schedule spec object', spec);
  const s = spec as Readonly<Record<string, unknown>>;
  const field = (name: string) => `${path}.${name}`;
  switch (s.kind) {
    case 'constant':
      checkNumber(where, field('value'), s.value, { min: 0 });
      break;
    case 'step':
      checkNumber(where, field('init'), s.init, POSITIVE);
      checkNumber(where, field('every'), s.every, COUNT);
      checkNumber(where, field('gamma'), s.gamma, POSITIVE);
      break;
    case 'exponential':
      checkNumber(where, field('init'), s.init, POSITIVE);
      checkNumber(where, field('decay'), s.decay, POSITIVE);
      if (s.every !== undefined) checkNumber(where, field('every'), s.every, COUNT);
      if (s.staircase !== undefined && typeof s.staircase !== 'boolean') {
        invalidOption(where, field('staircase'), 'a boolean', s.staircase);
      }
      break;
    case 'cosine':
      checkNumber(where, field('init'), s.init, POSITIVE);
      checkNumber(where, field('steps'), s.steps, COUNT);
      if (s.min !== undefined) checkNumber(where, field('min'), s.min, { min: 0 });
      break;
    case 'warmup':
      checkNumber(where, field('steps'), s.steps, COUNT);
      checkSchedule(s.schedule, where, field('schedule'));
      break;
    case 'table':
      if (!Array.isArray(s.values) || s.values.length === 0)
        invalidOption(where, field('values'), 'a non-empty array of learning rates', s.values);
      for (let i = 0; i < s.values.length; i++)
        checkNumber(where, `${field('values')}[${i}]`, s.values[i], { min: 0 });
      break;
    default:
      unknownKind(where, `${path} kind`, s.kind, SCHEDULE_KINDS);
  }
  return spec as ScheduleSpec;
}

/**
 * The schedule's value before update number `count + 1`, i.e. after `count` updates (0-based, as
 * in optax). Pure and allocation-free, so it runs on the hot path; it assumes a spec that passed
 * `checkSchedule` (every builder and `compile` check theirs).
 *
 * @example
 * scheduleValue({ kind: 'step', init: 0.1, every: 10, gamma: 0.5 }, 10); // 0.05
 */
export function scheduleValue(spec: ScheduleSpec, count: number): number {
  switch (spec.kind) {
    case 'constant':
      return spec.value;
    case 'step':
      return spec.init * spec.gamma ** Math.floor(count / spec.every);
    case 'exponential': {
      const e = count / (spec.every ?? 1);
      return spec.init * spec.decay ** (spec.staircase ? Math.floor(e) : e);
    }
    case 'cosine': {
      const min = spec.min ?? 0;
      if (count >= spec.steps) return min;
      return min + ((spec.init - min) * (1 + Math.cos((Math.PI * count) / spec.steps))) / 2;
    }
    case 'warmup':
      // Linear from 0 at count 0, so the first update is a no-op, as in optax's linear warm-up.
      if (count < spec.steps) return (scheduleValue(spec.schedule, 0) * count) / spec.steps;
      return scheduleValue(spec.schedule, count - spec.steps);
    case 'table':
      return spec.values[Math.min(count, spec.values.length - 1)];
    default:
      return unknownKind('scheduleValue', 'schedule kind', (spec as { kind: unknown }).kind, SCHEDULE_KINDS);
  }
}

/** A checked constant schedule. */
export function constantSchedule(value: number): ConstantSchedule {
  return checkSchedule({ kind: 'constant', value }, 'constantSchedule') as ConstantSchedule;
}

/** A checked step schedule: `init · gamma^floor(count / every)`. */
export function stepSchedule(options: Omit<StepSchedule, 'kind'>): StepSchedule {
  return checkSchedule({ kind: 'step', ...options }, 'stepSchedule') as StepSchedule;
}

/** A checked exponential schedule: `init · decay^(count / every)`. */
export function exponentialSchedule(options: Omit<ExponentialSchedule, 'kind'>): ExponentialSchedule {
  return checkSchedule({ kind: 'exponential', ...options }, 'exponentialSchedule') as ExponentialSchedule;
}

/**
 * A checked cosine schedule.
 *
 * @example
 * adam({ lr: cosineSchedule({ init: 1e-3, steps: 1000 }) });
 */
export function cosineSchedule(options: Omit<CosineSchedule, 'kind'>): CosineSchedule {
  return checkSchedule({ kind: 'cosine', ...options }, 'cosineSchedule') as CosineSchedule;
}

/**
 * A checked linear warm-up in front of another schedule.
 *
 * @example
 * warmupSchedule({ steps: 100, schedule: cosineSchedule({ init: 1e-3, steps: 900 }) });
 */
export function warmupSchedule(options: Omit<WarmupSchedule, 'kind'>): WarmupSchedule {
  return checkSchedule({ kind: 'warmup', ...options }, 'warmupSchedule') as WarmupSchedule;
}
