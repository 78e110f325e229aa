// One CSV cell read as the loader reads it: missing, a number, or text. Kept in one place so the
// loader, the header rule and the row encoder (predict) agree on every cell.

/** Cells that mean "no value" (compared after trimming, case-insensitive). */
export const MISSING_CELLS: readonly string[] = ['', 'na', 'n/a', 'nan', 'null', '?'];

const MISSING = new Set(MISSING_CELLS);
// Plain decimal or scientific notation only: `Number()` would also take `0x1f`, `Infinity` and `1_0`.
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Whether `cell` holds no value (empty, `NA`, `N/A`, `NaN`, `null`, `?`). */
export function isMissing(cell: string): boolean {
  return MISSING.has(cell.trim().toLowerCase());
}

/** The cell's finite number, or NaN when it is not a plain decimal number (missing cells are NaN too). */
export function parseNumber(cell: string): number {
  const text = cell.trim();
  if (!NUMBER.test(text)) return Number.NaN;
  const value = Number(text);
  return Number.isFinite(value) ? value : Number.NaN;
}

/** Whether `cell` is a number as the loader reads one. */
export function isNumberCell(cell: string): boolean {
  return !Number.isNaN(parseNumber(cell));
}

/** A cell for a message: quoted, cut at 40 characters. */
export function showCell(cell: string): string {
  return JSON.stringify(cell.length > 40 ? `${cell.slice(0, 40)}…` : cell);
}
