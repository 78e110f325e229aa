// A run's metrics as CSV: one row per step, with the evaluations' accuracy and loss in their own
// columns on the steps where they were measured.

import type { RunView } from './store.js';

const SPLITS = ['train', 'validation', 'test'] as const;

/** The CSV text of `run` (header line first, `\n` line ends, empty cells for missing values). */
export function runCsv(run: RunView): string {
  const s = run.steps;
  const header = ['step', 'epoch', 'loss', 'smoothed_loss', 'lr', 'samples_per_second', 'elapsed_ms'];
  for (const split of SPLITS) header.push(`${split}_accuracy`, `${split}_loss`);
  const evals = new Map<number, Map<string, [number, number | null]>>();
  for (const e of run.evals) {
    const at = evals.get(e.step) ?? new Map();
    at.set(e.split, [e.accuracy, e.loss]);
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
    for (const split of SPLITS) row.push(cell(at?.get(split)?.[0]), cell(at?.get(split)?.[1]));
    lines.push(row.join(','));
  }
  return `${lines.join('\n')}\n`;
}
