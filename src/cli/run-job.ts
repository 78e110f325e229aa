// Runs one training job from a valid config: data, run store, pipeline, checkpoints, dashboard,
// progress on the terminal (or JSON lines), and Ctrl-C handling. Shared by `train` and `resume`.

import { concat, from, identity, lastValueFrom, map, type OperatorFunction, Subject, tap } from 'rxjs';
import { buildRun } from '../config/build.js';
import { checkResumedPreprocessing, loadRunDataAsync, type RunData } from '../config/data.js';
import { pickOptions } from '../config/options.js';
import type { RunConfig } from '../config/schema.js';
import type { Preprocessing } from '../data/preprocessing.js';
import { GradstreamError } from '../errors.js';
import { initialWeights } from '../model/init-from.js';
import type { FlatWeights } from '../model/state-dict.js';
import type { BatchSchedule } from '../pipeline/batch-source.js';
import { createController } from '../pipeline/controller.js';
import { createTrainingSession, type ResumeState } from '../pipeline/train.js';
import { type DashboardServer, startDashboardServer } from '../server/dashboard-server.js';
import { followControls } from '../store/follow-controls.js';
import { type RunRecorder, recordRun } from '../store/recorder.js';
import { type RunRecord, unknownRun } from '../store/run-record.js';
import { checkResumable, RunStore } from '../store/run-store.js';
import { storedMetricsCsv } from '../store/stored-csv.js';
import { storedRunEvents } from '../store/stored-events.js';
import type { TrainEvent } from '../train/events.js';
import { checkpointPolicy, failureCheckpoint } from './checkpoint-policy.js';
import { evalMetricsText } from './eval-text.js';
import { keepPageFor, shouldKeepPage } from './keep-page.js';
import { controlLine, createProgress, type ProgressReporter } from './progress.js';

/** How the job reports. */
export interface JobOutput {
  /** JSON lines of every event on stdout instead of the human display. */
  readonly json: boolean;
  /** Keep a dashboard this job started up after the run until Ctrl-C (default: when stdin is a TTY). */
  readonly wait?: boolean;
}

/** A job to run: a fresh run, or a stored run resumed from a checkpoint. */
export interface Job {
  readonly config: RunConfig;
  readonly output: JobOutput;
  /** Continue this stored run from this state (resume). */
  readonly resume?: {
    readonly runId: string;
    readonly state: ResumeState;
    /** The checkpoint's preprocessing, which the data refitted now must give again; and where it came from. */
    readonly preprocessing?: Preprocessing;
    readonly source?: string;
  };
}

/** What the job ended with; the CLI turns it into an exit code. */
export interface JobResult {
  readonly runId: string;
  readonly reason: 'completed' | 'stopped';
  readonly testAccuracy: number | undefined;
  /** A regression run's last test RMSE (its accuracy is NaN). */
  readonly testRmse?: number;
}

/**
 * Why a dashboard server could not listen, as one line naming the host and port (exit 2): a port
 * in use suggests `--port 0`. Other errors pass unchanged.
 */
export function listenError(error: unknown, host: string, port: number): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const where = `dashboard port ${port} on ${host}`;
  if (code === 'EADDRINUSE')
    return new GradstreamError(
      'ERR_INVALID_OPTION',
      `${where} is already in use; pass --port 0 for any free port (or --no-dashboard)`,
      { cause: { host, port } },
    );
  if (code === 'EACCES')
    return new GradstreamError(
      'ERR_INVALID_OPTION',
      `${where} may not be opened by this user; pass --port 0 for any free port`,
      {
        cause: { host, port },
      },
    );
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
    return new GradstreamError(
      'ERR_INVALID_OPTION',
      `dashboard host ${host} is not an address of this machine`,
      {
        cause: { host, port },
      },
    );
  return error;
}

/**
 * Runs the job to its end. Rejects with the run's error (the store marks the run failed). Before
 * any work the store is opened for writing (a read-only or damaged store is refused), a resumed
 * run is checked (not completed, not trained by a live process) and the dashboard's port taken;
 * only then is data loaded and the run row written, so a refused job leaves nothing behind. A
 * dashboard it started may stay up after the run (`output.wait`): the caller prints the result's or
 * the error's line, then awaits `pageAfterOutcomeLine` (keep-page.ts) with it.
 */
