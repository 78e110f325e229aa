// Records a run's TrainEvents into the store off the training path: events become metric points (and
// start, control, histogram and end events log rows) in memory, and a timer (or a full buffer) writes
// them in one transaction. Closing flushes.

import { type MonoTypeOperatorFunction, Observable } from 'rxjs';
import { GradstreamError } from '../errors.js';
import type { TrainEvent } from '../train/events.js';
import { isLogged } from './event-log.js';
import type { MetricPoint } from './metric-queries.js';
import type { RunStatus } from './run-record.js';
import type { RunStore } from './run-store.js';

/** Options of {@link createRunRecorder}. */
export interface RecorderOptions {
  /** Write pending points at least this often. Default 250 ms. */
  readonly flushMs?: number;
  /** Write as soon as this many points are pending. Default 2000. */
  readonly maxRows?: number;
  /**
   * A write that failed twice in a row (see {@link createRunRecorder}) is reported here, as an
   * `ERR_WRITE` naming the store and the first step whose metrics are lost; the recorder then writes
   * nothing more. `recordRun` fails the run with it. Default: a line on stderr.
   */
  readonly onError?: (error: GradstreamError) => void;
  /** `recordRun` hands its recorder here when the run starts (to flush it at a checkpoint). */
  readonly onRecorder?: (recorder: RunRecorder) => void;
}

/** Takes a run's events; see {@link createRunRecorder}. */
export interface RunRecorder {
  /** Queues the event's metrics; an `end` event also flushes and sets the final status. */
  record(event: TrainEvent): void;
  /** Writes pending points now (a failure counts as one attempt: it never throws). */
  flush(): void;
  /**
   * Flushes and stops the timer. `status` (with `error` for `failed`) is set unless an `end`
   * event already ended the run. Idempotent. Never throws: returns the error of a write that
   * failed (the status then reads what it read before), else undefined.
   */
  close(status?: RunStatus, error?: string): GradstreamError | undefined;
  /** Points queued and not yet written. */
  readonly pending: number;
  /** The write failure that stopped the recorder, if one did. */
  readonly failure: GradstreamError | undefined;
}

/**
 * The metric points of one event. Steps give `loss`, `lr`, `samplesPerSecond`, `elapsedMs`,
 * `epoch`, `gradNorm` (and `skipped` = 1 on a skipped step); evaluations `<split>.loss`, `<split>.accuracy`
 * (regression: `<split>.rmse` and `<split>.mae`), `<split>.n`; epochs `epoch.meanLoss`. Other events carry no metrics.
 */
export function eventPoints(event: TrainEvent): MetricPoint[] {
  switch (event.type) {
    case 'step': {
      const { step } = event;
      const points: MetricPoint[] = [
        { step, name: 'loss', value: event.loss },
        { step, name: 'samplesPerSecond', value: event.samplesPerSecond },
        { step, name: 'elapsedMs', value: event.elapsedMs },
        { step, name: 'epoch', value: event.epoch },
        { step, name: 'gradNorm', value: event.gradNorm },
      ];
      if (event.lr !== undefined) points.push({ step, name: 'lr', value: event.lr });
      if (event.skipped) points.push({ step, name: 'skipped', value: 1 });
      return points;
    }
    case 'eval': {
      const { step, split } = event;
      const points: MetricPoint[] = [{ step, name: `${split}.loss`, value: event.loss }];
      // A regression model has no accuracy (NaN): its evaluations carry RMSE and MAE instead.
      if (event.rmse !== undefined) {
        points.push({ step, name: `${split}.rmse`, value: event.rmse });
        if (event.mae !== undefined) points.push({ step, name: `${split}.mae`, value: event.mae });
      } else points.push({ step, name: `${split}.accuracy`, value: event.accuracy });
      points.push({ step, name: `${split}.n`, value: event.n });
      return points;
    }
    case 'epoch':
      return [{ step: event.step, name: 'epoch.meanLoss', value: event.meanLoss }];
    default:
      return [];
  }
}

