// The one schema of a training run's configuration (files, flags, stored runs, checkpoints), derived
// from the option table (options.ts), and DEFAULTS, read off that schema. Validation and resolution
// are in validate.ts.

import { z } from 'zod';
import { isOption, type OptionTable, RUN_OPTIONS, type RunOption } from './options.js';

export type { InitConfig } from './options.js';

/** The zod shape of a group of the table: each row's schema; each sub-group a strict object. */
type ShapeOf<T extends OptionTable> = {
  -readonly [K in keyof T]: T[K] extends RunOption<infer S>
    ? S
    : T[K] extends OptionTable
      ? z.ZodPrefault<z.ZodObject<ShapeOf<T[K]>, z.core.$strict>>
      : never;
};

function groupSchema<T extends OptionTable>(table: T): z.ZodObject<ShapeOf<T>, z.core.$strict> {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, entry] of Object.entries(table)) {
    shape[key] = isOption(entry) ? entry.schema : groupSchema(entry).prefault({});
  }
  return z.object(shape).strict() as unknown as z.ZodObject<ShapeOf<T>, z.core.$strict>;
}

/** The whole run configuration. Objects are strict: an unknown field is a problem, not ignored. */
export const runConfigSchema = groupSchema(RUN_OPTIONS);

/** `model`: the MLP (chapter 6); input and class counts come from the data unless `sizes` is given. */
export const modelSchema = groupSchema(RUN_OPTIONS.model);
/** `optimizer`: `optimizerFromConfig`'s fields plus an optional schedule that starts at `lr`. */
export const optimizerSchema = groupSchema(RUN_OPTIONS.optimizer);
/** `data`: MNIST (default) or any IDX images/labels pair. Relative paths in a file are from its folder. */
export const dataSchema = groupSchema(RUN_OPTIONS.data);

type DeepReadonly<T> = T extends readonly (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/** A valid, fully defaulted run configuration (plain JSON: stored with runs and checkpoints). */
export type RunConfig = DeepReadonly<z.output<typeof runConfigSchema>>;

/** What a config file or the flags may say: any subset of the fields, not yet checked. */
export type RunConfigInput = DeepReadonly<z.input<typeof runConfigSchema>>;

/**
 * Every default of a run — the library's `train()` and the CLI's alike — as the schema fills them
 * into an empty config. Defaults that depend on other fields (`model.hidden`, `model.init`,
 * `microBatches`) are absent here; the table words them (`derivedDefault`).
 */
export const DEFAULTS: RunConfig = runConfigSchema.parse({});

/** `model.hidden` when `model.sizes` is not given. */
export const DEFAULT_HIDDEN: readonly number[] = [100, 100];