export async function runJob(job: Job): Promise<JobResult> {
  const { config } = job;
  const store = RunStore.open({ dir: config.store.dir });
  let run: ReturnType<typeof buildRun>;
  let dashboard: DashboardServer | undefined;
  let standing: string | undefined;
  let data: RunData;
  let record: RunRecord;
  let resumed: ReturnType<typeof resumedHistory> | undefined;
  let initial: FlatWeights | undefined;
  try {
    store.check();
    if (job.resume) {
      const stored = store.getRun(job.resume.runId);
      if (!stored) throw unknownRun(job.resume.runId, store.file);
      checkResumable(stored, store.file);
    }
    ({ standing, dashboard } = await runPage(config, store));
    data = await loadRunDataAsync(config);
    if (job.resume)
      checkResumedPreprocessing(job.resume.preprocessing, data, job.resume.source ?? '(resumed)');
    // A CSV table's model takes the table's encoded features and classes.
    run = buildRun(config, data.table?.shape);
    // Fine-tuning: the exported weights, checked against the run's model before its row is written.
    if (config.model.initFrom !== undefined && !job.resume)
      initial = initialWeights(config.model.initFrom, run.model);
    // Taken last, with the checks again in its transaction (another resume may have won meanwhile).
    record = job.resume ? store.claimRun(job.resume.runId) : store.createRun({ name: config.name, config });
    if (job.resume) {
      store.truncateMetrics(record.id, job.resume.state.step);
      resumed = resumedHistory(store, record, job.resume.state.step);
    }
  } catch (error) {
    await dashboard?.close();
    store.close();
    throw error;
  }
  const controller = createController();
  const metricsThrough = flushAtCheckpoints(log);
  // A failing run checkpoints its last good state, and its error says how to resume.
  const failure = failureCheckpoint({
    config,
    model: run.model,
    preprocessing: data.table?.preprocessing,
    runId: record.id,
    storeDir: config.store.dir,
  });
  const session = createTrainingSession({
    ...run.plan,
    ...pickOptions('session', config),
    // Histograms are for the dashboard's eyes: without one they would only cost time.
    histogramEvery: config.dashboard.enabled ? config.histogramEvery : 0,
    train: data.train,
    validation: data.validation,
    test: data.test,
    controller,
    runId: record.id,
    resume: job.resume?.state,
    initial,
    safePointEvery: config.checkpoint.everySteps,
    onSafePoint: checkpointPolicy({
      config,
      model: run.model,
      preprocessing: data.table?.preprocessing,
      runId: record.id,
      storeDir: config.store.dir,
      onSaved: (_path, step) => metricsThrough.checkpointed(step),
    }),
    onFailure: failure.onFailure,
  });
  const events = new Subject<TrainEvent>();
  // A resumed run's page shows its stored history first: one curve from step 1.
  dashboard?.attachRun(record.id, concat(from(resumed?.events ?? []), events), controller);
  // Steering from a standing dashboard comes through the store.
  const stopControls = followControls(store, record.id, controller, { log });
  log(
    `gradstream: run ${record.id}: MLP ${run.model.sizes.join('-')}, ${config.optimizer.name} lr ${config.optimizer.lr}, ` +
      `batch ${config.batchSize}, ${session.schedule.totalSteps} steps on ${config.workers} worker(s); ` +
      `${data.train.n} train / ${data.validation?.n ?? 0} validation / ${data.test?.n ?? 0} test samples` +
      (job.resume ? `; resuming after step ${job.resume.state.step}` : '') +
      (initial ? `; starting from the weights of ${config.model.initFrom}` : ''),
  );
  for (const note of data.table?.notes ?? []) log(`gradstream: ${note}`);
  if (dashboard) log(`gradstream: dashboard at ${dashboard.url}`);
  if (standing) log(`gradstream: run ${record.id} is on the standing dashboard at ${standing}`);
  const progress = job.output.json ? undefined : createProgress(process.stderr);
  const stopOnSignal = installSignals((signal) => {
    log(
      `gradstream: ${signal}: stopping after the current step and writing a checkpoint (again to force exit)`,
    );
    controller.stop();
  }, log);
  const outcome = jobOutcome();
  try {
    await lastValueFrom(
      session.events$.pipe(
        // Elapsed time goes on across resumes (the session counts from its own start).
        resumed ? offsetElapsed(resumed.elapsedMs) : identity,
        recordRun(store, record.id, { onRecorder: (recorder) => metricsThrough.use(recorder) }),
        tap((e) => {
          metricsThrough.recorded(e);
          // The page compares runs by their resolved config, not the pipeline's plan.
          events.next(e.type === 'start' ? { ...e, config } : e);
          if (job.output.json) process.stdout.write(`${JSON.stringify(e)}\n`);
          else report(e, progress!, session.schedule, config.batchSize);
          outcome.see(e);
        }),
      ),
    );
  } catch (error) {
    // The page may stay for the error's line (see keep-page.ts: `pageAfterOutcomeLine`).
    throw await keepPageFor(failure.explain(error), dashboard, shouldKeepPage(job.output.wait), log);
  } finally {
    progress?.stop();
    stopOnSignal();
    stopControls();
    events.complete();
    store.close();
  }
  // The page may stay for the result's line (see keep-page.ts: `pageAfterOutcomeLine`).
  const result = outcome.result(record.id);
  return keepPageFor(result, dashboard, shouldKeepPage(job.output.wait), log);
}

const log = (line: string) => process.stderr.write(`${line}\n`);

