// `gradstream lab NAME`: runs one of chapter 6's experiments (src/labs), live on the dashboard unless
// --no-dashboard, and writes its results page, figures, seed and config into --out. A lab whose runs
// are all recorded in the store shows them on a standing dashboard of that store when one runs.

import { resolve } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { LAB_NAMES, LABS, type LabName } from '../labs/registry.js';
import { checkLabQueue, runLab } from '../labs/run-lab.js';
import { maskUrl, parseQueueUrl } from '../queue/queue-url.js';
import { type DashboardServer, startDashboardServer } from '../server/dashboard-server.js';
import { storeAt } from '../store/database.js';
import { RunStore } from '../store/run-store.js';
import { addWaitFlags } from './flags.js';
import { endPage, keepPageFor, shouldKeepPage } from './keep-page.js';
import { listenError } from './run-job.js';

const integer = (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n)) throw new InvalidArgumentError('must be an integer');
  return n;
};

/** `key=value`, the value read as JSON when it parses (numbers, arrays, objects), else as text. */
const setting = (value: string, previous: Record<string, unknown> = {}): Record<string, unknown> => {
  const at = value.indexOf('=');
  if (at < 1) throw new InvalidArgumentError('must be key=value, e.g. steps=500 or scales=[1,0.1]');
  const raw = value.slice(at + 1);
  let parsed: unknown = raw;
  try {
    parsed = JSON.parse(raw);
  } catch {
    // Not JSON: a plain word such as a function name.
  }
  return { ...previous, [value.slice(0, at)]: parsed };
};

/** `EPOCHS:ACCURACY`, e.g. `10:0.2`: stop trials below 20% validation accuracy after 10 epochs. */
const earlyStop = (value: string) => {
  const [afterEpochs, minAccuracy] = value.split(':').map(Number);
  if (!Number.isInteger(afterEpochs) || !(minAccuracy >= 0 && minAccuracy <= 1))
    throw new InvalidArgumentError('must be EPOCHS:ACCURACY, e.g. 10:0.2');
  return { afterEpochs, minAccuracy };
};

interface LabFlags {
  quick?: boolean;
  seed: number;
  out?: string;
  store: string;
  workers: number;
  concurrency?: number;
  dashboard: boolean;
  host: string;
  port: number;
  wait?: boolean;
  set?: Record<string, unknown>;
  function?: string;
  steps?: number;
  epochs?: number;
  trials?: number;
  earlyStop?: { afterEpochs: number; minAccuracy: number };
  queue?: string;
  data?: string;
  label?: string;
}

/** The lab settings the flags ask for (the shortcuts, then every `--set`). */
function settings(flags: LabFlags): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (flags.function !== undefined) out.fn = flags.function;
  if (flags.steps !== undefined) out.steps = flags.steps;
  if (flags.epochs !== undefined) out.epochs = flags.epochs;
  if (flags.trials !== undefined) out.trials = flags.trials;
  if (flags.earlyStop !== undefined) out.earlyStop = flags.earlyStop;
  if (flags.data !== undefined || flags.label !== undefined) {
    if (flags.data === undefined || flags.label === undefined)
      throw new InvalidArgumentError('--data and --label go together: a CSV table and its label column(s)');
    out.table = { path: resolve(flags.data), label: flags.label };
  }
  return { ...out, ...flags.set };
}

function listLabs(): string {
  const width = Math.max(...LAB_NAMES.map((n) => n.length));
  return LAB_NAMES.map((n) => `  ${n.padEnd(width)}  ${LABS[n].description}`).join('\n');
}

/** Adds `lab` to the program. */
export function registerLabCommand(program: Command): void {
  const command = program
    .command('lab')
    .argument('[name]', `the lab: ${LAB_NAMES.join(', ')} (none: list them)`)
    .description("run one of chapter 6's experiments and write its results table and figures")
    .option('--quick', 'the shortened form (fewer steps, epochs and trials)')
    .option('--seed <n>', 'seed of every random choice', integer, 1)
    .option('--out <dir>', 'output folder (default <store>/labs/<lab>-<timestamp>)')
    .option('--store <dir>', 'run store folder', 'runs')
    .option('--workers <n>', 'worker threads per training run', integer, 1)
    .option(
      '--concurrency <n>',
      'training runs at once (default: cores / workers; with --queue, 32 jobs at once)',
      integer,
    )
    .option('--set <key=value>', 'a lab setting, e.g. --set scales=[1,0.01] (repeatable)', setting)
    .option('--function <name>', 'optimizers-2d: bowl, rosenbrock or beale')
    .option('--steps <n>', 'optimizers-2d / optimizers-mnist / weight-init: steps', integer)
    .option('--epochs <n>', 'batch-norm / overfitting / hyperparameter-search: epochs', integer)
    .option('--trials <n>', 'hyperparameter-search: trials', integer)
    .option(
      '--data <file.csv>',
      'hyperparameter-search: search on this CSV table instead of MNIST (with --label)',
    )
    .option('--label <columns>', 'hyperparameter-search: the table’s label column(s), as for train')
    .option(
      '--early-stop <epochs:accuracy>',
      'hyperparameter-search: stop hopeless trials, e.g. 10:0.2',
      earlyStop,
    )
    .option(
      '--queue <url>',
      'put the runs on a job queue (redis://[user:pass@]host[:port]) for `gradstream worker`s (hyperparameter-search)',
    )
    .option('--no-dashboard', 'run headless')
    .option('--host <address>', 'dashboard address (others than loopback need a token)', '127.0.0.1')
    .option('--port <n>', 'dashboard port, 0 for any free one', integer, 8080);
  addWaitFlags(command).action(async (name: string | undefined, flags: LabFlags) => {
    if (name === undefined) {
      process.stdout.write(`labs:\n${listLabs()}\n`);
      return;
    }
    if (!LAB_NAMES.includes(name as LabName)) {
      throw new InvalidArgumentError(`unknown lab "${name}"; allowed: ${LAB_NAMES.join(', ')}`);
    }
    await runLabCommand(name as LabName, flags);
  });
}

