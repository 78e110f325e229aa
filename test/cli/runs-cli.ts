// A tiny CLI entry for runs-command.test.ts: a Command with only the runs commands, and the same
// error handling as src/cli/main.ts (bad input and GradstreamErrors exit 2).

import { Command, CommanderError } from 'commander';
import { registerRunsCommands } from '../../src/cli/runs-command.js';
import { GradstreamError } from '../../src/errors.js';

const program = new Command('gradstream').exitOverride();
registerRunsCommands(program);
try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
  if (error instanceof GradstreamError) {
    process.stderr.write(`gradstream: ${error.message}\n`);
    process.exit(2);
  }
  throw error;
}
