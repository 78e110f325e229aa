// Metrics as CSV in long format (`step,name,value`), and back: the export of `runs export --csv`.

import { GradstreamError } from '../errors.js';
import type { MetricPoint } from './metric-queries.js';

/** The header line of an export. */
export const CSV_HEADER = 'step,name,value';

/** RFC 4180 quoting, only where needed (names with commas, quotes or line breaks). */
function quote(field: string): string {
  return /[",\r\n]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field;
}

/**
 * `step,name,value` lines with a header. Values print as JavaScript's shortest round-trip form
 * (`NaN` and `Infinity` included), so parsing them with `Number` restores every bit of the double.
 */
export function metricsToCsv(points: readonly MetricPoint[]): string {
  const lines = [CSV_HEADER];
  // String(-0) is "0"; write the sign so the value parses back to the same bits.
  for (const p of points)
    lines.push(`${p.step},${quote(p.name)},${Object.is(p.value, -0) ? '-0' : String(p.value)}`);
  return `${lines.join('\n')}\n`;
}

/** Splits one CSV line into fields, honouring quotes. */
function splitLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let field = '';
      i++;
      while (i < line.length && !(line[i] === '"' && line[i + 1] !== '"')) {
        field += line[i];
        i += line[i] === '"' ? 2 : 1;
      }
      fields.push(field);
      i += 2; // closing quote and comma
    } else {
      const end = line.indexOf(',', i);
      fields.push(line.slice(i, end < 0 ? line.length : end));
      i = end < 0 ? line.length + 1 : end + 1;
    }
  }
  return fields;
}

/**
 * Parses what {@link metricsToCsv} wrote (names may not contain line breaks here).
 *
 * @throws GradstreamError `ERR_DATA_FORMAT` on a wrong header or a malformed line.
 */
export function parseMetricsCsv(text: string): MetricPoint[] {
  const lines = text.split(/\r?\n/).filter((line) => line !== '');
  if (lines[0] !== CSV_HEADER) {
    throw new GradstreamError(
      'ERR_DATA_FORMAT',
      `metrics CSV: header must be "${CSV_HEADER}", got "${lines[0]}"`,
    );
  }
  return lines.slice(1).map((line, i) => {
    const [step, name, value, extra] = splitLine(line);
    if (extra !== undefined || value === undefined || !Number.isInteger(Number(step))) {
      throw new GradstreamError(
        'ERR_DATA_FORMAT',
        `metrics CSV line ${i + 2}: expected step,name,value, got "${line}"`,
      );
    }
    return { step: Number(step), name, value: Number(value) };
  });
}
