// `gradstream runs list | show RUN | export RUN --csv | rm RUN`: the run store from the command line.
// An unknown run, a damaged or read-only store, or a refused removal is a GradstreamError, which
// the CLI's entry point turns into one line and exit code 2. Reading commands open the store
// read-only, so they work on a store this user may not write.

import { rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Command, Option } from 'commander';
import { DEFAULTS } from '../config/schema.js';
import type { Preprocessing } from '../data/preprocessing.js';
import { GradstreamError } from '../errors.js';
import { checkpointDir, latestCheckpoint } from '../store/checkpoint.js';
import { DB_FILE, storeAt } from '../store/database.js';
import { describeLease } from '../store/lease.js';
import {
  checkRunRef,
  RUN_STATUSES,
  type RunRecord,
  type RunStatus,
  unknownRun,
} from '../store/run-record.js';
import { RunStore } from '../store/run-store.js';
import { significant } from './eval-text.js';
import { formatDuration, formatNumber, formatTable, formatTime, positiveInt } from './table.js';

function storeOption(): Option {
  return new Option('--store <dir>', 'run store folder').default(DEFAULTS.store.dir);
}

/** Opens the store, or returns undefined when the folder holds none (nothing is created). */
function openStore(dir: string, readonly: boolean): RunStore | undefined {
  if (storeAt(dir) !== 'store') return undefined;
  return RunStore.open({ dir, readonly });
}

function withRun<T>(
  dir: string,
  ref: string,
  readonly: boolean,
  use: (store: RunStore, run: RunRecord) => T,
): T {
  checkRunRef(ref);
  const store = openStore(dir, readonly);
  if (!store)
    throw unknownRun(
      ref,
      `${resolve(dir)} (no run store there: ${join(resolve(dir), DB_FILE)} does not exist)`,
    );
  try {
    const run = store.findRun(ref);
    if (!run) throw unknownRun(ref, store.file);
    return use(store, run);
  } finally {
    store.close();
  }
}

/** The status as listed: a damaged row says so (shortly: `runs show` and `--json` give the detail). */
const statusCell = (run: RunRecord): string =>
  run.damaged === undefined ? run.status : `damaged: ${run.damaged.replace(/ \(.*$/, '')}`;

const duration = (run: RunRecord) => formatDuration((run.endedAt ?? run.updatedAt) - run.createdAt);

function listRuns(o: { store: string; status?: RunStatus; limit?: number; json?: boolean }): void {
  const store = openStore(o.store, true);
  let runs: RunRecord[] = [];
  try {
    runs = store?.listRuns({ status: o.status, limit: o.limit }) ?? [];
  } finally {
    store?.close();
  }
  if (o.json) return void process.stdout.write(`${JSON.stringify(runs, null, 2)}\n`);
  if (runs.length === 0) return void process.stdout.write(`no runs in ${resolve(o.store)}\n`);
  const rows = runs.map((r) => {
    const m = r.finalMetrics ?? {};
    const accuracy = m['validation.accuracy'];
    const rmse = m['validation.rmse'];
    return [
      r.id,
      r.name ?? '',
      statusCell(r),
      formatNumber(m.steps),
      formatNumber(m.loss),
      typeof accuracy === 'number'
        ? `${(100 * accuracy).toFixed(2)}%`
        : typeof rmse === 'number'
          ? `RMSE ${significant(rmse)}`
          : '—',
      formatTime(r.createdAt),
      duration(r),
    ];
  });
  const headers = ['ID', 'NAME', 'STATUS', 'STEPS', 'LOSS', 'VAL ACC/RMSE', 'CREATED', 'DURATION'];
  const align = ['left', 'left', 'left', 'right', 'right', 'right', 'left', 'right'] as const;
  process.stdout.write(`${formatTable(headers, rows, align)}\n`);
}

/** A run's fitted table preprocessing, from its newest readable checkpoint (CSV runs), and that step. */
function storedPreprocessing(
  storeDir: string,
  runId: string,
): { step: number; p: Preprocessing } | undefined {
  try {
    const found = latestCheckpoint(checkpointDir(storeDir, runId), { fallback: true });
    const p = found?.checkpoint.preprocessing;
    return p && found ? { step: found.checkpoint.step, p } : undefined;
  } catch {
    return undefined; // no readable checkpoint: nothing to show
  }
}

/** The preprocessing as lines: one row a column (how it is encoded), then what the outputs are. */
function preprocessingLines(stored: { step: number; p: Preprocessing }): string[] {
  const { input, output } = stored.p;
  const rows =
    input.kind === 'scale'
      ? [['(pixels)', 'scale', `${input.features} values × ${input.scale}`]]
      : input.columns.map((c) =>
          c.kind === 'number'
            ? [c.name, 'number', `standardized: mean ${significant(c.mean)}, std ${significant(c.std)}`]
            : [c.name, 'category', `one-hot: ${c.values.join(', ')}`],
        );
  return [
    `preprocessing (checkpoint of step ${stored.step})`,
    formatTable(['COLUMN', 'KIND', 'ENCODING'], rows),
    `${output.kind === 'classes' ? 'classes' : 'targets'}: ${output.names.join(', ')}`,
    '',
  ];
}

