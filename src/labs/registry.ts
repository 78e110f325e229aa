// The labs by name, and the config and result types each name stands for.

import { batchNorm } from './batch-norm.js';
import { hyperparameterSearch } from './hyperparameter-search.js';
import type { LabDefinition } from './lab.js';
import { optimizers2d } from './optimizers-2d.js';
import { optimizersMnist } from './optimizers-mnist.js';
import { overfitting } from './overfitting.js';
import { weightInit } from './weight-init.js';

/** Every lab, by its CLI name. */
export const LABS = {
  'optimizers-2d': optimizers2d,
  'optimizers-mnist': optimizersMnist,
  'weight-init': weightInit,
  'batch-norm': batchNorm,
  overfitting,
  'hyperparameter-search': hyperparameterSearch,
} as const;

/** A lab's name. */
export type LabName = keyof typeof LABS;

/** The lab names in the book's order. */
export const LAB_NAMES = Object.keys(LABS) as LabName[];

/** The settings type of lab `N`. */
export type LabConfig<N extends LabName> =
  (typeof LABS)[N] extends LabDefinition<infer C, infer _D> ? C : never;

/** The result data type of lab `N`. */
export type LabData<N extends LabName> =
  (typeof LABS)[N] extends LabDefinition<infer _C, infer D> ? D : never;