const DEFAULTS = { flushMs: 250, maxRows: 2000 };

/**
 * Histogram snapshots a run keeps in the store at most (about): enough to look back at how the
 * distributions moved, bounded for a long run (a snapshot is a few KB per layer and kind).
 */
export const STORED_HISTOGRAM_SNAPSHOTS = 128;

/**
 * Which histogram events to keep: every snapshot of a short run, evenly spaced ones of a long run
 * (at least `totalSteps / STORED_HISTOGRAM_SNAPSHOTS` steps apart). All of one step's are kept together.
 */
function histogramThinning() {
  let gap = 1;
  let next = 0;
  let keptStep = -1;
  return {
    start(totalSteps: number) {
      gap = Math.max(1, Math.floor(totalSteps / STORED_HISTOGRAM_SNAPSHOTS));
    },
    keep(step: number): boolean {
      if (step === keptStep) return true;
      if (step < next) return false;
      keptStep = step;
      next = step + gap;
      return true;
    },
  };
}

/**
 * A recorder for run `runId` (already created with `store.createRun`). The timer is unref'd, so a
 * forgotten recorder never keeps the process alive; call `close()` to write the tail.
 *
 * @example
 * const recorder = createRunRecorder(store, run.id);
 * train(config).subscribe({ next: (e) => recorder.record(e), complete: () => recorder.close() });
 */
export function createRunRecorder(
  store: RunStore,
  runId: string,
  options: RecorderOptions = {},
): RunRecorder {
  const flushMs = options.flushMs ?? DEFAULTS.flushMs;
  const maxRows = options.maxRows ?? DEFAULTS.maxRows;
  const onError =
    options.onError ?? ((error: GradstreamError) => process.stderr.write(`gradstream: ${error.message}\n`));
  let queue: MetricPoint[] = [];
  let logged: TrainEvent[] = [];
  const histograms = histogramThinning();
  // The last value of every metric, for the run's final metrics.
  const last = new Map<string, number>();
  let ended = false;
  let closed = false;
  let failedWrites = 0;
  let failure: GradstreamError | undefined;

  /** Writes the queue in one transaction; on failure the points go back to its head and it throws. */
  const write = (): void => {
    if ((queue.length === 0 && logged.length === 0) || failure) return;
    const points = queue;
    const events = logged;
    queue = [];
    logged = [];
    try {
      store.record(runId, points, events);
      failedWrites = 0;
    } catch (error) {
      // The transaction rolled back: nothing of it was written.
      queue = points.concat(queue);
      logged = events.concat(logged);
      throw error;
    }
  };
  // A failed write is retried once, at the next flush: a second failure in a row (a full disk) stops
  // the recorder and fails the run, rather than training on with metrics that go nowhere.
  const flush = (): void => {
    try {
      write();
    } catch (error) {
      if (++failedWrites < 2) return;
      failure = writeError(store, queue[0]?.step, error);
      clearInterval(timer);
      onError(failure);
    }
  };
  const timer = setInterval(flush, flushMs);
  timer.unref();

  const finish = (status: RunStatus, extra: Record<string, number>, error?: string): void => {
    write();
    ended = true;
    store.updateRun(runId, { status, finalMetrics: { ...Object.fromEntries(last), ...extra }, error });
  };

  return {
    record(event) {
      if (closed || failure) return;
      for (const p of eventPoints(event)) {
        queue.push(p);
        last.set(p.name, p.value);
      }
      if (event.type === 'start') histograms.start(event.totalSteps);
      // A start event's config is the pipeline's plan; the run's config is its row's.
      if (event.type === 'start') logged.push({ ...event, config: {} });
      else if (isLogged(event) && (event.type !== 'histogram' || histograms.keep(event.step)))
        logged.push(event);
      if (event.type === 'end') {
        try {
          finish(event.reason, {
            steps: event.step,
            elapsedMs: event.elapsedMs,
            skippedSteps: event.skippedSteps,
          });
        } catch (error) {
          failure = writeError(store, queue[0]?.step ?? event.step, error);
          clearInterval(timer);
          onError(failure);
        }
      } else if (queue.length >= maxRows) flush();
    },
    flush,
    close(status, error) {
      if (closed) return undefined;
      closed = true;
      clearInterval(timer);
      try {
        if (!ended && status !== undefined) {
          // After a write failure only the status is tried: the points are lost (the reason says so).
          if (failure) store.updateRun(runId, { status, error });
          else finish(status, {}, error);
        } else write();
        return undefined;
      } catch (e) {
        return writeError(store, queue[0]?.step, e);
      }
    },
    get pending() {
      return queue.length;
    },
    get failure() {
      return failure;
    },
  };
}

