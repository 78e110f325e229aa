// Markdown for the labs' results pages: tables, and the number formats the tables use.

/** How a column is aligned. */
export type ColumnAlign = 'left' | 'right';

/**
 * A GitHub-flavoured markdown table. Pipes inside cells are escaped.
 *
 * @example
 * markdownTable(['optimizer', 'loss'], [['SGD', '0.25']], ['left', 'right']);
 */
export function markdownTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly ColumnAlign[] = [],
): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  const line = (cells: readonly string[]) => `| ${cells.map(cell).join(' | ')} |`;
  const rule = headers.map((_, i) => (align[i] === 'right' ? '---:' : '---'));
  return [line(headers), `|${rule.join('|')}|`, ...rows.map(line)].join('\n');
}

/** A fraction as a percentage with one decimal (`0.9731` → `97.3%`); `—` when not a number. */
export function percent(value: number): string {
  return Number.isFinite(value) ? `${(100 * value).toFixed(1)}%` : '—';
}

/** A number with `digits` decimals; `—` when not finite. */
export function fixed(value: number, digits = 3): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '—';
}

/** A number in short scientific notation (`0.00123` → `1.23e-3`); `—` when not finite. */
export function sci(value: number, digits = 2): string {
  return Number.isFinite(value) ? value.toExponential(digits).replace('e+', 'e') : '—';
}

/** Seconds from milliseconds, one decimal. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** The book's names of the optimizers. */
export const OPTIMIZER_LABELS: Readonly<Record<string, string>> = {
  sgd: 'SGD',
  momentum: 'Momentum',
  nesterov: 'Nesterov',
  adagrad: 'AdaGrad',
  rmsprop: 'RMSprop',
  adam: 'Adam',
  adamw: 'AdamW',
};

/** The display name of an optimizer (its book name when it has one). */
export function optimizerLabel(name: string): string {
  return OPTIMIZER_LABELS[name] ?? name;
}
