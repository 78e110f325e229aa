// `gradstream train`: flags (and an optional JSON/YAML config file, which flags override) → one
// validated config → the job. The flags come from the option table (see flags.ts). Every problem
// is reported before any work, and exits 2.

import type { Command } from 'commander';
import { loadConfigFile, mergeConfig } from '../config/load.js';
import { validateConfig } from '../config/validate.js';
import { finish } from './finish.js';
import { addOptionFlags, addWaitFlags, flagOverrides } from './flags.js';
import { pageAfterOutcomeLine } from './keep-page.js';
import { ConfigProblems } from './problems.js';
import { runJob } from './run-job.js';

/** Adds `train` to the program. */
export function registerTrainCommand(program: Command): void {
  const command = program
    .command('train')
    .description('train an MLP (default: on real MNIST, with the live dashboard) and store the run')
    .option('--config <file>', 'JSON or YAML config file; flags override it');
  addOptionFlags(command).option('--json', 'print every event as a JSON line on stdout');
  // Not a table row: how this process runs the job, not part of the run; its credentials must never
  // reach the store.
  command.option(
    '--queue <url>',
    'train on a gradstream worker through this Redis queue (redis://[user:password@]host[:port][/db]) ' +
      "and follow the run from here; its data paths are the worker's (see --data-root there)",
  );
  addWaitFlags(command).action(async (_options, cmd: Command) => {
    const file = cmd.opts().config as string | undefined;
    const { json, wait, queue } = cmd.opts() as { json?: boolean; wait?: boolean; queue?: string };
    const base = file ? loadConfigFile(file) : {};
    // A queued run's data files are on the worker, which checks them when it takes the run.
    const result = validateConfig(mergeConfig(base, flagOverrides(cmd)), { checkFiles: queue === undefined });
    if (!result.ok) throw new ConfigProblems(result.problems);
    const output = { json: Boolean(json), wait };
    const outcome =
      queue === undefined
        ? await runJob({ config: result.config, output })
        : // The queue's code (BullMQ, ioredis) loads only when a run goes on a queue.
          await (await import('./submit-job.js')).submitJob({ config: result.config, queue, output });
    finish(outcome);
    await pageAfterOutcomeLine(outcome);
  });
}
