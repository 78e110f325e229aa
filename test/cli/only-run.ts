// The one run a CLI test's fresh store holds (asserting there is exactly one), read by the library.

import { expect } from 'vitest';
import type { RunRecord } from '../../src/store/run-record.js';
import { RunStore } from '../../src/store/run-store.js';

/** The store's only run; fails the test when it holds none or several. */
export function onlyRun(store: string): RunRecord {
  const s = RunStore.open({ dir: store });
  try {
    const runs = s.listRuns();
    expect(runs).toHaveLength(1);
    return runs[0];
  } finally {
    s.close();
  }
}
