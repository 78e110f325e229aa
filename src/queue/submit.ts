// The submitting side: `submitRun(config, { queue })` puts a run on the queue and follows it as the
// same `Observable<TrainEvent>` as a local `train()`, so remote runs compose with the same operators.
// Unsubscribing before its end stops the remote run; a controller steers it while it runs.

import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { defer, finalize, Observable, takeWhile, tap } from 'rxjs';
import type { RunConfig } from '../config/schema.js';
import { GradstreamError } from '../errors.js';
import type { ControlState, RunController } from '../pipeline/controller.js';
import { newRunId } from '../store/run-record.js';
import type { TrainEvent } from '../train/events.js';
import { KEY_PREFIX, RUN_QUEUE, runKeys } from './keys.js';
import { parseQueueUrl, type QueueAddress } from './queue-url.js';
import { dropReplayed, readRelay } from './relay.js';
import type { QueuedRun } from './run-queued.js';

/** Options of {@link submitRun}. */
export interface SubmitOptions {
  /** The queue's Redis URL. */
  readonly queue: string;
  /** The run's id (default: a new one, as `train` makes them). */
  readonly runId?: string;
  /** The run's name (shown by the page and `runs list`). */
  readonly name?: string;
  /** Steers the remote run: its pause, resume, stop and learning rate are sent to the worker. */
  readonly controller?: RunController;
  /** Retries after a failure of the run on a worker (a refused job is never retried). Default 2. */
  readonly retries?: number;
}

/** Sends `message` to the worker that trains `runId` (taken at its next poll, ~200 ms). */
export async function sendRemoteControl(redis: Redis, runId: string, message: object): Promise<void> {
  await redis.rpush(runKeys(runId).control, JSON.stringify(message));
}

/** Forwards a controller's changes as control requests. */
function forwardControls(controller: RunController, send: (message: object) => void): () => void {
  let last: ControlState = controller.state;
  const subscription = controller.state$.subscribe((s) => {
    if (s.stopped && !last.stopped) send({ action: 'stop' });
    else if (s.paused !== last.paused) send({ action: s.paused ? 'pause' : 'resume' });
    if (s.lrOverride !== last.lrOverride) send({ action: 'setLearningRate', lr: s.lrOverride ?? null });
    last = s;
  });
  return () => subscription.unsubscribe();
}

/** Adds the job; resolves with its id. */
async function addJob(address: QueueAddress, data: QueuedRun, retries: number): Promise<void> {
  const queue = new Queue(RUN_QUEUE, { connection: address.connection, prefix: KEY_PREFIX });
  queue.on('error', () => {}); // the add's own rejection says what went wrong
  try {
    await queue.add('run', data, {
      jobId: data.runId.replace(/:/g, '_'), // BullMQ's custom ids may not contain ':'
      attempts: retries + 1,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: 24 * 3600 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  } finally {
    await queue.close();
  }
}

/**
 * Submits `config` (a validated run config, as `train` takes) to the queue and returns its events:
 * start, steps, evaluations, … end, as a local run's. Steps a worker replays after taking the run
 * over from a dead one are not emitted twice. A run that fails on its worker (after its retries)
 * errors with `ERR_QUEUE` and the worker's reason.
 *
 * @example
 * submitRun(config, { queue: 'redis://127.0.0.1:6379' }).pipe(filter((e) => e.type === 'eval')).subscribe(console.log);
 */
export function submitRun(config: RunConfig, options: SubmitOptions): Observable<TrainEvent> {
  const address = parseQueueUrl(options.queue, 'queue');
  return defer(() => {
    const runId = options.runId ?? newRunId();
    const jobId = runId.replace(/:/g, '_');
    const commands = new Redis({ ...address.connection });
    const reader = new Redis({ ...address.connection });
    for (const r of [commands, reader]) r.on('error', () => {}); // reconnects with backoff
    const queue = new Queue(RUN_QUEUE, { connection: address.connection, prefix: KEY_PREFIX });
    // Redis away: it reconnects with backoff (an error without a listener is printed whole by BullMQ).
    queue.on('error', () => {});
    let ended = false;
    const send = (message: object) => void sendRemoteControl(commands, runId, message).catch(() => {});
    const stopForwarding = options.controller ? forwardControls(options.controller, send) : () => {};
    let lastCheck = 0;
    // Between reads: a job that failed for good ends the run with its reason.
    const checkJob = async () => {
      if (Date.now() - lastCheck < 1000) return;
      lastCheck = Date.now();
      const job = await queue.getJob(jobId);
      const state = job ? await job.getState() : 'unknown';
      if (state === 'failed')
        throw new GradstreamError('ERR_QUEUE', `run ${runId} failed on its worker: ${job?.failedReason}`, {
          cause: { runId, queue: address.shown },
        });
    };
    const name = options.name ?? config.name;
    const events$ = new Observable<TrainEvent>((subscriber) => {
      addJob(address, { runId, ...(name ? { name } : {}), config }, options.retries ?? 2).then(
        () => subscriber.add(readRelay(reader, runId, { onIdle: checkJob }).subscribe(subscriber)),
        (error: unknown) =>
          subscriber.error(
            new GradstreamError(
              'ERR_QUEUE',
              `queue ${address.shown}: the run could not be submitted: ${(error as Error).message}`,
            ),
          ),
      );
    });
    return events$.pipe(
      dropReplayed(),
      tap((e) => {
        if (e.type === 'end') ended = true;
      }),
      takeWhile((e) => e.type !== 'end', true),
      finalize(() => {
        stopForwarding();
        // Unsubscribed before the end (Ctrl-C): the remote run stops too.
        if (!ended) send({ action: 'stop' });
        void queue.close();
        reader.disconnect();
        // After the stop request is written.
        void commands.quit().catch(() => commands.disconnect());
      }),
    );
  });
}
