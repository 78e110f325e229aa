// `gradstream dashboard`: serves the stored runs on the dashboard page without training.

import type { Command } from 'commander';
import { from } from 'rxjs';
import { startDashboardServer } from '../server/dashboard-server.js';
import { RunStore } from '../store/run-store.js';
import { storedRunEvents } from '../store/stored-events.js';

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
      const store = RunStore.open({ dir: options.store, readonly: true });
      const runs = store.listRuns({ limit: Number(options.limit) });
      const server = await startDashboardServer({ host: options.host, port: Number(options.port) });
      for (const run of runs) server.attachRun(run.id, from(storedRunEvents(store, run)));
      store.close();
      process.stderr.write(`gradstream: ${runs.length} stored run(s) at ${server.url}\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.close();
    });
}
