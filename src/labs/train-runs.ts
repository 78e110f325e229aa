// Runs a lab's training runs, `concurrency` at a time, each on its own small pool (or, with a queue in
// the lab's context, each as a job on whichever `gradstream worker` takes it): shows each on the
// dashboard, optionally records it in the run store, stops hopeless ones early, and returns their
// histories in the order given. A run that fails is reported in its history, not thrown.

import {
  catchError,
  concat,
  defer,
  EMPTY,
  filter,
  from,
  identity,
  ignoreElements,
  lastValueFrom,
  map,
  mergeMap,
  type Observable,
  of,
  Subject,
  takeUntil,
  tap,
  toArray,
} from 'rxjs';
import type { RunConfig } from '../config/schema.js';
import { createController, type RunController } from '../pipeline/controller.js';
import { followControls } from '../store/follow-controls.js';
import { recordRun } from '../store/recorder.js';
import type { RunStore } from '../store/run-store.js';
import type { TrainEvent } from '../train/events.js';
import { emptyHistory, foldEvent, type RunHistory } from './history.js';
import type { LabContext } from './lab.js';
import { type LabTrainConfig, labTrain } from './lab-train.js';

/** One run of a lab. */
export interface LabRun {
  /** Legend name, unique within the lab (e.g. `SGD`, `He / relu`, `trial-007`). */
  readonly label: string;
  /** The run; `workers`, `runId` and `controller` come from the lab's context. */
  readonly config: Omit<LabTrainConfig, 'workers' | 'runId' | 'controller'>;
  /** Asked after every evaluation: true stops the run after the current step (early stopping). */
  readonly stopWhen?: (history: RunHistory) => boolean;
  /** Record the run in this store, under this name and config (one stored run per trial). */
  readonly record?: { readonly store: RunStore; readonly name: string; readonly config: object };
  /** Events shown on the dashboard right after the run's start (e.g. activation histograms). */
  readonly preface?: readonly TrainEvent[];
  /**
   * The same run as a `train` config (the job a queue worker validates and trains; it must give the
   * same numbers as `config`). With a queue in the lab's context the run goes there; without one, or
   * without a `job`, it trains here.
   */
  readonly job?: RunConfig;
}

/** A run about to train, here or on a queue worker. */
interface Training {
  readonly controller: RunController;
  readonly events$: Observable<TrainEvent>;
  /** The kernel set; undefined for a run on a queue worker (the worker picks it). */
  readonly kernels: string | undefined;
}

/** The run trained here, on its own small pool. */
function localTraining(run: LabRun, ctx: LabContext, runId: string): Training {
  // One micro-batch per lane by default: a lab run's workers split each batch evenly, and one
  // worker computes whole batches (smaller products only cost time). Batch-norm runs set their own.
  const microBatches = Math.min(ctx.workers, run.config.batchSize ?? 100);
  return labTrain({ microBatches, ...run.config, workers: ctx.workers, runId });
}

/**
 * The run as a job on the queue, followed through its worker's relay. Its job id must be new on the
 * queue (BullMQ keeps finished jobs, and would take a reused id for the old run): the stored run's id
 * when it is recorded, else a fresh one.
 */
function queuedTraining(job: RunConfig, queue: string, name: string, jobId: string | undefined): Training {
  const controller = createController();
  // The queue's code (BullMQ, ioredis) loads only for a queued lab: most runs never need it.
  const events$ = from(import('../queue/submit.js')).pipe(
    mergeMap(({ submitRun }) =>
      submitRun(job, { queue, ...(jobId ? { runId: jobId } : {}), name, controller }),
    ),
  );
  return { controller, events$, kernels: undefined };
}

