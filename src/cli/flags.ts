// The `train` flags, derived from the option table: one commander option per row that has a flag,
// its help from the row's description and default, and the config overrides of the flags typed.

import { type Command, InvalidArgumentError, Option } from 'commander';
import type { ConfigObject } from '../config/load.js';
import { type OptionRow, optionRows } from '../config/options.js';

/** The rows with a flag, each with the commander option made from it. */
function flagOptions(): { readonly row: OptionRow; readonly option: Option }[] {
  return optionRows()
    .filter((row) => row.option.flag !== undefined)
    .map((row) => {
      const { option } = row;
      const flag = option.flag!;
      const fallback =
        option.default !== undefined && !flag.flags.startsWith('--no-')
          ? ` (default ${Array.isArray(option.default) ? option.default.join(',') : String(option.default)})`
          : option.derivedDefault !== undefined
            ? ` (default ${option.derivedDefault.replaceAll('`', '')})`
            : '';
      const help = (flag.help ?? option.description).replaceAll('`', '');
      const made = new Option(flag.flags, `${help}${fallback}`);
      if (flag.choices) made.choices([...flag.choices]);
      const parse = flag.parse;
      if (parse) {
        made.argParser((value: string) => {
          try {
            return parse(value);
          } catch (error) {
            throw new InvalidArgumentError((error as Error).message);
          }
        });
      }
      return { row, option: made };
    });
}

/** Adds every table option that has a flag to `command`, in table order. */
export function addOptionFlags(command: Command): Command {
  for (const { option } of flagOptions()) command.addOption(option);
  return command;
}

/**
 * `--wait` / `--no-wait`: whether a dashboard the command started stays up after the run until
 * Ctrl-C (neither given: when stdin is a terminal; see keep-page.ts). Not a table row: it is how this
 * process ends, not part of the run (a resumed run must not inherit it). Shared by `train`,
 * `resume` and `lab`; the value is `true`, `false` or undefined.
 */
export function addWaitFlags(command: Command): Command {
  return command
    .option(
      '--wait',
      'keep the dashboard up after the run, however it ends, until Ctrl-C (default on a terminal)',
    )
    .option('--no-wait', 'close the dashboard when the run ends');
}

/** The config overrides of the flags the user typed (defaults are the table's, not commander's). */
export function flagOverrides(command: Command): ConfigObject {
  const out: Record<string, unknown> = {};
  const values = command.opts();
  for (const { row, option } of flagOptions()) {
    const key = option.attributeName();
    if (command.getOptionValueSource(key) !== 'cli') continue;
    const keys = row.path.split('.');
    let node = out;
    for (const part of keys.slice(0, -1)) {
      node[part] ??= {};
      node = node[part] as Record<string, unknown>;
    }
    node[keys.at(-1)!] = values[key];
  }
  return out;
}
