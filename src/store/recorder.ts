// Records a run's TrainEvents into the store off the training path: events become metric points in
// memory, and a timer (or a full buffer) writes them in one transaction. Closing flushes.

import { defer, type MonoTypeOperatorFunction, tap } from 'rxjs';
import type { TrainEvent } from '../train/events.js';
import type { MetricPoint } from './metric-queries.js';
import type { RunStatus } from './run-record.js';
import type { RunStore } from './run-store.js';

/** Options of {@link createRunRecorder}. */
export interface RecorderOptions {
  /** Write pending points at least this often. Default 250 ms. */
  readonly flushMs?: number;
  /** Write as soon as this many points are pending. Default 2000. */
  readonly maxRows?: number;
  /** A failed background write is reported here, never thrown into training. Default: stderr. */
  readonly onError?: (error: unknown) => void;
  /** `recordRun` hands its recorder here when the run starts (to flush it at a checkpoint). */
  readonly onRecorder?: (recorder: RunRecorder) => void;
}

/** Takes a run's events; see {@link createRunRecorder}. */
export interface RunRecorder {
  /** Queues the event's metrics; an `end` event also flushes and sets the final status. */
  record(event: TrainEvent): void;
  /** Writes pending points now. */
  flush(): void;
  /**
   * Flushes and stops the timer. `status` (with `error` for `failed`) is set unless an `end`
   * event already ended the run. Idempotent.
   */
  close(status?: RunStatus, error?: string): void;
  /** Points queued and not yet written. */
  readonly pending: number;
}

/**
 * The metric points of one event. Steps give `loss`, `lr`, `samplesPerSecond`, `elapsedMs`,
 * `epoch`, `gradNorm` (and `skipped` = 1 on a skipped step); evaluations `<split>.loss`, `<split>.accuracy`,
 * `<split>.n`; epochs `epoch.meanLoss`. Other events carry no metrics.
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
      const { step } = event;
      return [
        { step, name: `${event.split}.loss`, value: event.loss },
        { step, name: `${event.split}.accuracy`, value: event.accuracy },
        { step, name: `${event.split}.n`, value: event.n },
      ];
    }
    case 'epoch':
      return [{ step: event.step, name: 'epoch.meanLoss', value: event.meanLoss }];
    default:
      return [];
  }
}

const DEFAULTS = { flushMs: 250, maxRows: 2000 };

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
    options.onError ??
    ((error: unknown) => process.stderr.write(`gradstream: run store write failed: ${error}\n`));
  let queue: MetricPoint[] = [];
  // The last value of every metric, for the run's final metrics.
  const last = new Map<string, number>();
  let ended = false;
  let closed = false;

  const flush = (): void => {
    if (queue.length === 0) return;
    const points = queue;
    queue = [];
    store.insertMetrics(runId, points);
  };
  const safeFlush = (): void => {
    try {
      flush();
    } catch (error) {
      onError(error);
    }
  };
  const timer = setInterval(safeFlush, flushMs);
  timer.unref();

  const finish = (status: RunStatus, extra: Record<string, number>, error?: string): void => {
    flush();
    ended = true;
    store.updateRun(runId, { status, finalMetrics: { ...Object.fromEntries(last), ...extra }, error });
  };

  return {
    record(event) {
      if (closed) return;
      for (const p of eventPoints(event)) {
        queue.push(p);
        last.set(p.name, p.value);
      }
      if (event.type === 'end') {
        finish(event.reason, {
          steps: event.step,
          elapsedMs: event.elapsedMs,
          skippedSteps: event.skippedSteps,
        });
      } else if (queue.length >= maxRows) safeFlush();
    },
    flush,
    close(status, error) {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      if (!ended && status !== undefined) finish(status, {}, error);
      else flush();
    },
    get pending() {
      return queue.length;
    },
  };
}

/**
 * An operator that records every event passing through and closes the recorder when the stream
 * ends: `completed` on completion without an `end` event, `failed` on error, `stopped` when
 * unsubscribed early.
 *
 * @example
 * train(config).pipe(recordRun(store, run.id)).subscribe(render);
 */
export function recordRun(
  store: RunStore,
  runId: string,
  options: RecorderOptions = {},
): MonoTypeOperatorFunction<TrainEvent> {
  // defer: one recorder per subscription, created when the run actually starts.
  return (source) =>
    defer(() => {
      const recorder = createRunRecorder(store, runId, options);
      options.onRecorder?.(recorder);
      return source.pipe(
        tap({
          next: (event) => recorder.record(event),
          error: (error: unknown) =>
            recorder.close('failed', error instanceof Error ? error.message : String(error)),
          complete: () => recorder.close('completed'),
          unsubscribe: () => recorder.close('stopped'),
        }),
      );
    });
}
