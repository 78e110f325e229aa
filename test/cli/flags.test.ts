// The train flags are derived from the option table: every row with a flag becomes a commander
// option, and the flags typed become config overrides at the row's path.

import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addOptionFlags, flagOverrides } from '../../src/cli/flags.js';
import { optionRows } from '../../src/config/options.js';
import { validateConfig } from '../../src/config/validate.js';

function parse(args: string[]): Command {
  const command = addOptionFlags(new Command('train').exitOverride().configureOutput({ writeErr: () => {} }));
  command.parse(args, { from: 'user' });
  return command;
}

describe('train flags from the option table', () => {
  it('has one flag per table row that declares one, with the row’s description and default in its help', () => {
    const command = addOptionFlags(new Command('train'));
    const flagged = optionRows().filter((r) => r.option.flag);
    expect(command.options.map((o) => o.flags)).toEqual(flagged.map((r) => r.option.flag!.flags));
    const help = command.helpInformation().replace(/\s+/g, ' ');
    expect(help).toMatch(/--batch-size <n>\s+samples per step \(default 100\)/);
    expect(help).toMatch(/--workers <n>\s+worker threads \(default 2\)/);
    expect(help).toMatch(
      /--hidden <sizes>\s+hidden layer sizes, comma-separated \(default \[100, 100\] unless sizes is given\)/,
    );
  });

  it('turns only the flags typed into overrides at their config paths', () => {
    const overrides = flagOverrides(
      parse([
        '--batch-size',
        '50',
        '--hidden',
        '10,20',
        '--init',
        '0.01',
        '--no-dashboard',
        '--lr',
        '0.1',
        '--skip-input-zeros',
        'false',
        '--checkpoint-every',
        '7',
        '--data',
        'some/dir',
      ]),
    );
    expect(overrides).toEqual({
      batchSize: 50,
      model: { hidden: [10, 20], init: { std: 0.01 } },
      dashboard: { enabled: false },
      optimizer: { lr: 0.1 },
      skipInputZeros: false,
      checkpoint: { everySteps: 7 },
      data: { dir: 'some/dir' },
    });
    expect(flagOverrides(parse([]))).toEqual({});
  });

  it('leaves range checks to the schema, which names the field', () => {
    const result = validateConfig(flagOverrides(parse(['--batch-size', '0', '--lookahead', '99'])), {
      checkFiles: false,
    });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems).toEqual([
        'batchSize: must be an integer ≥ 1, got 0',
        'lookahead: must be an integer in [1, 64], got 99',
      ]);
    }
  });

  it('rejects text that is no number at the flag itself', () => {
    expect(() => parse(['--batch-size', 'abc'])).toThrow(/--batch-size <n>.*must be a number/);
    expect(() => parse(['--mode', 'fast'])).toThrow(/Allowed choices are sync, async/);
  });
});
