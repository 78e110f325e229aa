// The reference for the queue's bit-identity tests: a config trained here, in this process, start to
// end, and the SHA-256 of its final parameters (the digest a worker returns as `paramsDigest`).

import { lastValueFrom } from 'rxjs';
import { buildRun } from '../../src/config/build.js';
import { loadRunDataAsync } from '../../src/config/data.js';
import { pickOptions } from '../../src/config/options.js';
import type { RunConfig } from '../../src/config/schema.js';
import { initialWeights } from '../../src/model/init-from.js';
import { captureResumeState, createTrainingSession } from '../../src/pipeline/train.js';
import { digest } from '../../src/queue/run-queued.js';

/** The final parameters' digest of `config` trained in this process, uninterrupted. */
export async function localDigest(config: RunConfig): Promise<string> {
  const data = await loadRunDataAsync(config);
  const run = buildRun(config, data.table?.shape); // a CSV table's model takes the table's shape
  let result = '';
  const session = createTrainingSession({
    ...run.plan,
    ...pickOptions('session', config),
    histogramEvery: 0, // histograms leave the parameters as they are (test/pipeline/histograms)
    train: data.train,
    validation: data.validation,
    test: data.test,
    // Fine-tuning: the exported weights the config starts from.
    initial:
      config.model.initFrom === undefined ? undefined : initialWeights(config.model.initFrom, run.model),
    safePointEvery: 1_000_000,
    onSafePoint(point, s) {
      if (point.last) result = digest(captureResumeState(s, point).params);
    },
  });
  await lastValueFrom(session.events$);
  return result;
}