/** `ERR_WRITE`: the store refused a write (disk full, I/O error); the metrics from `step` on are lost. */
function writeError(store: RunStore, step: number | undefined, error: unknown): GradstreamError {
  if (error instanceof GradstreamError && error.code === 'ERR_WRITE') return error;
  const why = reasonOf(store, error);
  const lost = step === undefined ? '' : `, and its metrics from step ${step} on are lost`;
  return new GradstreamError(
    'ERR_WRITE',
    `run store ${store.file}: metrics could not be written (${why}); the run stops${lost}`,
    { cause: error },
  );
}

/**
 * An operator that records every event passing through and closes the recorder when the stream
 * ends: `completed` on completion without an `end` event, `failed` on error, `stopped` when
 * unsubscribed early. A write the store keeps refusing (see {@link createRunRecorder}) fails the
 * stream with `ERR_WRITE`, unsubscribing from the run (which stops it). When even the `failed`
 * status cannot be written (a full disk), the error says so: the run's row then reads as it did
 * (`running`, and `interrupted` once its lease expires).
 *
 * @example
 * train(config).pipe(recordRun(store, run.id)).subscribe(render);
 */
export function recordRun(
  store: RunStore,
  runId: string,
  options: RecorderOptions = {},
): MonoTypeOperatorFunction<TrainEvent> {
  // One recorder per subscription, created when the run actually starts.
  return (source) =>
    new Observable<TrainEvent>((subscriber) => {
      let done = false;
      const fail = (error: unknown): void => {
        if (done) return;
        done = true;
        const unrecorded = recorder.close('failed', error instanceof Error ? error.message : String(error));
        subscriber.error(unrecorded ? withUnrecordedStatus(store, error, unrecorded) : error);
      };
      const recorder = createRunRecorder(store, runId, {
        ...options,
        onError: (error) => {
          options.onError?.(error);
          fail(error);
        },
      });
      options.onRecorder?.(recorder);
      const subscription = source.subscribe({
        next: (event) => {
          recorder.record(event);
          if (!recorder.failure) subscriber.next(event);
        },
        error: fail,
        complete: () => {
          if (done) return;
          done = true;
          const unwritten = recorder.close('completed');
          if (unwritten) subscriber.error(unwritten);
          else subscriber.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        if (!done) {
          done = true;
          recorder.close('stopped');
        }
      };
    });
}

/** Why a write failed, in a few words: the store's own message without its `run store <file>: `. */
function reasonOf(store: RunStore, error: unknown): string {
  const e = error as { code?: unknown; message?: unknown } | undefined;
  const message = (typeof e?.message === 'string' ? e.message.split('\n')[0] : String(error)).replace(
    `run store ${store.file}: `,
    '',
  );
  return typeof e?.code === 'string' && !(error instanceof GradstreamError) && !message.includes(e.code)
    ? `${e.code}: ${message}`
    : message;
}

/** The run's error, noting that the store could not record it either. */
function withUnrecordedStatus(store: RunStore, error: unknown, unrecorded: GradstreamError): unknown {
  if (!(error instanceof GradstreamError)) return error;
  return new GradstreamError(
    error.code,
    `${error.message}; the store could not record the failure either (${reasonOf(store, unrecorded.cause)}): the run reads interrupted once its lease expires`,
    { cause: error },
  );
}
