// optimizerFromConfig: a flat, camelCase config object (as in files and the CLI) → a TransformSpec.

import { invalidOption, unknownKind } from '../errors.js';
import { adagrad, adam, adamw, momentum, nesterov, rmsprop, sgd } from './alias.js';
import type { LearningRate } from './scale-by-learning-rate.js';
import type { TransformSpec } from './transform.js';

/** An optimizer as flat data: the format of configs and of the reference vectors. */
export interface OptimizerConfig {
  readonly name: string;
  readonly lr: LearningRate;
  readonly momentum?: number;
  readonly beta1?: number;
  readonly beta2?: number;
  readonly eps?: number;
  readonly alpha?: number;
  readonly weightDecay?: number;
}

type Recipe = (c: OptimizerConfig) => TransformSpec;

/** Each name, the config fields it reads, and how it maps them onto its recipe. */
const RECIPES: Readonly<Record<string, { readonly fields: readonly string[]; readonly make: Recipe }>> = {
  sgd: { fields: ['weightDecay'], make: (c) => sgd(c) },
  momentum: { fields: ['momentum', 'weightDecay'], make: (c) => momentum(c) },
  nesterov: { fields: ['momentum', 'weightDecay'], make: (c) => nesterov(c) },
  adagrad: { fields: ['eps'], make: (c) => adagrad(c) },
  rmsprop: { fields: ['alpha', 'eps'], make: (c) => rmsprop(c) },
  adam: { fields: ['beta1', 'beta2', 'eps'], make: (c) => adam({ ...c, b1: c.beta1, b2: c.beta2 }) },
  adamw: {
    fields: ['beta1', 'beta2', 'eps', 'weightDecay'],
    make: (c) => adamw({ ...c, b1: c.beta1, b2: c.beta2 }),
  },
};

/** The names `optimizerFromConfig` accepts. */
export const OPTIMIZER_NAMES: readonly string[] = Object.keys(RECIPES);

/**
 * Maps `{ name, lr, ...hyperparameters }` to the named recipe; absent hyperparameters take the
 * recipe's (torch's) defaults. A field the optimizer does not use is an error rather than
 * silently ignored (`momentum` on `adam` is almost certainly a mistake).
 *
 * @throws GradstreamError `ERR_UNKNOWN_KIND` for an unknown name (listing the names),
 *   `ERR_INVALID_OPTION` for a bad value, e.g. `adam: lr must be a number in (0, ∞), got -1`.
 * @example
 * optimizerFromConfig({ name: 'adam', lr: 0.001, beta1: 0.9 });
 */
export function optimizerFromConfig(config: OptimizerConfig): TransformSpec {
  if (typeof config !== 'object' || config === null) {
    invalidOption('optimizerFromConfig', 'config', 'an object', config);
  }
  const recipe = Object.hasOwn(RECIPES, config.name) ? RECIPES[config.name] : undefined;
  if (!recipe) return unknownKind('optimizerFromConfig', 'optimizer', config.name, OPTIMIZER_NAMES);
  for (const [key, value] of Object.entries(config)) {
    if (key === 'name' || key === 'lr' || value === undefined || recipe.fields.includes(key)) continue;
    const allowed = ['lr', ...recipe.fields].join(', ');
    invalidOption(config.name, key, `absent (${config.name} takes ${allowed})`, value);
  }
  return recipe.make(config);
}
