// The page that stays: when a command started its own dashboard and someone may be watching it, the
// page outlives the run — completed, stopped, interrupted by Ctrl-C or failed — until the next
// Ctrl-C, so the curves can still be read. Shared by `train`, `resume` and `lab`.

/** The part of a dashboard server the waiting needs. */
export interface KeptPage {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Whether to keep the page after the run: `--wait` (true) or `--no-wait` (false) when given, else
 * whether stdin is a terminal — a person at a terminal may be looking at the page; a script is not.
 */
export function shouldKeepPage(
  wait: boolean | undefined,
  stdin: { readonly isTTY?: boolean } = process.stdin,
): boolean {
  return wait ?? stdin.isTTY === true;
}

/**
 * Ends the page after the run: kept until SIGINT (or SIGTERM) when `keep`, having said so on one
 * line, then closed. Call it once the run's own signal handlers are gone, so the signal that ends
 * the wait is not also taken as "stop the run".
 */
export async function endPage(
  page: KeptPage | undefined,
  keep: boolean,
  log: (line: string) => void,
): Promise<void> {
  if (!page) return;
  if (keep) {
    log(`gradstream: the dashboard stays at ${page.url} — Ctrl-C to exit`);
    await nextSignal();
  }
  await page.close();
}

// Pages left up for an outcome (a job's result or error) whose line is not printed yet.
const pending = new WeakMap<object, () => Promise<void>>();

/**
 * Hands a run's page over to its outcome — the job's result, or the error it fails with: closed
 * now, or, when `keep`, left up until {@link pageAfterOutcomeLine} is called once the outcome's one
 * line is printed. So the line (`run … completed; test accuracy …`, or the error) comes first, then
 * the wait, then the exit code. Returns `outcome`.
 */
export async function keepPageFor<T>(
  outcome: T,
  page: KeptPage | undefined,
  keep: boolean,
  log: (line: string) => void,
): Promise<T> {
  if (page && keep && typeof outcome === 'object' && outcome !== null) {
    pending.set(outcome, () => endPage(page, true, log));
  } else {
    await page?.close();
  }
  return outcome;
}

/**
 * Called once `outcome`'s line is printed: keeps the page {@link keepPageFor} left up until Ctrl-C,
 * then closes it; resolves at once when there is none.
 */
export async function pageAfterOutcomeLine(outcome: unknown): Promise<void> {
  if (typeof outcome !== 'object' || outcome === null) return;
  const wait = pending.get(outcome);
  pending.delete(outcome);
  await wait?.();
}

/** Resolves on the next SIGINT or SIGTERM; while it waits, neither ends the process by default. */
function nextSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}
