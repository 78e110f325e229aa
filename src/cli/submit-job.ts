// `train --queue URL`: the run is trained by a `gradstream worker` and followed from here, as a
// local run is — the same progress lines or --json events, the same exit codes, recorded in the
// local run store (so a standing dashboard on that store shows it and steers it: store → this
// process → Redis → the worker), shown on a page of its own when no standing dashboard runs.
// Ctrl-C stops the remote run; a second one exits at once.

import { Redis } from 'ioredis';
import { filter, lastValueFrom, Subject, takeUntil, tap } from 'rxjs';
import type { RunConfig } from '../config/schema.js';
import { createController } from '../pipeline/controller.js';
import { parseQueueUrl, type QueueAddress } from '../queue/queue-url.js';
import { submitRun } from '../queue/submit.js';
import type { DashboardServer } from '../server/dashboard-server.js';
import { followControls } from '../store/follow-controls.js';
import { recordRun } from '../store/recorder.js';
import { newRunId } from '../store/run-record.js';
import { RunStore } from '../store/run-store.js';
import type { TrainEvent } from '../train/events.js';
import { keepPageFor, shouldKeepPage } from './keep-page.js';
import { createProgress } from './progress.js';
import { installSignals, type JobOutput, type JobResult, jobOutcome, report, runPage } from './run-job.js';

/** A run to submit: a config validated here (its data paths are the worker's), and the queue's URL. */
export interface SubmitJob {
  readonly config: RunConfig;
  /** The queue's Redis URL: kept in memory only, never printed unmasked nor stored. */
  readonly queue: string;
  readonly output: JobOutput;
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
  const outcome = jobOutcome();
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
      outcome.stopped(); // no end event will come: no worker took the run
      abandon.next();
    }
  }, log);
  let stopControls = () => {};
  const progress = job.output.json ? undefined : createProgress(process.stderr);
  const runId = newRunId();
  let dashboard: DashboardServer | undefined;
  const events = new Subject<TrainEvent>();
  try {
    store.check();
    // A standing dashboard (`gradstream dashboard`) on this store shows the run; else it gets its own.
    const page = await runPage(config, store);
    const standing = page.standing;
    dashboard = page.dashboard;
    await reachable(address);
    store.createRun({ id: runId, ...(config.name ? { name: config.name } : {}), config });
    dashboard?.attachRun(runId, events, controller);
    // Steering from a standing dashboard comes through the store, then goes on through Redis.
    stopControls = followControls(store, runId, controller, { log });
    log(
      `gradstream: run ${runId}: submitted to ${address.shown}; waiting for a worker (its data paths are the worker's)`,
    );
    if (dashboard) log(`gradstream: dashboard at ${dashboard.url}`);
    if (standing) log(`gradstream: run ${runId} is on the standing dashboard at ${standing}`);
    let schedule = { totalSteps: 0, stepsPerEpoch: 1 };
    submitted = true;
    await lastValueFrom(
      submitRun(config, { queue: job.queue, runId, controller }).pipe(
        // A worker that takes the run over (the first died or drained) starts it again from its
        // checkpoint: said here, but one run has one start, in the store and on --json as locally.
        filter((e) => {
          if (e.type !== 'start' || !started) return true;
          log(`gradstream: run ${runId}: taken over by another worker, from its newest checkpoint`);
          return false;
        }),
        recordRun(store, runId),
        // After the recorder: an abandoned run is recorded as stopped, not completed.
        takeUntil(abandon),
        tap((e: TrainEvent) => {
          // The page compares runs by the config given here, not the worker's copy.
          events.next(e.type === 'start' ? { ...e, config } : e);
          if (e.type === 'start') {
            started = true;
            schedule = e;
            log(`gradstream: run ${runId}: started on a worker, ${e.totalSteps} steps`);
          }
          if (job.output.json) process.stdout.write(`${JSON.stringify(e)}\n`);
          else report(e, progress!, schedule, config.batchSize);
          outcome.see(e);
        }),
      ),
      { defaultValue: undefined },
    );
  } catch (error) {
    // The page may stay for the error's line (see keep-page.ts: `pageAfterOutcomeLine`).
    throw await keepPageFor(error, dashboard, shouldKeepPage(job.output.wait), log);
  } finally {
    progress?.stop();
    stopOnSignal();
    stopControls();
    events.complete();
    store.close();
  }
  return keepPageFor(outcome.result(runId), dashboard, shouldKeepPage(job.output.wait), log);
}

const log = (line: string) => process.stderr.write(`${line}\n`);

/**
 * Resolves once the queue's Redis answers. While it does not, says so once (URL masked) and
 * retries with the connection's backoff, until it does or Ctrl-C.
 */
export async function reachable(address: QueueAddress): Promise<void> {
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
