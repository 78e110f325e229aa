// A stand-in for src/cli/main.ts with only the lab command: parses argv as the real CLI does,
// so tests and the bench can run `gradstream lab …` before the command is registered there.

import { Command, CommanderError } from 'commander';
import { registerLabCommand } from '../../src/cli/lab-command.js';
import { GradstreamError } from '../../src/errors.js';

/** Runs `gradstream lab …` with these arguments; resolves with the exit code main.ts would use. */
export async function runLabCli(args: readonly string[]): Promise<number> {
  const program = new Command('gradstream').exitOverride().configureOutput({ writeErr: () => {} });
  registerLabCommand(program);
  try {
    await program.parseAsync(['node', 'gradstream', 'lab', ...args]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof GradstreamError) return 2;
    throw error;
  }
}

if (process.argv[1]?.endsWith('lab-cli.ts')) process.exitCode = await runLabCli(process.argv.slice(2));
