// Stage 2: gradients. Each step fans its micro-batches out to the lanes; at most `concurrency`
// steps are in flight (1 in sync mode, staleness + 1 in async mode).

import { from, mergeMap, type OperatorFunction } from 'rxjs';
import type { GradientBatch, Runner, StepDescriptor } from './runner.js';

/** Maps each step to its gradient batch, with at most `concurrency` steps in flight. */
export function computeGradients(
  runner: Runner,
  concurrency = 1,
): OperatorFunction<StepDescriptor, GradientBatch> {
  return mergeMap((step) => from(runner.computeGradients(step)), concurrency);
}
