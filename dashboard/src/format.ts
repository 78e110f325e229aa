// Text for humans: numbers, durations, the ETA of a run.

/** A number in at most 4 significant digits, e.g. 0.001234, 12.35, 1.2e+5. */
export function formatNumber(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '–';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}

/** A duration like `1h 02m`, `3m 05s` or `12s`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  if (h > 0) return `${h}h ${pad(m)}m`;
  if (m > 0) return `${m}m ${pad(s % 60)}s`;
  return `${s % 60}s`;
}

/**
 * Milliseconds left, from the pace of the last `window` steps; undefined when it cannot be known
 * (no total, fewer than two steps, or no time passed).
 */
export function etaMs(
  totalSteps: number | null,
  steps: ArrayLike<number>,
  elapsedMs: ArrayLike<number>,
  window = 50,
): number | undefined {
  const n = steps.length;
  if (totalSteps === null || n < 2) return undefined;
  const a = Math.max(0, n - 1 - window);
  const msPerStep = (elapsedMs[n - 1] - elapsedMs[a]) / (steps[n - 1] - steps[a]);
  if (!(msPerStep > 0)) return undefined;
  return Math.max(0, totalSteps - steps[n - 1]) * msPerStep;
}

/** A run's duration with units: `850 ms`, `12s`, `3m 05s`, `1h 02m`; `–` when unknown. */
export function formatElapsed(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return '–';
  return ms < 1000 ? `${Math.round(ms)} ms` : formatDuration(ms);
}

/** `text` quoted for a POSIX shell when it holds anything but safe characters. */
export function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}
