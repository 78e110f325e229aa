// A run's metrics as CSV straight from the store, for the dashboard server's
// `/runs/<id>/metrics.csv`: full resolution, whatever the page holds.

import { RunStore } from './run-store.js';

/**
 * A reader of runs' CSV from the store in `dir` (a fresh read-only handle per call, so it works
 * beside writers and on a read-only store); undefined for a run the store does not hold.
 */
export function storedMetricsCsv(dir: string): (runId: string) => string | undefined {
  return (runId) => {
    const store = RunStore.open({ dir, readonly: true });
    try {
      return store.getRun(runId) ? store.exportCsv(runId) : undefined;
    } finally {
      store.close();
    }
  };
}
