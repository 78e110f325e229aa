// Runs one training job from a valid config: data, run store, pipeline, checkpoints, dashboard,
// progress on the terminal (or JSON lines), and Ctrl-C handling. Shared by `train` and `resume`.

import { lastValueFrom, Subject, tap } from 'rxjs';
import { buildRun } from '../config/build.js';
import { loadRunData } from '../config/data.js';
import { pickOptions } from '../config/options.js';
import type { RunConfig } from '../config/schema.js';
import type { BatchSchedule } from '../pipeline/batch-source.js';
import { createController } from '../pipeline/controller.js';
import { createTrainingSession, type ResumeState } from '../pipeline/train.js';
import { startDashboardServer } from '../server/dashboard-server.js';
import { recordRun } from '../store/recorder.js';
import { RunStore } from '../store/run-store.js';
import type { TrainEvent } from '../train/events.js';
import { checkpointPolicy } from './checkpoint-policy.js';
import { createProgress, type ProgressReporter } from './progress.js';

/** How the job reports. */
export interface JobOutput {
  /** JSON lines of every event on stdout instead of the human display. */
  readonly json: boolean;
}

/** A job to run: a fresh run, or a stored run resumed from a checkpoint. */
export interface Job {
  readonly config: RunConfig;
  readonly output: JobOutput;
  /** Continue this stored run from this state (resume). */
  readonly resume?: { readonly runId: string; readonly state: ResumeState };
}

/** What the job ended with; the CLI turns it into an exit code. */
export interface JobResult {
  readonly runId: string;
  readonly reason: 'completed' | 'stopped';
  readonly testAccuracy: number | undefined;
}

/** Runs the job to its end. Rejects with the run's error (the store marks the run failed). */
export async function runJob(job: Job): Promise<JobResult> {
  const { config } = job;
  const run = buildRun(config);
  const data = loadRunData(config);
  const store = RunStore.open({ dir: config.store.dir });
  const record = job.resume
    ? store.getRun(job.resume.runId)!
    : store.createRun({ name: config.name, config });
  if (job.resume) {
    store.truncateMetrics(record.id, job.resume.state.step);
    store.updateRun(record.id, { status: 'running' });
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const controller = createController();
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
    safePointEvery: config.checkpoint.everySteps,
    onSafePoint: checkpointPolicy({ config, model: run.model, runId: record.id, storeDir: config.store.dir }),
  });
  const events = new Subject<TrainEvent>();
  const dashboard = config.dashboard.enabled
    ? await startDashboardServer({
        host: config.dashboard.host,
        port: config.dashboard.port,
        control: true,
        log,
      })
    : undefined;
  dashboard?.attachRun(record.id, events.asObservable(), controller);
  log(
    `gradstream: run ${record.id}: MLP ${run.model.sizes.join('-')}, ${config.optimizer.name} lr ${config.optimizer.lr}, ` +
      `batch ${config.batchSize}, ${session.schedule.totalSteps} steps on ${config.workers} worker(s); ` +
      `${data.train.n} train / ${data.validation?.n ?? 0} validation / ${data.test?.n ?? 0} test samples` +
      (job.resume ? `; resuming after step ${job.resume.state.step}` : ''),
  );
  if (dashboard) log(`gradstream: dashboard at ${dashboard.url}`);
  const progress = job.output.json ? undefined : createProgress(process.stderr);
  const stopOnSignal = installSignals(controller.stop, log);
  let testAccuracy: number | undefined;
  let reason: JobResult['reason'] = 'completed';
  try {
    await lastValueFrom(
      session.events$.pipe(
        recordRun(store, record.id),
        tap((e) => {
          events.next(e);
          if (job.output.json) process.stdout.write(`${JSON.stringify(e)}\n`);
          else report(e, progress!, session.schedule, config.batchSize);
          if (e.type === 'eval' && e.split === 'test') testAccuracy = e.accuracy;
          if (e.type === 'end') reason = e.reason;
        }),
      ),
    );
  } catch (error) {
    await dashboard?.close();
    throw error;
  } finally {
    progress?.stop();
    stopOnSignal();
    events.complete();
    store.close();
  }
  if (dashboard && process.stdin.isTTY && reason === 'completed') {
    // Someone is watching: keep the page up until they are done with it.
    log(`gradstream: the dashboard stays at ${dashboard.url} — Ctrl-C to exit`);
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  }
  await dashboard?.close();
  return { runId: record.id, reason, testAccuracy };
}

/** Human display of one event. */
function report(e: TrainEvent, progress: ProgressReporter, schedule: BatchSchedule, batchSize: number): void {
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
    progress.log(
      `step ${e.step}: ${e.split} loss ${e.loss.toFixed(4)}, accuracy ${(100 * e.accuracy).toFixed(2)}%`,
    );
  } else if (e.type === 'epoch') {
    progress.log(`epoch ${e.epoch + 1} done at step ${e.step}: mean train loss ${e.meanLoss.toFixed(4)}`);
  } else if (e.type === 'end') {
    progress.log(
      `${e.reason} after step ${e.step} in ${(e.elapsedMs / 1000).toFixed(1)} s${e.skippedSteps ? ` (${e.skippedSteps} skipped)` : ''}`,
    );
  }
}

/** First Ctrl-C (or SIGTERM): stop after the step in flight, checkpointing. Second: exit at once. */
function installSignals(stop: () => void, log: (line: string) => void): () => void {
  let count = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      log(
        `gradstream: ${signal}: stopping after the current step and writing a checkpoint (again to force exit)`,
      );
      stop();
    } else {
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
