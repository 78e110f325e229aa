// `train --queue URL`: the run is trained by a `gradstream worker` and followed from here, as a
// local run is — the same progress lines or --json events, the same exit codes, recorded in the
// local run store (so a standing dashboard on that store shows it and steers it: store → this
// process → Redis → the worker). Ctrl-C stops the remote run; a second one exits at once.

import { Redis } from 'ioredis';
import { lastValueFrom, Subject, takeUntil, tap } from 'rxjs';
import type { RunConfig } from '../config/schema.js';
import { createController } from '../pipeline/controller.js';
import { parseQueueUrl, type QueueAddress } from '../queue/queue-url.js';
import { submitRun } from '../queue/submit.js';
import { followControls } from '../store/follow-controls.js';
import { recordRun } from '../store/recorder.js';
import { newRunId } from '../store/run-record.js';
import { RunStore } from '../store/run-store.js';
import type { TrainEvent } from '../train/events.js';
import { createProgress } from './progress.js';
import { type JobOutput, type JobResult, report } from './run-job.js';

/** A run to submit: a config validated here (its data paths are the worker's), and the queue's URL. */
export interface SubmitJob {
  readonly config: RunConfig;
  /** The queue's Redis URL: kept in memory only, never printed unmasked nor stored. */
  readonly queue: string;
  readonly output: Pick<JobOutput, 'json'>;
}

/**
 * Submits the run and follows it to its end. Rejects with `ERR_QUEUE` when the run failed on its
 * worker (the store marks it failed). The store is opened and checked before anything is submitted.
 */
export async function submitJob(job: SubmitJob): Promise<JobResult> {
  const { config } = job;
  const address = parseQueueUrl(job.queue, '--queue');
  const store = RunStore.open({ dir: config.store.dir });
  const controller = createController();
  let testAccuracy: number | undefined;
  let reason: JobResult['reason'] = 'completed';
  // Stopped before a worker took the run: nothing here to wait for (the stop request waits in Redis
  // and ends the run as soon as a worker takes it).
  const abandon = new Subject<void>();
  let started = false;
  let submitted = false;
  const stopOnSignal = installSignals((signal) => {
    if (!submitted) {
      log(`gradstream: ${signal}: nothing submitted`);
      process.exit(130);
    }
    log(`gradstream: ${signal}: stopping the run on its worker (again to force exit)`);
    controller.stop();
    if (!started) {
      reason = 'stopped';
      abandon.next();
    }
  });
  let stopControls = () => {};
  const progress = job.output.json ? undefined : createProgress(process.stderr);
  const runId = newRunId();
  try {
    store.check();
    await reachable(address);
    store.createRun({ id: runId, ...(config.name ? { name: config.name } : {}), config });
    // Steering from a standing dashboard comes through the store, then goes on through Redis.
    stopControls = followControls(store, runId, controller, { log });
    const standing = config.dashboard.enabled ? store.standingDashboards()[0]?.url : undefined;
    log(
      `gradstream: run ${runId}: submitted to ${address.shown}; waiting for a worker (its data paths are the worker's)` +
        (standing ? `; on the standing dashboard at ${standing}` : ''),
    );
    let schedule = { totalSteps: 0, stepsPerEpoch: 1 };
    submitted = true;
    await lastValueFrom(
      submitRun(config, { queue: job.queue, runId, controller }).pipe(
        takeUntil(abandon),
        recordRun(store, runId),
        tap((e: TrainEvent) => {
          if (e.type === 'start') {
            started = true;
            schedule = e;
            log(`gradstream: run ${runId}: started on a worker, ${e.totalSteps} steps`);
          }
          if (job.output.json) process.stdout.write(`${JSON.stringify(e)}\n`);
          else report(e, progress!, schedule, config.batchSize);
          if (e.type === 'eval' && e.split === 'test') testAccuracy = e.accuracy;
          if (e.type === 'end') reason = e.reason;
        }),
      ),
      { defaultValue: undefined },
    );
  } finally {
    progress?.stop();
    stopOnSignal();
    stopControls();
    store.close();
  }
  return { runId, reason, testAccuracy };
}

const log = (line: string) => process.stderr.write(`${line}\n`);

/**
 * Resolves once the queue's Redis answers. While it does not, says so once (URL masked) and
 * retries with the connection's backoff, until it does or Ctrl-C.
 */
async function reachable(address: QueueAddress): Promise<void> {
  const redis = new Redis({ ...address.connection, lazyConnect: true });
  let said = '';
  redis.on('error', (error: Error) => {
    const problem = error.message.split('\n')[0] ?? '';
    if (problem !== said) log(`gradstream: queue ${address.shown}: ${problem}; retrying (Ctrl-C to give up)`);
    said = problem;
  });
  try {
    await redis.ping();
  } finally {
    redis.disconnect();
  }
}

/** First Ctrl-C (or SIGTERM): `first` (the remote run is stopped). Second: exit at once. */
function installSignals(first: (signal: NodeJS.Signals) => void): () => void {
  let count = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    count++;
    if (count === 1) first(signal);
    else {
      log('gradstream: forced exit');
      process.exit(130);
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