/** What a job's events say of its outcome: why it ended and its last test evaluation. Shared by local and queued jobs. */
export function jobOutcome(): {
  see(e: TrainEvent): void;
  /** Ends it as stopped without an end event (a queued run stopped before a worker took it). */
  stopped(): void;
  result(runId: string): JobResult;
} {
  let reason: JobResult['reason'] = 'completed';
  let test: { accuracy: number; rmse?: number } | undefined;
  return {
    see(e) {
      if (e.type === 'eval' && e.split === 'test') test = e;
      if (e.type === 'end') reason = e.reason;
    },
    stopped() {
      reason = 'stopped';
    },
    result: (runId) => ({ runId, reason, testAccuracy: test?.accuracy, testRmse: test?.rmse }),
  };
}

/**
 * Where a run is shown: a standing dashboard (`gradstream dashboard`) on its store when one serves it
 * (`standing`: its URL), else a page of its own (`dashboard`, listening), else none (`--no-dashboard`).
 * A taken port is one line naming it (`listenError`).
 */
export async function runPage(
  config: RunConfig,
  store: RunStore,
): Promise<{ standing: string | undefined; dashboard: DashboardServer | undefined }> {
  if (!config.dashboard.enabled) return { standing: undefined, dashboard: undefined };
  const standing = store.standingDashboards()[0]?.url;
  if (standing) return { standing, dashboard: undefined };
  const { host, port } = config.dashboard;
  const metricsCsv = storedMetricsCsv(config.store.dir);
  const dashboard = await startDashboardServer({ host, port, control: true, metricsCsv, log }).catch(
    (error: unknown) => {
      throw listenError(error, host, port);
    },
  );
  return { standing: undefined, dashboard };
}

/**
 * What a resumed run has done before its checkpoint at `step`: its stored events (for its own page)
 * and the time it trained (its `elapsedMs` at that step), which the resumed session adds to its own.
 */
function resumedHistory(store: RunStore, record: RunRecord, step: number) {
  const events = storedRunEvents(store, record).filter((e) => e.type !== 'end');
  let elapsedMs = 0;
  for (const e of events) if (e.type === 'step' && e.step <= step) elapsedMs = e.elapsedMs;
  return { events, elapsedMs };
}

/** Adds `ms` to every event's `elapsedMs` (a resumed run's time before this process). */
function offsetElapsed(ms: number): OperatorFunction<TrainEvent, TrainEvent> {
  return map((e) => ('elapsedMs' in e ? { ...e, elapsedMs: e.elapsedMs + ms } : e));
}

/**
 * Keeps the stored metrics up with the checkpoints: when a checkpoint of step N is written, the
 * recorder's pending points are written, and again once step N's own events are recorded. A run
 * killed after that (SIGKILL, no handler) then has every metric point up to its newest checkpoint,
 * and `resume` records the steps after it again: the metrics match an uninterrupted run's.
 */
function flushAtCheckpoints(log: (line: string) => void) {
  let recorder: RunRecorder | undefined;
  let through = -1;
  const flush = () => {
    try {
      recorder?.flush();
    } catch (error) {
      log(`gradstream: run store write failed: ${(error as Error).message}`);
    }
  };
  return {
    use: (r: RunRecorder) => {
      recorder = r;
    },
    checkpointed: (step: number) => {
      through = step;
      flush();
    },
    recorded: (e: TrainEvent) => {
      // The step's other events (evaluations, epoch) follow it synchronously: flush after them.
      if (e.type === 'step' && e.step === through) queueMicrotask(flush);
    },
  };
}

/** Human display of one event (shared with `train --queue`, which reads the schedule from the start event). */
export function report(
  e: TrainEvent,
  progress: ProgressReporter,
  schedule: Pick<BatchSchedule, 'totalSteps' | 'stepsPerEpoch'>,
  batchSize: number,
): void {
  if (e.type === 'step') {
    progress.update({
      step: e.step,
      totalSteps: schedule.totalSteps,
      epoch: e.epoch,
      epochs: Math.ceil(schedule.totalSteps / schedule.stepsPerEpoch),
      loss: e.loss,
      samplesPerSecond: e.samplesPerSecond,
      stepsPerSecond: e.samplesPerSecond / batchSize,
    });
  } else if (e.type === 'eval') {
    progress.log(`step ${e.step}: ${e.split} loss ${e.loss.toFixed(4)}, ${evalMetricsText(e)}`);
  } else if (e.type === 'epoch') {
    progress.log(`epoch ${e.epoch + 1} done at step ${e.step}: mean train loss ${e.meanLoss.toFixed(4)}`);
  } else if (e.type === 'paused' || e.type === 'resumed' || e.type === 'lr') {
    progress.log(controlLine(e));
  } else if (e.type === 'end') {
    progress.log(
      `${e.reason} after step ${e.step} in ${(e.elapsedMs / 1000).toFixed(1)} s${e.skippedSteps ? ` (${e.skippedSteps} skipped)` : ''}`,
    );
  }
}

/**
 * First Ctrl-C (or SIGTERM): `first(signal)` (stop the run). Second: exit at once (130). Returns the
 * function that removes the handlers. Shared by local and queued jobs.
 */
export function installSignals(
  first: (signal: NodeJS.Signals) => void,
  log: (line: string) => void,
): () => void {
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
