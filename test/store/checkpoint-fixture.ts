// A checkpoint with recognisable contents for the checkpoint tests (and their child process).

import { buildRun } from '../../src/config/build.js';
import type { RunConfig } from '../../src/config/schema.js';
import { parseConfig } from '../../src/config/validate.js';
import { mlpLayouts } from '../../src/nn/mlp.js';
import { optimizerSlotNames } from '../../src/optim/optimizer.js';
import { Rng } from '../../src/random/rng.js';
import type { Checkpoint } from '../../src/store/checkpoint-format.js';

/** A config → a checkpoint of its exact shapes, filled from `seed` (plus a NaN, a −0 and an ∞). */
export function makeCheckpoint(
  input: unknown = { model: { hidden: [16], batchNorm: true } },
  step = 100,
  seed = 1,
): Checkpoint {
  const config: RunConfig = parseConfig(input, { checkFiles: false });
  const run = buildRun(config);
  const layouts = mlpLayouts(run.model);
  const rng = new Rng(seed);
  const filled = (n: number) => rng.fillNormal(new Float32Array(n), 1);
  const params = filled(layouts.params.size);
  params[0] = Number.NaN;
  params[1] = -0;
  params[2] = Number.POSITIVE_INFINITY;
  const slots = Object.fromEntries(
    optimizerSlotNames(run.optimizer).map((name) => [name, filled(params.length)]),
  );
  return {
    step,
    updates: step - 1,
    scheduleCount: step - 1,
    params,
    buffers: filled(layouts.buffers.size),
    slots,
    rng: new Rng(seed).fork('data').state(),
    cursor: { epoch: 2, position: 300, seed: config.seed },
    model: run.model,
    config: config as unknown as Readonly<Record<string, unknown>>,
    extra: { runId: 'r', elapsedMs: 1234.5 },
  };
}