/** The URL of a standing dashboard (`gradstream dashboard`) serving the store in `dir`, if any. */
function standingDashboard(dir: string): string | undefined {
  if (storeAt(dir) !== 'store') return undefined; // no store yet: nobody can be serving it
  const store = RunStore.open({ dir });
  try {
    return store.standingDashboards()[0]?.url;
  } finally {
    store.close();
  }
}

/**
 * The page that shows the lab: none when headless or when a standing dashboard on the store shows
 * the lab's runs (it follows the store, so only a lab that records every run it shows qualifies:
 * the others' runs, e.g. optimizers-2d's paths, exist only in this process), else one of its own.
 */
async function labDashboard(
  name: LabName,
  flags: LabFlags,
  log: (line: string) => void,
): Promise<DashboardServer | undefined> {
  if (!flags.dashboard) return undefined;
  const standing = LABS[name].recordsRuns ? standingDashboard(flags.store) : undefined;
  if (standing) {
    log(`gradstream: lab ${name}: its runs are on the standing dashboard at ${standing}`);
    return undefined;
  }
  const { host, port } = flags;
  const dashboard = await startDashboardServer({ host, port, control: true, log }).catch((error: unknown) => {
    throw listenError(error, host, port); // a port in use: one line naming it, not a trace
  });
  log(`gradstream: dashboard at ${dashboard.url}`);
  return dashboard;
}

/** The command line as the results page shows it: a queue URL's credentials masked. */
function shownCommand(name: LabName): string {
  const args = process.argv.slice(process.argv.indexOf(name) + 1);
  const shown = args.map((arg, i) =>
    args[i - 1] === '--queue'
      ? maskUrl(arg)
      : arg.startsWith('--queue=')
        ? `--queue=${maskUrl(arg.slice(8))}`
        : arg,
  );
  return ['gradstream lab', name, ...shown].join(' ');
}

async function runLabCommand(name: LabName, flags: LabFlags): Promise<void> {
  const log = (line: string) => process.stderr.write(`${line}\n`);
  checkLabQueue(name, flags.queue); // before any page or run
  // A queue that does not answer is said once (URL masked) and retried until it does or Ctrl-C,
  // rather than trials waiting silently.
  if (flags.queue) await (await import('./submit-job.js')).reachable(parseQueueUrl(flags.queue));
  const dashboard = await labDashboard(name, flags, log);
  const keep = shouldKeepPage(flags.wait);
  const abort = new AbortController();
  const onSignal = () => {
    if (abort.signal.aborted) process.exit(130);
    log('gradstream: stopping the lab after the current steps (again to force exit)');
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let result: Awaited<ReturnType<typeof runLab>>;
  try {
    result = await runLab(name, {
      quick: flags.quick,
      seed: flags.seed,
      out: flags.out,
      storeDir: flags.store,
      workers: flags.workers,
      concurrency: flags.concurrency,
      config: settings(flags),
      dashboard,
      log,
      signal: abort.signal,
      queue: flags.queue,
      command: shownCommand(name),
    });
  } catch (error) {
    // The page may stay for the error's line (main.ts prints it, then `pageAfterOutcomeLine`).
    throw await keepPageFor(error, dashboard, keep, log);
  } finally {
    // From here the next Ctrl-C is the page's (keep-page.ts), not a stop of the lab.
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  process.stdout.write(`${result.markdown}\n`);
  log(
    `gradstream: lab ${name} ${abort.signal.aborted ? 'stopped' : 'done'} in ${(result.elapsedMs / 1000).toFixed(1)} s; results in ${result.outDir}`,
  );
  if (abort.signal.aborted) process.exitCode = 130;
  await endPage(dashboard, keep, log);
}
