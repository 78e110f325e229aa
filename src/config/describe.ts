// The config reference generated from the option table (path, default, allowed values, flag, what
// resuming may change, meaning), so docs/runs.md cannot drift from what validation accepts: a test
// compares the two.

import { fieldMeta } from './fields.js';
import { optionRows, type ResumeRule, type RunOption } from './options.js';

/** One row of the config reference. */
export interface ConfigField {
  /** Dotted path, e.g. `optimizer.lr`. */
  readonly path: string;
  /** The default as JSON, or undefined when there is none. */
  readonly default: string | undefined;
  /** A default that depends on other fields, in words. */
  readonly derivedDefault: string | undefined;
  readonly allowed: string;
  /** The `train` flag, e.g. `--lr <rate>`, or undefined for config-file-only fields. */
  readonly flag: string | undefined;
  readonly resume: ResumeRule;
  readonly description: string;
}

function allowedOf(option: RunOption): string {
  // The row's schema is the bare type wrapped in `.default()` or `.optional()`.
  const inner = (option.schema._zod.def as { innerType?: Parameters<typeof fieldMeta>[0] }).innerType;
  return (inner && fieldMeta(inner)?.allowed) ?? 'see the description';
}

/** Every leaf field of the run config, in table order. */
export function configFields(): ConfigField[] {
  return optionRows().map(({ path, option }) => ({
    path,
    default: option.default !== undefined ? JSON.stringify(option.default) : undefined,
    derivedDefault: option.derivedDefault,
    allowed: allowedOf(option),
    flag: option.flag?.flags,
    resume: option.resume,
    description: option.description,
  }));
}

const RESUME_WORDS: Readonly<Record<ResumeRule, string>> = {
  fixed: 'no',
  warn: 'yes, warned',
  free: 'yes',
};

/** The config reference as a Markdown table (the one in docs/runs.md). */
export function configTable(): string {
  const cell = (s: string) => s.replaceAll('|', '\\|');
  const lines = [
    '| Field | Default | Allowed | Flag | Change on resume | Meaning |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const f of configFields()) {
    const fallback = f.default !== undefined ? `\`${f.default}\`` : (f.derivedDefault ?? '—');
    const flag = f.flag === undefined ? '—' : `\`${f.flag}\``;
    lines.push(
      `| \`${f.path}\` | ${cell(fallback)} | ${cell(f.allowed)} | ${cell(flag)} | ${RESUME_WORDS[f.resume]} | ${cell(f.description)} |`,
    );
  }
  return lines.join('\n');
}
