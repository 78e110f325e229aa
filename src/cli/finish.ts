// How a finished job ends the process: one line on stderr, and the exit code (shared by `train` and
// `resume`).

import { significant } from './eval-text.js';
import type { JobResult } from './run-job.js';

/** Prints the outcome and sets the exit code: 0 when completed, 130 when stopped by a signal. */
export function finish(result: JobResult): void {
  const accuracy =
    result.testRmse !== undefined
      ? `; test RMSE ${significant(result.testRmse)}`
      : result.testAccuracy === undefined
        ? ''
        : `; test accuracy ${(100 * result.testAccuracy).toFixed(2)}%`;
  process.stderr.write(`gradstream: run ${result.runId} ${result.reason}${accuracy}\n`);
  if (result.reason === 'stopped') process.exitCode = 130;
}
