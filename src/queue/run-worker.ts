// `gradstream worker`'s engine: a BullMQ worker on the run queue. Each job is one run, trained on
// this machine (see run-queued.ts). BullMQ holds the job's lock while it trains; when this process
// dies, its stalled-job check hands the job to another worker, which resumes from the checkpoint in
// Redis. `drain()` stops the runs here at their next step, checkpoints them and puts their jobs back.

import { hostname } from 'node:os';
import { UnrecoverableError, WaitingError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { RunController } from '../pipeline/controller.js';
import { defaultDataRoots } from './data-roots.js';
import { KEY_PREFIX, RUN_QUEUE } from './keys.js';
import { parseQueueUrl } from './queue-url.js';
import { acceptJob, type QueuedRunResult, RefusedJobError, runQueued } from './run-queued.js';

/** Options of {@link startRunWorker}. */
export interface RunWorkerOptions {
  /** The queue's Redis URL (credentials are never printed). */
  readonly queue: string;
  /** Runs trained at once on this machine. Default 1. */
  readonly concurrency?: number;
  /** Worker threads per run (overrides the job's `workers`). Default: the job's. */
  readonly workers?: number;
  /** Folders jobs may read data from. Default: the packaged MNIST. */
  readonly dataRoots?: readonly string[];
  /**
   * How long a job's lock lasts without renewal (a dead worker's job is taken over after about
   * this, plus the stalled check's interval, which is the same). Default 30 s.
   */
  readonly lockMs?: number;
  /** One line per job started, ended, refused or failed. Default: stderr. */
  readonly log?: (line: string) => void;
}

/** A running worker (see {@link startRunWorker}). */
export interface RunWorker {
  /** `host:pid`. */
  readonly name: string;
  /** Stops the runs in progress at their next step (checkpointed, their jobs back in the queue), then closes. */
  drain(): Promise<void>;
  /** Closes at once (runs in progress are left to the stalled-job check). */
  close(): Promise<void>;
}

/**
 * Starts taking runs from the queue.
 *
 * @example
 * const worker = await startRunWorker({ queue: 'redis://127.0.0.1:6379', concurrency: 2 });
 * process.once('SIGTERM', () => void worker.drain());
 */
export async function startRunWorker(options: RunWorkerOptions): Promise<RunWorker> {
  const address = parseQueueUrl(options.queue);
  const name = `${hostname()}:${process.pid}`;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const dataRoots = options.dataRoots?.length ? options.dataRoots : defaultDataRoots();
  const redis = new Redis({ ...address.connection, lazyConnect: false });
  redis.on('error', () => {}); // reconnects with backoff (see reconnectDelayMs); said by BullMQ's worker
  const controllers = new Set<RunController>();
  let draining = false;
  const lockMs = options.lockMs ?? 30_000;

  const worker = new Worker<unknown, QueuedRunResult>(
    RUN_QUEUE,
    async (job, token) => {
      let accepted: ReturnType<typeof acceptJob>;
      try {
        accepted = acceptJob(job.data, { worker: name, dataRoots, workers: options.workers });
      } catch (error) {
        log(`gradstream worker: job ${job.id}: ${(error as Error).message}`);
        throw new UnrecoverableError((error as Error).message);
      }
      const { runId } = accepted.job;
      log(`gradstream worker: run ${runId}: started (attempt ${job.attemptsStarted})`);
      let controller: RunController | undefined;
      let result: QueuedRunResult;
      try {
        result = await runQueued(accepted.job, accepted.config, {
          redis,
          worker: name,
          dataRoots,
          workers: options.workers,
          draining: () => draining,
          onController: (c) => {
            controller = c;
            controllers.add(c);
            if (draining) c.stop();
          },
        });
      } catch (error) {
        log(`gradstream worker: run ${runId}: failed: ${(error as Error).message}`);
        if (error instanceof RefusedJobError) throw new UnrecoverableError(error.message);
        throw error;
      } finally {
        if (controller) controllers.delete(controller);
      }
      if (result.reason === 'drained') {
        log(`gradstream worker: run ${runId}: checkpointed at step ${result.step}, back in the queue`);
        await job.moveToWait(token);
        throw new WaitingError();
      }
      const took =
        result.resumedFrom === undefined
          ? ''
          : ` (taken over at its checkpoint of step ${result.resumedFrom})`;
      log(`gradstream worker: run ${runId}: ${result.reason} after step ${result.step}${took}`);
      return result;
    },
    {
      connection: address.connection,
      prefix: KEY_PREFIX,
      concurrency: options.concurrency ?? 1,
      lockDuration: lockMs,
      stalledInterval: lockMs,
      maxStalledCount: 5,
      autorun: true,
    },
  );
  let lastProblem = '';
  worker.on('error', (error) => {
    // Redis away: BullMQ retries; say it once per kind of problem, not every attempt.
    const problem = error.message.split('\n')[0];
    if (problem !== lastProblem) log(`gradstream worker: queue ${address.shown}: ${problem}; retrying`);
    lastProblem = problem;
  });
  await worker.waitUntilReady();
  return {
    name,
    async drain() {
      draining = true;
      for (const c of controllers) c.stop();
      await worker.close();
      redis.disconnect();
    },
    async close() {
      await worker.close(true);
      redis.disconnect();
    },
  };
}
