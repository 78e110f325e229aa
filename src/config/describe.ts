// The config reference generated from the schema itself (path, default, allowed values, meaning),
// so docs/runs.md cannot drift from what validation accepts: a test compares the two.

import type { z } from 'zod';
import { fieldMeta } from './fields.js';
import { runConfigSchema } from './schema.js';

/** One row of the config reference. */
export interface ConfigField {
  /** Dotted path, e.g. `optimizer.lr`. */
  readonly path: string;
  /** The default as JSON, or undefined when the field is optional without one. */
  readonly default: string | undefined;
  readonly allowed: string;
  readonly description: string;
}

interface Def {
  readonly type: string;
  readonly innerType?: z.ZodType;
  readonly in?: z.ZodType;
  readonly defaultValue?: unknown;
  readonly shape?: Readonly<Record<string, z.ZodType>>;
}

const WRAPPERS = new Set(['default', 'prefault', 'optional', 'nullable', 'readonly', 'pipe']);

function defOf(schema: z.ZodType): Def {
  return schema._zod.def as unknown as Def;
}

function walk(schema: z.ZodType, path: string, rows: ConfigField[]): void {
  let current = schema;
  let description = '';
  let allowed: string | undefined;
  let fallback: unknown;
  let hasDefault = false;
  for (;;) {
    description ||= current.description ?? '';
    allowed ??= fieldMeta(current)?.allowed;
    const def = defOf(current);
    if (def.type === 'default') {
      hasDefault = true;
      fallback = def.defaultValue;
    }
    if (!WRAPPERS.has(def.type)) break;
    current = (def.innerType ?? def.in) as z.ZodType;
  }
  const def = defOf(current);
  if (def.type === 'object' && def.shape) {
    for (const [key, child] of Object.entries(def.shape)) walk(child, path ? `${path}.${key}` : key, rows);
    return;
  }
  rows.push({
    path,
    default: hasDefault ? JSON.stringify(fallback) : undefined,
    allowed: allowed ?? def.type,
    description,
  });
}

/** Every leaf field of the run config, in schema order. */
export function configFields(): ConfigField[] {
  const rows: ConfigField[] = [];
  walk(runConfigSchema, '', rows);
  return rows;
}

/** The config reference as a Markdown table (the one in docs/runs.md). */
export function configTable(): string {
  const cell = (s: string) => s.replaceAll('|', '\\|');
  const lines = ['| Field | Default | Allowed | Meaning |', '| --- | --- | --- | --- |'];
  for (const f of configFields()) {
    const fallback = f.default === undefined ? '—' : `\`${f.default}\``;
    lines.push(`| \`${f.path}\` | ${cell(fallback)} | ${cell(f.allowed)} | ${cell(f.description)} |`);
  }
  return lines.join('\n');
}
