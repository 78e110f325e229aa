// `gradstream dashboard`: the standing page over a run store. It follows the store live — runs
// started by any process appear within a second and stream; finished ones keep their history — and
// steers running runs through the store, until Ctrl-C. `train` and `lab` find it through the store's
// registry and show their runs here instead of starting their own server.
// With `--queue URL` it also records every run on that job queue in the store (queue-recorder.ts), so
// runs trained on other machines show and are steered as local ones; the URL is only shown masked.
// A read-only store is shown without steering; a missing folder, a damaged store, a bad --limit or
// --queue, a read-only store with --queue, or a taken port is one line and exit 2.

import { resolve } from 'node:path';
import type { Command } from 'commander';
import { GradstreamError } from '../errors.js';
import type { QueueRecorder } from '../queue/queue-recorder.js';
import { parseQueueUrl } from '../queue/queue-url.js';
import { startDashboardServer } from '../server/dashboard-server.js';
import { followStore } from '../server/follow-store.js';
import { storeAt, storeProblem } from '../store/database.js';
import { RunStore } from '../store/run-store.js';
import { storedMetricsCsv } from '../store/stored-csv.js';
import { listenError } from './run-job.js';
import { positiveInt } from './table.js';

/** Opens the store to follow: for writing (to steer runs and register), else read-only. */
function openStore(dir: string): { store: RunStore; writable: boolean } {
  try {
    return { store: RunStore.open({ dir }), writable: true };
  } catch (error) {
    const readOnly =
      error instanceof GradstreamError && error.code === 'ERR_STORE' && /read-only/.test(error.message);
    if (!readOnly || storeAt(dir) !== 'store') throw error;
    return { store: RunStore.open({ dir, readonly: true }), writable: false };
  }
}

/** Adds `dashboard` to the program. */
export function registerDashboardCommand(program: Command): void {
  program
    .command('dashboard')
    .description(
      'the standing dashboard: follows every run in the store, live, and steers them; Ctrl-C to quit',
    )
    .option('--store <dir>', 'run store folder (created when the folder exists and holds none)', 'runs')
    .option('--host <address>', 'address to bind (others than loopback need a token)', '127.0.0.1')
    .option('--port <n>', 'port, 0 for any free one', '8080')
    .option('--limit <n>', 'newest stored runs to show at start (new runs always appear)', '20')
    .option(
      '--queue <url>',
      'also record every run on this job queue (redis://[user:password@]host[:port][/db]) in the store',
    )
    .action(async (options: { store: string; host: string; port: string; limit: string; queue?: string }) => {
      const limit = positiveInt('--limit', options.limit);
      const queueShown = options.queue === undefined ? undefined : parseQueueUrl(options.queue).shown;
      const dir = resolve(options.store);
      if (storeAt(dir) === 'missing') throw storeProblem(dir, 'folder not found');
      const { store, writable } = openStore(dir);
      if (queueShown !== undefined && !writable) {
        store.close();
        throw new GradstreamError(
          'ERR_INVALID_OPTION',
          `--queue ${queueShown}: the run store ${store.file} is read-only, and queued runs are recorded in it; give a writable --store`,
        );
      }
      const port = Number(options.port);
      const server = await startDashboardServer({
        host: options.host,
        port,
        control: writable,
        metricsCsv: storedMetricsCsv(dir),
        log,
      }).catch((error: unknown) => {
        store.close();
        throw listenError(error, options.host, port);
      });
      let follower: ReturnType<typeof followStore>;
      try {
        follower = followStore(store, server, { limit, control: writable, log });
      } catch (error) {
        store.close();
        await server.close();
        throw error;
      }
      if (writable) store.registerDashboard(server.url);
      const queued: QueueRecorder | undefined =
        options.queue === undefined
          ? undefined
          : // The queue's code (BullMQ, ioredis) loads only for --queue.
            (await import('../queue/queue-recorder.js')).recordQueue(store, { queue: options.queue, log });
      // Listening for the signals before saying where the page is: whoever reads that line may stop us.
      const signalled = new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      const count = follower.runIds.length;
      log(
        `gradstream: ${count} stored run(s) at ${server.url} — following ${store.file}` +
          (writable ? '' : ' (read-only: runs are shown, not steered)') +
          (queued ? ` and recording the runs of queue ${queued.shown}` : '') +
          '; Ctrl-C to quit',
      );
      await signalled;
      await queued?.close(); // runs still training are taken on by the next hub
      follower.stop();
      store.close(); // unregisters: a `train` started from now on serves its own page
      await server.close();
    });
}

const log = (line: string) => process.stderr.write(`${line}\n`);
