// scaleByLearningRate(lr): u ← −lr·u, the only place the sign of a descent step is chosen (optax).
// The lr is a constant or a schedule evaluated at the update count; ctx.lrOverride wins over both.

import { checkNumber } from '../errors.js';
import type { Block, RawSpec } from './block.js';
import { scaleKernel } from './scale.js';
import { checkSchedule, type ScheduleSpec, scheduleValue } from './schedules.js';

/** A learning rate: a positive number, or a schedule of the update count. */
export type LearningRate = number | ScheduleSpec;

/** Spec of {@link scaleByLearningRate}. */
export type ScaleByLearningRateSpec = {
  readonly kind: 'scaleByLearningRate';
  readonly lr: LearningRate;
};

/** Checks a learning rate: a number in (0, ∞) or a valid schedule spec. */
export function checkLearningRate(lr: unknown, where: string): LearningRate {
  if (typeof lr === 'object' && lr !== null) return checkSchedule(lr, where, 'lr');
  return checkNumber(where, 'lr', lr, { min: 0, minOpen: true });
}

/**
 * Multiplies the updates by −lr, turning a direction into a descent step for `applyUpdates` to add.
 *
 * @param where - names the caller in error messages (recipes pass their own name).
 * @example
 * chain(trace({ decay: 0.9 }), scaleByLearningRate(stepSchedule({ init: 0.1, every: 10, gamma: 0.5 })));
 */
export function scaleByLearningRate(
  lr: LearningRate,
  where = 'scaleByLearningRate',
): ScaleByLearningRateSpec {
  return { kind: 'scaleByLearningRate', lr: checkLearningRate(lr, where) };
}

/**
 * The learning rate used by update number `step` (1-based): the override when given, else the
 * constant, else the schedule at count `step − 1` (updates already applied).
 */
export function learningRateFor(lr: LearningRate, step: number, lrOverride?: number): number {
  if (lrOverride !== undefined) return lrOverride;
  return typeof lr === 'number' ? lr : scheduleValue(lr, step - 1);
}

/** Registry entry of `scaleByLearningRate`. */
export const SCALE_BY_LEARNING_RATE_BLOCK: Block = {
  kind: 'scaleByLearningRate',
  fields: ['lr'],
  compile(spec: RawSpec) {
    const { lr } = scaleByLearningRate(spec.lr as LearningRate, 'scaleByLearningRate');
    return {
      slots: [],
      needsGradNorm: false,
      update(u, _s, _p, ctx) {
        scaleKernel(u, -learningRateFor(lr, ctx.step, ctx.lrOverride));
      },
    };
  },
};