/** Runs one lab run; emits its history once it has ended (or failed). */
function runOne(run: LabRun, ctx: LabContext): Observable<RunHistory> {
  return defer(() => {
    const runId = `${ctx.runIdPrefix}/${run.label}`;
    if (ctx.signal?.aborted) return of({ ...emptyHistory(run.label, runId), endReason: 'stopped' as const });
    const record = () => run.record?.store.createRun({ name: run.record.name, config: run.record.config });
    let stored: ReturnType<typeof record>;
    let training: Training;
    const queued = ctx.queue !== undefined && run.job !== undefined;
    if (queued) {
      // The stored run first: its id is the job's.
      stored = record();
      training = queuedTraining(run.job!, ctx.queue!, run.record?.name ?? runId, stored?.id);
    } else {
      // A config the pipeline refuses throws before anything is stored.
      training = localTraining(run, ctx, runId);
      stored = record();
    }
    const history = emptyHistory(run.label, runId);
    history.kernels = training.kernels;
    if (stored) history.storeId = stored.id;
    // A queued trial no worker has taken yet is left at once when the lab stops: its stop request
    // waits in Redis and ends it as soon as a worker takes it.
    const abandon = new Subject<void>();
    let started = false;
    const stop = () => {
      training.controller.stop();
      if (queued && !started) {
        history.endReason = 'stopped';
        abandon.next();
      }
    };
    ctx.signal?.addEventListener('abort', stop);
    // A recorded run may be steered from a standing dashboard, whose requests come through the store.
    const stopControls = stored
      ? followControls(run.record!.store, stored.id, training.controller, { log: ctx.log })
      : undefined;
    const live = new Subject<TrainEvent>();
    ctx.dashboard?.attachRun(runId, live.asObservable(), training.controller);
    const preface = run.preface ?? [];
    const events$ = training.events$.pipe(
      // A queued trial taken over by another worker (the first died) starts again from its
      // checkpoint: said here, but a run has one start, on the page and in the store.
      filter((e) => {
        if (e.type !== 'start' || !started) return true;
        ctx.log(`${runId}: taken over by another worker, from its newest checkpoint`);
        return false;
      }),
      mergeMap((e) => (e.type === 'start' ? [e, ...preface] : [e])),
      stored ? recordRun(run.record!.store, stored.id) : identity,
      // After the recorder: an abandoned trial is recorded as stopped, not completed.
      takeUntil(abandon),
      tap((e) => {
        if (e.type === 'start') started = true;
        // The page compares runs by the config they were recorded with, not the pipeline's plan.
        const record = run.record;
        live.next(
          e.type === 'start' && record ? { ...e, config: { ...record.config, name: record.name } } : e,
        );
        foldEvent(history, e);
        if (e.type === 'eval' && run.stopWhen?.(history)) training.controller.stop();
      }),
    );
    const done = events$.pipe(
      ignoreElements(),
      catchError((error: unknown) => {
        history.endReason = 'failed';
        history.error = error instanceof Error ? error.message : String(error);
        ctx.log(`${runId}: failed: ${history.error}`);
        ctx.reportFailure(runId, history.error);
        return EMPTY;
      }),
    );
    return concat(
      done,
      defer(() => {
        ctx.signal?.removeEventListener('abort', stop);
        stopControls?.();
        live.complete();
        const time = `${(history.elapsedMs / 1000).toFixed(1)} s`;
        ctx.log(
          `${runId}: ${history.endReason} after ${history.steps} steps in ${time} (${history.kernels ? `${history.kernels} kernels` : 'on a queue worker'})`,
        );
        return of(history);
      }),
    );
  });
}

/**
 * Trains every run, `ctx.concurrency` at a time, and resolves with their histories in the given order.
 *
 * @example
 * const [sgdRun, adamRun] = await trainRuns([{ label: 'SGD', config: a }, { label: 'Adam', config: b }], ctx);
 */
export async function trainRuns(runs: readonly LabRun[], ctx: LabContext): Promise<RunHistory[]> {
  const indexed = await lastValueFrom(
    from(runs.map((run, i) => ({ run, i }))).pipe(
      mergeMap(({ run, i }) => runOne(run, ctx).pipe(map((h) => ({ h, i }))), ctx.concurrency),
      toArray(),
    ),
  );
  const out = new Array<RunHistory>(runs.length);
  for (const { h, i } of indexed) out[i] = h;
  return out;
}
