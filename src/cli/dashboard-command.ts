// `gradstream dashboard`: serves the stored runs on the dashboard page without training. The store
// is opened read-only (a read-only store works); a missing or damaged store, a bad --limit or a
// taken port is one line and exit 2.

import type { Command } from 'commander';
import { from } from 'rxjs';
import { startDashboardServer } from '../server/dashboard-server.js';
import { storeAt, storeProblem } from '../store/database.js';
import type { RunRecord } from '../store/run-record.js';
import { RunStore } from '../store/run-store.js';
import { storedRunEvents } from '../store/stored-events.js';
import { listenError } from './run-job.js';
import { positiveInt } from './table.js';

/** Adds `dashboard` to the program. */
export function registerDashboardCommand(program: Command): void {
  program
    .command('dashboard')
    .description('serve the stored runs on the dashboard (no training); Ctrl-C to quit')
    .option('--store <dir>', 'run store folder', 'runs')
    .option('--host <address>', 'address to bind (others than loopback need a token)', '127.0.0.1')
    .option('--port <n>', 'port, 0 for any free one', '8080')
    .option('--limit <n>', 'newest runs to show', '20')
    .action(async (options: { store: string; host: string; port: string; limit: string }) => {
      const limit = positiveInt('--limit', options.limit);
      const at = storeAt(options.store);
      if (at !== 'store')
        throw storeProblem(
          options.store,
          at === 'missing' ? 'folder not found' : 'holds no run store (gradstream.db); train a run first',
        );
      const store = RunStore.open({ dir: options.store, readonly: true });
      let attached: { runs: RunRecord[]; events: [string, ReturnType<typeof storedRunEvents>][] };
      try {
        const runs = store.listRuns({ limit });
        attached = { runs, events: runs.map((run) => [run.id, storedRunEvents(store, run)]) };
      } finally {
        store.close();
      }
      const port = Number(options.port);
      const server = await startDashboardServer({ host: options.host, port }).catch((error: unknown) => {
        throw listenError(error, options.host, port);
      });
      for (const [id, events] of attached.events) server.attachRun(id, from(events));
      // Their events end as `stopped`; the page should say what the store knows.
      for (const run of attached.runs)
        if (run.status === 'failed' || run.status === 'interrupted') server.endRun(run.id, run.status);
      // Listening for the signals before saying where the page is: whoever reads that line may stop us.
      const signalled = new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      process.stderr.write(`gradstream: ${attached.runs.length} stored run(s) at ${server.url}\n`);
      await signalled;
      await server.close();
    });
}
