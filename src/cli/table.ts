// Plain-text tables and value formats for the CLI's listings: padded columns, no borders or colour,
// so output reads on any terminal and greps cleanly; and the count flags' parser.

import { GradstreamError } from '../errors.js';

/** Column alignment; numbers read best right-aligned. */
export type Align = 'left' | 'right';

/**
 * Pads every column to its widest cell and joins them with two spaces. The last column is not
 * padded when left-aligned, so lines carry no trailing blanks.
 *
 * @example
 * formatTable(['ID', 'STEPS'], [['a1', '100']], ['left', 'right']);
 * // 'ID  STEPS\na1    100'
 */
export function formatTable(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  align: readonly Align[] = [],
): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => {
        if (align[c] === 'right') return cell.padStart(widths[c]);
        return c === cells.length - 1 ? cell : cell.padEnd(widths[c]);
      })
      .join('  ');
  return [line(headers), ...rows.map(line)].join('\n');
}

/** Five significant digits, integers as they are, `—` for absent values. */
export function formatNumber(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  if (Number.isInteger(value) || !Number.isFinite(value)) return String(value);
  return String(Number(value.toPrecision(5)));
}

/** Local time as `YYYY-MM-DD HH:MM:SS` (the store keeps milliseconds since the epoch). */
export function formatTime(ms: number | null): string {
  if (ms === null) return '—';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** A duration as `45s`, `12m05s` or `3h07m`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

/**
 * Parses a count flag (`--limit`): an integer ≥ 1, else a GradstreamError naming the flag and the
 * value (one line, exit 2; thrown from a commander parser it passes commander's own handling).
 */
export function positiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 1)
    throw new GradstreamError(
      'ERR_INVALID_OPTION',
      `${flag} must be an integer ≥ 1, got ${JSON.stringify(value)}`,
      {
        cause: { flag, value },
      },
    );
  return n;
}
