// A queued run's events between machines: the worker appends them to the run's Redis stream in
// batches (one XADD per interval, not per step); submitters and the hub read the stream from any
// point. A worker that takes a run over replays the steps after its checkpoint: readers drop
// what they have already seen (`dropReplayed`), and the store's (run, name, step) key makes a
// recorded point land once whatever is read twice.

import type { Redis } from 'ioredis';
import { Observable, type OperatorFunction } from 'rxjs';
import type { TrainEvent } from '../train/events.js';
import { runKeys } from './keys.js';

/** Options of {@link createRelay}. */
export interface RelayOptions {
  /** Append pending events at least this often. Default 100 ms. */
  readonly intervalMs?: number;
  /** Append as soon as this many are pending. Default 1000. */
  readonly maxEvents?: number;
}

/** The worker's side: see {@link createRelay}. */
export interface EventRelay {
  push(event: TrainEvent): void;
  /** Appends what is pending; resolves when Redis has it (after a reconnect, if it was away). */
  flush(): Promise<void>;
  /** Flushes and stops the timer. */
  close(): Promise<void>;
  /** Stream appends so far (XADD commands), for the bench's commands-per-step figure. */
  readonly appends: number;
}

/**
 * Batches `runId`'s events into its stream on `redis`. A command issued while Redis is away waits in
 * the client's offline queue and is sent on reconnect (the connection retries with backoff), so a
 * restart loses nothing that was flushed; nothing here throws into the training stream.
 */
export function createRelay(redis: Redis, runId: string, options: RelayOptions = {}): EventRelay {
  const key = runKeys(runId).events;
  const maxEvents = options.maxEvents ?? 1000;
  let pending: TrainEvent[] = [];
  let chain: Promise<void> = Promise.resolve();
  let appends = 0;
  const flush = (): Promise<void> => {
    if (pending.length === 0) return chain;
    const batch = JSON.stringify(pending);
    pending = [];
    appends++;
    // In order: each append after the previous one.
    chain = chain.then(() => redis.xadd(key, '*', 'b', batch).then(() => undefined));
    return chain;
  };
  const timer = setInterval(() => void flush().catch(() => {}), options.intervalMs ?? 100);
  timer.unref();
  return {
    push(event) {
      pending.push(event);
      if (pending.length >= maxEvents) void flush().catch(() => {});
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
    get appends() {
      return appends;
    },
  };
}

/** Options of {@link readRelay}. */
export interface ReadRelayOptions {
  /** Read from after this stream id. Default '0' (the run's first event). */
  readonly after?: string;
  /** How long one read blocks waiting for new events. Default 500 ms. */
  readonly blockMs?: number;
  /** Called after every read (new events or not): a place to check the job's state. */
  readonly onIdle?: () => Promise<void> | void;
}

/**
 * The events of run `runId` as they are appended (a dedicated connection: XREAD BLOCK holds it),
 * until unsubscribed. Errors of `onIdle` end the observable with that error.
 */
export function readRelay(
  redis: Redis,
  runId: string,
  options: ReadRelayOptions = {},
): Observable<TrainEvent> {
  const key = runKeys(runId).events;
  return new Observable<TrainEvent>((subscriber) => {
    let after = options.after ?? '0';
    let closed = false;
    const loop = async () => {
      while (!closed) {
        const reply = (await redis.xread(
          'COUNT',
          100,
          'BLOCK',
          options.blockMs ?? 500,
          'STREAMS',
          key,
          after,
        )) as [string, [string, string[]][]][] | null;
        for (const [, entries] of reply ?? []) {
          for (const [id, fields] of entries) {
            after = id;
            const batch = fields[1];
            for (const event of JSON.parse(batch) as TrainEvent[]) {
              if (closed) return;
              subscriber.next(event);
            }
          }
        }
        if (!closed) await options.onIdle?.();
      }
    };
    loop().catch((error: unknown) => {
      if (!closed) subscriber.error(error);
    });
    return () => {
      closed = true;
    };
  });
}

/**
 * Drops events a reader has already had: steps, evaluations, epochs and histograms at or before the
 * last one of their kind (a run taken over by another worker replays them from its checkpoint).
 * Start, control and end events pass.
 */
export function dropReplayed(): OperatorFunction<TrainEvent, TrainEvent> {
  return (source) =>
    new Observable<TrainEvent>((subscriber) => {
      const last = new Map<string, number>();
      const fresh = (kind: string, step: number): boolean => {
        if (step <= (last.get(kind) ?? -1)) return false;
        last.set(kind, step);
        return true;
      };
      return source.subscribe({
        next(e) {
          const keep =
            e.type === 'step'
              ? fresh('step', e.step)
              : e.type === 'eval'
                ? fresh(`eval/${e.split}`, e.step)
                : e.type === 'epoch'
                  ? fresh('epoch', e.step)
                  : e.type === 'histogram'
                    ? fresh(`histogram/${e.layer}/${e.kind}`, e.step)
                    : true;
          if (keep) subscriber.next(e);
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}
