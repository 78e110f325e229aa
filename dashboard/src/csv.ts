// A run's metrics as CSV: one row per step, with the evaluations' accuracy and loss in their own
// columns on the steps where they were measured.

import type { RunView } from './store.js';

const SPLITS = ['train', 'validation', 'test'] as const;

/** The CSV text of `run` (header line first, `\n` line ends, empty cells for missing values). */
export function runCsv(run: RunView): string {
  const s = run.steps;
  const header = ['step', 'epoch', 'loss', 'smoothed_loss', 'lr', 'samples_per_second', 'elapsed_ms'];
  // A regression run's evaluations have RMSE and MAE in place of accuracy: columns of their own.
  const regression = run.evals.some((e) => e.rmse !== undefined && e.rmse !== null);
  for (const split of SPLITS) {
    header.push(`${split}_accuracy`, `${split}_loss`);
    if (regression) header.push(`${split}_rmse`, `${split}_mae`);
  }
  const evals = new Map<number, Map<string, (number | null | undefined)[]>>();
  for (const e of run.evals) {
    const at = evals.get(e.step) ?? new Map();
    at.set(e.split, regression ? [e.accuracy, e.loss, e.rmse, e.mae] : [e.accuracy, e.loss]);
    evals.set(e.step, at);
  }
  const cell = (v: number | null | undefined) =>
    v === null || v === undefined || Number.isNaN(v) ? '' : String(v);
  const cols = (['step', 'epoch', 'loss', 'smoothed', 'lr', 'samplesPerSecond', 'elapsedMs'] as const).map(
    (n) => s.column(n),
  );
  const lines = [header.join(',')];
  for (let i = 0; i < s.length; i++) {
    const row = cols.map((c) => cell(c[i]));
    const at = evals.get(cols[0][i]);
    for (const split of SPLITS) {
      const values = at?.get(split) ?? [];
      for (let k = 0; k < (regression ? 4 : 2); k++) row.push(cell(values[k]));
    }
    lines.push(row.join(','));
  }
  return `${lines.join('\n')}\n`;
}

/** Where a run's CSV came from: the server's run store (every step) or the page's own buffer. */
export type CsvSource = 'store' | 'page';

/** The URL of a run's CSV on the server, with the page's `?token=` when it has one. */
export function storeCsvUrl(runId: string, token: string | undefined): string {
  const query = token === undefined ? '' : `?token=${encodeURIComponent(token)}`;
  return `/runs/${encodeURIComponent(runId)}/metrics.csv${query}`;
}

/**
 * A run's CSV at full resolution from the server (`GET /runs/<id>/metrics.csv`, from the run store);
 * when the server has none (404, an older server, no store) or cannot be reached, the page's buffer,
 * which a long run holds downsampled.
 */
export async function fetchRunCsv(
  run: RunView,
  token: string | undefined,
  get: (url: string) => Promise<Response> = (url) => fetch(url),
): Promise<{ readonly text: string; readonly source: CsvSource }> {
  try {
    const response = await get(storeCsvUrl(run.runId, token));
    // An HTML answer is some page, never the CSV.
    const html = (response.headers.get('content-type') ?? '').startsWith('text/html');
    if (response.ok && !html) return { text: await response.text(), source: 'store' };
  } catch {
    // Unreachable server: the page's copy below.
  }
  return { text: runCsv(run), source: 'page' };
}
