// The records of a CSV file, streamed: the file is checked (a regular file), read in chunks through
// csv-parse, and each record comes with its 1-based line in the file; a syntax error (an unclosed
// quote, …) is an ERR_DATA_FORMAT naming the file and line. Nothing holds the whole file.

import { createReadStream, type Stats, statSync } from 'node:fs';
import { type Info, parse } from 'csv-parse';
import { GradstreamError } from '../../errors.js';
import { nonRegularKind } from '../../file-kind.js';

/** One record and where it is. */
export interface CsvRecord {
  readonly cells: readonly string[];
  /** 1-based line of the file where the record ends (its line, unless a quoted cell spans lines). */
  readonly line: number;
}

/** An ERR_DATA_FORMAT whose message starts with the file's path. */
export function csvError(path: string, problem: string, cause?: unknown): GradstreamError {
  return new GradstreamError('ERR_DATA_FORMAT', `${path}: ${problem}`, { cause: cause ?? { path } });
}

/** Refuses a path that is not a readable regular file (a FIFO would block, a device never end). */
function checkFile(path: string): void {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw csvError(path, code === 'ENOENT' ? 'file not found' : `cannot be read (${code})`, error);
  }
  const kind = nonRegularKind(stats);
  if (kind) throw csvError(path, `not a regular file (${kind})`);
}

/**
 * The records of the CSV file at `path`, in order, with their line numbers. Empty lines are skipped;
 * records may have any number of cells (the loader names a ragged row itself); a UTF-8 BOM is dropped.
 *
 * @throws GradstreamError `ERR_DATA_FORMAT` naming the file (missing, not a regular file) or the line
 *   of a syntax error.
 */
export async function* csvRecords(path: string): AsyncGenerator<CsvRecord> {
  checkFile(path);
  const parser = createReadStream(path).pipe(
    parse({ bom: true, info: true, relax_column_count: true, skip_empty_lines: true }),
  );
  try {
    for await (const item of parser as AsyncIterable<{ record: string[]; info: Info }>) {
      yield { cells: item.record, line: item.info.lines };
    }
  } catch (error) {
    if (error instanceof GradstreamError) throw error;
    const e = error as Error & { code?: string; lines?: number };
    if (typeof e.code === 'string' && e.code.startsWith('CSV_'))
      throw csvError(path, `line ${e.lines ?? '?'}: ${e.message.replace(/ on line \d+$/, '')}`, error);
    const code = (error as NodeJS.ErrnoException).code;
    throw csvError(path, `cannot be read (${code ?? e.message})`, error);
  } finally {
    parser.destroy();
  }
}