function showRun(ref: string, o: { store: string; json?: boolean }): void {
  withRun(o.store, ref, true, (store, run) => {
    const summary = store.metricSummary(run.id);
    const stored = storedPreprocessing(o.store, run.id);
    if (o.json)
      return void process.stdout.write(
        `${JSON.stringify({ ...run, metrics: summary, ...(stored ? { preprocessing: stored.p } : {}) }, null, 2)}\n`,
      );
    const fields: [string, string][] = [
      ['run', run.id],
      ['name', run.name ?? '—'],
      ['status', statusCell(run) + (run.error ? ` (${run.error})` : '')],
      ...(run.damaged === undefined ? [] : [['damage', run.damaged] as [string, string]]),
      ...(run.lease
        ? [
            ['lease', `${describeLease(run.lease)}, until ${formatTime(run.lease.expiresAt)}`] as [
              string,
              string,
            ],
          ]
        : []),
      ['created', formatTime(run.createdAt)],
      ['ended', formatTime(run.endedAt)],
      ['duration', duration(run)],
      ['files', store.runDir(run.id)],
    ];
    const out = [formatTable(['FIELD', 'VALUE'], fields).split('\n').slice(1).join('\n'), ''];
    const final = Object.entries(run.finalMetrics ?? {});
    if (final.length > 0) {
      out.push(
        'final metrics',
        formatTable(
          ['NAME', 'VALUE'],
          final.map(([k, v]) => [k, formatNumber(v)]),
          ['left', 'right'],
        ),
        '',
      );
    }
    const metricRows = summary.map((s) => [
      s.name,
      String(s.count),
      `${s.firstStep}–${s.lastStep}`,
      formatNumber(s.last),
      formatNumber(s.min),
      formatNumber(s.max),
    ]);
    out.push(
      'metrics',
      metricRows.length === 0
        ? '(none recorded)'
        : formatTable(['NAME', 'POINTS', 'STEPS', 'LAST', 'MIN', 'MAX'], metricRows, [
            'left',
            'right',
            'right',
            'right',
            'right',
            'right',
          ]),
      '',
    );
    if (stored) out.push(...preprocessingLines(stored));
    out.push('config', JSON.stringify(run.config, null, 2));
    process.stdout.write(`${out.join('\n')}\n`);
  });
}

function exportRun(ref: string, o: { store: string; csv: boolean; out?: string }): void {
  withRun(o.store, ref, true, (store, run) => {
    const csv = store.exportCsv(run.id);
    if (o.out === undefined) process.stdout.write(csv);
    else {
      writeFileSync(o.out, csv);
      process.stderr.write(
        `wrote ${csv.split('\n').length - 2} metric points of run ${run.id} to ${resolve(o.out)}\n`,
      );
    }
  });
}

function removeRuns(
  refs: readonly string[],
  o: { store: string; keepFiles?: boolean; force?: boolean },
): void {
  for (const ref of refs) {
    withRun(o.store, ref, false, (store, run) => {
      if (run.status === 'running' && !o.force)
        throw new GradstreamError(
          'ERR_INVALID_OPTION',
          `run ${run.id} is running (${run.lease ? describeLease(run.lease) : 'leased'} holds a live lease); stop it first, or pass --force to remove it anyway`,
          { cause: { runId: run.id } },
        );
      store.deleteRun(run.id);
      if (!o.keepFiles) rmSync(store.runDir(run.id), { recursive: true, force: true });
      process.stdout.write(`removed run ${run.id}${o.keepFiles ? '' : ` and ${store.runDir(run.id)}`}\n`);
    });
  }
}

/**
 * Adds `runs` and its subcommands to `program`. A RUN argument is a run id, a unique id prefix or
 * a unique run name.
 *
 * @example
 * registerRunsCommands(program); // in src/cli/main.ts, before parseAsync
 */
export function registerRunsCommands(program: Command): Command {
  const runs = program.command('runs').description('list, inspect, export and delete stored runs');
  runs
    .command('list')
    .description('list the stored runs, newest first')
    .addOption(storeOption())
    .addOption(new Option('--status <status>', 'only runs with this status').choices(RUN_STATUSES))
    .option('--limit <n>', 'at most n runs', (value) => positiveInt('--limit', value))
    .option('--json', 'print JSON instead of a table')
    .action(listRuns);
  runs
    .command('show')
    .description('show one run: status, times, final metrics, metric summary and config')
    .argument('<run>', 'run id, unique id prefix, or unique name')
    .addOption(storeOption())
    .option('--json', 'print JSON instead of text')
    .action(showRun);
  runs
    .command('export')
    .description('export a run’s metrics as CSV (long format: step,name,value)')
    .argument('<run>', 'run id, unique id prefix, or unique name')
    .addOption(storeOption())
    .requiredOption('--csv', 'CSV format (the only one)')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(exportRun);
  runs
    .command('rm')
    .description('delete runs, their metrics and their checkpoint folders')
    .argument('<runs...>', 'run ids, unique id prefixes, or unique names')
    .addOption(storeOption())
    .option('--keep-files', 'keep the runs’ folders (checkpoints)')
    .option('--force', 'remove runs even while a live process trains them')
    .action(removeRuns);
  return runs;
}
