// A stored run's model: its newest checkpoint (or the one of a given step) in a run store, loaded
// to predict with, on the kernels and zero-skipping the run trained with.

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RunConfig } from '../config/schema.js';
import { GradstreamError } from '../errors.js';
import { checkpointDir, checkpointName, latestCheckpoint } from '../store/checkpoint.js';
import { unknownRun } from '../store/run-record.js';
import { RunStore } from '../store/run-store.js';
import { type LoadModelOptions, type Model, modelFromParts, readModelCheckpoint } from './load-model.js';

/** A run's checkpoint file: of `step`, or the newest. */
export interface RunCheckpoint {
  readonly runId: string;
  readonly path: string;
}

/**
 * The checkpoint file of run `ref` (id, unique id prefix or unique name) in the store at `storeDir`:
 * the one of `step`, or the newest.
 *
 * @throws GradstreamError `ERR_STORE` for an unknown run, `ERR_CHECKPOINT` when it has no such checkpoint.
 */
export function runCheckpoint(storeDir: string, ref: string, step?: number, verb = 'predict'): RunCheckpoint {
  const store = RunStore.open({ dir: storeDir, readonly: true });
  let runId: string;
  try {
    const run = store.findRun(ref);
    if (!run) throw unknownRun(ref, store.file);
    runId = run.id;
  } finally {
    store.close();
  }
  const dir = checkpointDir(storeDir, runId);
  if (step !== undefined) {
    const path = join(dir, checkpointName(step));
    if (!existsSync(path))
      throw new GradstreamError(
        'ERR_CHECKPOINT',
        `${verb}: run ${runId} has no checkpoint of step ${step} in ${resolve(dir)}`,
      );
    return { runId, path };
  }
  const found = latestCheckpoint(dir);
  if (!found)
    throw new GradstreamError('ERR_CHECKPOINT', `${verb}: run ${runId} has no checkpoint in ${resolve(dir)}`);
  return { runId, path: found.path };
}

/**
 * The model of a stored run at its newest checkpoint (or at `step`), predicting with the run's own
 * `kernels` and `skipInputZeros` options unless `options` says otherwise.
 *
 * @example
 * const { model, step } = predictRun('runs', 'mnist-relu');
 * const { classes } = model.predict(testPixels);
 */
export function predictRun(
  storeDir: string,
  ref: string,
  step?: number,
  options: LoadModelOptions = {},
): { readonly model: Model; readonly runId: string; readonly step: number; readonly config: RunConfig } {
  const { runId, path } = runCheckpoint(storeDir, ref, step);
  const parts = readModelCheckpoint(path);
  const model = modelFromParts(parts, {
    kernels: parts.config.kernels,
    skipInputZeros: parts.config.skipInputZeros,
    ...options,
  });
  return { model, runId, step: parts.step, config: parts.config };
}
