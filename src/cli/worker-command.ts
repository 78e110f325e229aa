// `gradstream worker --queue URL`: takes runs from the Redis queue and trains them on this machine
// (src/queue/run-worker.ts) until Ctrl-C or SIGTERM, which drains: the runs here stop at their next
// step, checkpoint to Redis and go back to the queue for another worker; a second signal exits at
// once. A Redis that cannot be reached is said once, with its URL masked, and retried with backoff.

import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { GradstreamError } from '../errors.js';
import { parseQueueUrl } from '../queue/queue-url.js';
import type { RunWorker } from '../queue/run-worker.js';
import { positiveInt } from './table.js';

/** The lock of a job below this would expire between two renewals on a busy machine. */
const MIN_LOCK_MS = 1000;

/** The flags as commander gives them. */
interface WorkerFlags {
  readonly queue: string;
  readonly concurrency: string;
  readonly workers?: string;
  readonly dataRoot?: string[];
  readonly lockMs: string;
}

/** `--data-root` folders, absolute; a missing one or a file is one line naming it. */
function dataRoots(values: readonly string[]): string[] {
  return values.map((value) => {
    const path = resolve(value);
    let folder = false;
    try {
      folder = statSync(path).isDirectory();
    } catch {
      // missing: said below
    }
    if (!folder)
      throw new GradstreamError('ERR_INVALID_OPTION', `--data-root must be an existing folder, got ${path}`, {
        cause: { flag: '--data-root', value },
      });
    return path;
  });
}

/** `--lock-ms`: an integer ≥ {@link MIN_LOCK_MS}. */
function lockMs(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < MIN_LOCK_MS)
    throw new GradstreamError(
      'ERR_INVALID_OPTION',
      `--lock-ms must be an integer ≥ ${MIN_LOCK_MS} (milliseconds), got ${JSON.stringify(value)}`,
      { cause: { flag: '--lock-ms', value } },
    );
  return n;
}

/** Adds `worker` to the program. */
export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'take runs from a Redis queue (submitted by train --queue) and train them here; Ctrl-C drains: ' +
        'runs in progress are checkpointed and go back to the queue for another worker',
    )
    .requiredOption(
      '--queue <url>',
      'the queue: redis://[user:password@]host[:port][/db] or rediss://… (credentials are never printed)',
    )
    .option('--concurrency <n>', 'runs trained at once on this machine', '1')
    .option('--workers <n>', "worker threads per run (default: the run's own workers setting)")
    .option(
      '--data-root <dir>',
      "a folder runs may read data from, repeatable; a run's relative data paths are taken from the first " +
        '(default: the packaged MNIST only)',
      (value: string, previous: string[] | undefined) => [...(previous ?? []), value],
    )
    .option(
      '--lock-ms <n>',
      "advanced: how long a run's lock lasts without renewal; a run of a worker that died is taken " +
        'over by another after about twice this (give every worker of a queue the same value: the ' +
        'check for dead workers runs at the pace of the last worker that ran it)',
      '30000',
    )
    .action(async (flags: WorkerFlags) => {
      // Every flag checked before any connection: bad input is one line and exit 2.
      const address = parseQueueUrl(flags.queue, '--queue');
      const options = {
        queue: flags.queue,
        concurrency: positiveInt('--concurrency', flags.concurrency),
        workers: flags.workers === undefined ? undefined : positiveInt('--workers', flags.workers),
        dataRoots: dataRoots(flags.dataRoot ?? []),
        lockMs: lockMs(flags.lockMs),
        log,
      };
      let worker: RunWorker | undefined;
      let signals = 0;
      let drained: () => void = () => {};
      const stopped = new Promise<void>((resolve) => {
        drained = resolve;
      });
      const onSignal = (signal: NodeJS.Signals) => {
        signals++;
        if (signals > 1) {
          log('gradstream worker: forced exit');
          process.exit(130);
        }
        if (!worker) {
          // Still waiting for Redis: no run here to hand back.
          log(`gradstream worker: ${signal}: exiting`);
          process.exit(0);
        }
        log(
          `gradstream worker: ${signal}: draining — runs here checkpoint and go back to the queue (again to force exit)`,
        );
        worker.drain().then(drained, (error: unknown) => {
          log(`gradstream worker: drain failed: ${(error as Error).message}`);
          process.exit(1);
        });
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      log(`gradstream worker: connecting to ${address.shown}`);
      // The queue's code (BullMQ, ioredis) loads only when a worker starts.
      worker = await (await import('../queue/run-worker.js')).startRunWorker(options);
      log(
        `gradstream worker ${worker.name}: taking runs from ${address.shown} ` +
          `(${options.concurrency} at a time); Ctrl-C to drain and quit`,
      );
      await stopped;
      log(`gradstream worker ${worker.name}: drained`);
    });
}

const log = (line: string) => process.stderr.write(`${line}\n`);
