// Whether a table's first row is its header, the column names, and the columns the options name.

import { isMissing, isNumberCell } from './cells.js';
import type { ColumnRef } from './options.js';
import { csvError } from './records.js';

/**
 * The header rule (`header: 'auto'`): the first row is a header when it holds the name of a column
 * the options name (`label`, `features`, a preprocessing's columns), or when one of its cells is
 * text where the cell below it (second row) is a number. Otherwise the first row is data.
 */
export function looksLikeHeader(
  first: readonly string[],
  second: readonly string[] | undefined,
  named: readonly string[],
): boolean {
  const cells = new Set(first.map((c) => c.trim()));
  if (named.some((name) => cells.has(name))) return true;
  if (!second) return false;
  return first.some((cell, i) => {
    const below = second[i];
    return !isNumberCell(cell) && !isMissing(cell) && below !== undefined && isNumberCell(below);
  });
}

/** The column names: the header's cells, or `column 1`, `column 2`, … without a header. */
export function columnNames(path: string, first: readonly string[], header: boolean): string[] {
  if (!header) return first.map((_, i) => `column ${i + 1}`);
  const names = first.map((c) => c.trim());
  const seen = new Map<string, number>();
  names.forEach((name, i) => {
    if (name === '') throw csvError(path, `row 1 (the header): column ${i + 1} has no name`);
    const before = seen.get(name);
    if (before !== undefined)
      throw csvError(
        path,
        `row 1 (the header): columns ${before + 1} and ${i + 1} are both named ${JSON.stringify(name)}`,
      );
    seen.set(name, i);
  });
  return names;
}

/** What a list of names reads as in a message (at most 20 shown). */
export function listNames(names: readonly string[]): string {
  const shown = names.slice(0, 20).map((n) => JSON.stringify(n));
  return names.length > 20 ? `${shown.join(', ')}, … (${names.length} in all)` : shown.join(', ');
}

/**
 * The 0-based index of the column `ref` names: a header name, or a 1-based position (a number, or a
 * string of digits no column is named). `option` names the option in the message.
 */
export function resolveColumn(
  path: string,
  names: readonly string[],
  ref: ColumnRef,
  option: string,
  header: boolean,
): number {
  if (typeof ref === 'string') {
    const at = names.indexOf(ref);
    if (at >= 0) return at;
  }
  const position = typeof ref === 'number' ? ref : /^\d+$/.test(ref) ? Number(ref) : undefined;
  if (position !== undefined && position >= 1 && position <= names.length) return position - 1;
  const why = header ? '' : ' (no header: the first row is data; set header: true if it is one)';
  throw csvError(
    path,
    `${option}: no column ${JSON.stringify(ref)}; the columns are ${listNames(names)}${why}`,
    { path, option, ref },
  );
}
