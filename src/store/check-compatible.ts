// Whether a checkpoint can continue under a config: the model and optimizer state must fit exactly;
// other differences are allowed but reported, since they make the resumed run differ from a straight one.

import { modelFromConfig, optimizerSpecFromConfig } from '../config/build.js';
import { optionRows } from '../config/options.js';
import { type RunConfig, runConfigSchema } from '../config/schema.js';
import { GradstreamError } from '../errors.js';
import { mlpLayouts } from '../nn/mlp.js';
import { optimizerSlotNames } from '../optim/optimizer.js';
import type { Checkpoint } from './checkpoint-format.js';

/**
 * Config fields that may change on resume at the cost of exactness (e.g. to fine-tune): the option
 * table's rows marked `warn`. Rows marked `fixed` shape the saved state and are checked against the
 * checkpoint's arrays below; rows marked `free` may change silently.
 */
const WARN_FIELDS = optionRows()
  .filter((row) => row.option.resume === 'warn')
  .map((row) => row.path);

/** `fixed` rows outside the model, whose network is compared as built (hidden vs sizes are one network). */
const FIXED_FIELDS = optionRows()
  .filter((row) => row.option.resume === 'fixed' && row.option.goes !== 'model')
  .map((row) => row.path);

function get(config: unknown, path: string): unknown {
  let value = config;
  for (const key of path.split('.')) value = (value as Record<string, unknown> | undefined)?.[key];
  return value;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const show = (v: unknown) => (Array.isArray(v) ? v.join('-') : JSON.stringify(v));

function hardProblems(c: Checkpoint, config: RunConfig): string[] {
  const shape = {
    inputSize: c.model.sizes[0],
    classes: c.model.sizes[c.model.sizes.length - 1],
    regression: c.model.loss === 'mse',
  };
  let model: ReturnType<typeof modelFromConfig>;
  try {
    model = modelFromConfig(config.model, shape);
  } catch (error) {
    return [(error as Error).message];
  }
  const problems: string[] = [];
  const differ = (field: string, ours: unknown, theirs: unknown) => {
    if (!same(ours, theirs))
      problems.push(`${field} is ${show(ours)} in the checkpoint but ${show(theirs)} in the config`);
  };
  differ('model.sizes', c.model.sizes, model.sizes);
  differ('model.activation', c.model.activation, model.activation);
  differ('model.batchNorm', c.model.batchNorm !== false, model.batchNorm !== false);
  const layouts = mlpLayouts(model);
  differ('parameter count', c.params.length, layouts.params.size);
  differ('buffer count', c.buffers.length, layouts.buffers.size);
  const slots = [...optimizerSlotNames(optimizerSpecFromConfig(config.optimizer))].sort();
  differ('optimizer state slots', Object.keys(c.slots).sort().join(', '), slots.join(', '));
  for (const field of FIXED_FIELDS) differ(field, get(savedConfig(c), field), get(config, field));
  for (const [name, slot] of Object.entries(c.slots)) {
    if (slot.length !== c.params.length)
      problems.push(`optimizer slot ${name} has ${slot.length} values, not ${c.params.length}`);
  }
  return problems;
}

/**
 * Refuses a checkpoint whose model or optimizer state does not fit `config`; returns warnings for
 * allowed differences (optimizer hyperparameters, data, batch size, seed, …).
 *
 * @param source - names the checkpoint in messages, e.g. its path.
 * @throws GradstreamError `ERR_CHECKPOINT` listing every mismatch, e.g.
 *   `checkpoint runs/x/ckpt-0000000100.gsc does not match the config: model.sizes is 784-50-10 in the checkpoint but 784-100-10 in the config`.
 */
export function checkCompatible(checkpoint: Checkpoint, config: RunConfig, source = 'checkpoint'): string[] {
  const problems = hardProblems(checkpoint, config);
  const name = source === 'checkpoint' ? source : `checkpoint ${source}`;
  if (problems.length > 0) {
    throw new GradstreamError('ERR_CHECKPOINT', `${name} does not match the config: ${problems.join('; ')}`, {
      cause: { source, problems },
    });
  }
  const saved = savedConfig(checkpoint);
  return WARN_FIELDS.filter((f) => !same(get(saved, f), get(config, f))).map(
    (f) =>
      `${f} differs from the checkpoint's (${JSON.stringify(get(saved, f))}): the resumed run will not match an uninterrupted one`,
  );
}

/** The checkpoint's config with today's defaults filled in (options added since it was written). */
function savedConfig(c: Checkpoint): unknown {
  const parsed = runConfigSchema.safeParse(c.config);
  return parsed.success ? parsed.data : c.config;
}
