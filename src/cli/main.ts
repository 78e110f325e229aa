#!/usr/bin/env node
// The `gradstream` command line (commander): train, resume, runs, dashboard, export, predict, lab. Bad input exits 2.

import { Command, CommanderError } from 'commander';
import { GradstreamError } from '../errors.js';
import { registerDashboardCommand } from './dashboard-command.js';
import { registerExportCommand } from './export-command.js';
import { pageAfterOutcomeLine } from './keep-page.js';
import { registerLabCommand } from './lab-command.js';
import { registerPredictCommand } from './predict-command.js';
import { ConfigProblems } from './problems.js';
import { registerResumeCommand } from './resume-command.js';
import { registerRunsCommands } from './runs-command.js';
import { registerTrainCommand } from './train-command.js';
import { registerWorkerCommand } from './worker-command.js';

const program = new Command('gradstream')
  .description(
    'Train neural networks in Node.js as reactive streams (chapter 6 of Deep Learning from Scratch).',
  )
  .exitOverride(); // inherited by the commands below, so bad flags reach the catch and exit 2

registerTrainCommand(program);
registerResumeCommand(program);
registerRunsCommands(program);
registerDashboardCommand(program);
registerExportCommand(program);
registerPredictCommand(program);
registerLabCommand(program);
registerWorkerCommand(program);
oneLineErrors(program, 'gradstream');

/**
 * Commander's own errors (unknown option, bad flag value, missing argument) as one line naming the
 * command's `--help`, instead of the error followed by the whole usage (44+ lines for `train`).
 */
function oneLineErrors(command: Command, path: string): void {
  command.configureOutput({
    outputError: (message, write) =>
      write(
        `gradstream: ${message
          .replace(/^error: /, '')
          .replace(/\s*\n\s*/g, ' ')
          .trim()} (see '${path} --help')\n`,
      ),
  });
  for (const sub of command.commands) oneLineErrors(sub, `${path} ${sub.name()}`);
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  if (error instanceof ConfigProblems) {
    for (const line of error.problems) process.stderr.write(`gradstream: ${line}\n`);
    process.exit(2);
  }
  if (error instanceof GradstreamError) {
    process.stderr.write(`gradstream: ${error.message}\n`);
    await pageAfterOutcomeLine(error); // a failed run's page may stay until Ctrl-C (keep-page.ts)
    // A run that failed exits 1; bad input (a config, a store, a checkpoint) exits 2.
    const failed =
      error.code === 'ERR_NON_FINITE' ||
      error.code === 'ERR_WORKER' ||
      error.code === 'ERR_WRITE' ||
      error.code === 'ERR_QUEUE';
    process.exit(failed ? 1 : 2);
  }
  throw error;
}
