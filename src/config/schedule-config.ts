// Learning-rate schedules as written in a config: the shape only, starting from `optimizer.lr`
// (so the peak rate lives in one field), checked by the optimizer module's own `checkSchedule`.

import { describeValue } from '../errors.js';
import { checkSchedule, type ScheduleSpec } from '../optim/schedules.js';
import { mustBe, problemFromError } from './issues.js';

/** A schedule in a config file; `optimizer.lr` supplies its initial value. */
export type ScheduleConfig =
  | { readonly kind: 'constant' }
  | { readonly kind: 'step'; readonly every: number; readonly gamma: number }
  | {
      readonly kind: 'exponential';
      readonly decay: number;
      readonly every?: number;
      readonly staircase?: boolean;
    }
  | { readonly kind: 'cosine'; readonly steps: number; readonly min?: number }
  /** Linear warm-up to `lr` over `steps`, then `schedule` (default constant). */
  | { readonly kind: 'warmup'; readonly steps: number; readonly schedule?: ScheduleConfig };

/** The fields each kind takes besides `kind`. */
const FIELDS: Readonly<Record<ScheduleConfig['kind'], readonly string[]>> = {
  constant: [],
  step: ['every', 'gamma'],
  exponential: ['decay', 'every', 'staircase'],
  cosine: ['steps', 'min'],
  warmup: ['steps', 'schedule'],
};

/** The kinds a config may name (the library's `table` has no place here: a config schedule starts at `lr`). */
const CONFIG_SCHEDULE_KINDS = Object.keys(FIELDS);

/** Expands a config schedule into the optimizer's `ScheduleSpec`, starting at `lr`. */
export function scheduleFromConfig(lr: number, s: ScheduleConfig): ScheduleSpec {
  switch (s.kind) {
    case 'constant':
      return { kind: 'constant', value: lr };
    case 'step':
      return { kind: 'step', init: lr, every: s.every, gamma: s.gamma };
    case 'exponential':
      return { kind: 'exponential', init: lr, decay: s.decay, every: s.every, staircase: s.staircase };
    case 'cosine':
      return { kind: 'cosine', init: lr, steps: s.steps, min: s.min };
    case 'warmup':
      return {
        kind: 'warmup',
        steps: s.steps,
        schedule: scheduleFromConfig(lr, s.schedule ?? { kind: 'constant' }),
      };
  }
}

/** Structural problems: not an object, unknown kind, unknown fields (recursing into warm-up). */
function shapeProblems(value: unknown, path: string): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return [mustBe(path, 'a schedule object such as { "kind": "cosine", "steps": 1000 }', value)];
  }
  const s = value as Readonly<Record<string, unknown>>;
  if (!CONFIG_SCHEDULE_KINDS.includes(s.kind as string)) {
    return [`${path}.kind: unknown ${describeValue(s.kind)}; allowed: ${CONFIG_SCHEDULE_KINDS.join(', ')}`];
  }
  const allowed = FIELDS[s.kind as ScheduleConfig['kind']];
  const problems: string[] = [];
  for (const key of Object.keys(s)) {
    if (key === 'kind' || allowed.includes(key)) continue;
    const hint = key === 'init' || key === 'value' ? ' (a schedule starts at optimizer.lr)' : '';
    problems.push(`${path}.${key}: unknown field${hint}`);
  }
  if (s.kind === 'warmup' && s.schedule !== undefined)
    problems.push(...shapeProblems(s.schedule, `${path}.schedule`));
  return problems;
}

/**
 * Every problem of a config schedule, as lines under `path`; empty when it is valid. Ranges are
 * checked by `checkSchedule` on the expanded spec, so they match the library's own rules.
 */
export function scheduleProblems(lr: number, value: unknown, path = 'optimizer.schedule'): string[] {
  const problems = shapeProblems(value, path);
  if (problems.length > 0) return problems;
  try {
    checkSchedule(scheduleFromConfig(lr, value as ScheduleConfig), 'config', path);
    return [];
  } catch (error) {
    return [problemFromError(error, path)];
  }
}
