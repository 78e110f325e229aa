// Stage 3: the optimizer (updateParams). One update at a time, in order: each reduces the step's gradient slots
// and applies the optimizer, sharded over the lanes.

import { concatMap, from, type OperatorFunction } from 'rxjs';
import type { GradientBatch, Runner, UpdateResult } from './runner.js';

/** Applies each gradient batch, strictly one after another. */
export function updateParams(runner: Runner): OperatorFunction<GradientBatch, UpdateResult> {
  return concatMap((batch) => from(runner.applyUpdate(batch)));
}
