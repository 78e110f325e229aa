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
  addWaitFlags(command).action(async (_options, cmd: Command) => {
    const file = cmd.opts().config as string | undefined;
    const base = file ? loadConfigFile(file) : {};
    const result = validateConfig(mergeConfig(base, flagOverrides(cmd)), { checkFiles: true });
    if (!result.ok) throw new ConfigProblems(result.problems);
    const { json, wait } = cmd.opts() as { json?: boolean; wait?: boolean };
    const outcome = await runJob({ config: result.config, output: { json: Boolean(json), wait } });
    finish(outcome);
    await pageAfterOutcomeLine(outcome);
  });
}
