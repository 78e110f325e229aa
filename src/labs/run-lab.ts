// runLab(name, options): resolves a lab's config (full-length or quick, plus overrides), runs it, and
// writes its results page, figures, raw numbers, seed and config into the output folder.

import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { loadMnist } from '../data/mnist.js';
import { checkNumber, GradstreamError, invalidOption, unknownKind } from '../errors.js';
import { parseQueueUrl } from '../queue/queue-url.js';
import type { LabDashboard, LabDefinition, MnistSets } from './lab.js';
import { LAB_NAMES, LABS, type LabConfig, type LabData, type LabName } from './registry.js';

/** Options of {@link runLab}. */
export interface RunLabOptions<N extends LabName> {
  /** The shortened form (fewer steps, epochs, trials) instead of the book's full length. Default false. */
  readonly quick?: boolean;
  /** Seeds everything random in the lab. Default 1. */
  readonly seed?: number;
  /** Overrides of the lab's settings (see each lab's config type). */
  readonly config?: Partial<LabConfig<N>>;
  /** Output folder. Default `<storeDir>/labs/<lab>-<timestamp>`. */
  readonly out?: string;
  /** The run store folder. Default `runs`. */
  readonly storeDir?: string;
  /** Worker threads per training run. Default 1. */
  readonly workers?: number;
  /** Training runs at once. Default: the machine's cores divided by `workers`; with a queue, 32 (jobs waiting at once). */
  readonly concurrency?: number;
  /** Shows the lab's runs live (e.g. a `DashboardServer`). Default: none. */
  readonly dashboard?: LabDashboard;
  /** Prefix of dashboard run ids. Default: the lab's name. */
  readonly runIdPrefix?: string;
  /** Progress lines. Default: none. */
  readonly log?: (line: string) => void;
  /** MNIST to use instead of loading it (tests share one copy). */
  readonly mnist?: MnistSets;
  /** Shown at the top of the results page, e.g. the command line that produced it. */
  readonly command?: string;
  /** Aborting stops the lab's trainings after their current step; the results written are partial. */
  readonly signal?: AbortSignal;
  /**
   * A job queue's Redis URL: the lab's runs go on it as jobs for `gradstream worker`s (only labs whose
   * runs are `train` configs; the others refuse it). Default: every run trains here.
   */
  readonly queue?: string;
}

/** What {@link runLab} returns. */
export interface LabResult<N extends LabName> {
  readonly name: N;
  readonly outDir: string;
  /** Absolute paths of every file written: results.md, config.json, results.json, the figures. */
  readonly files: readonly string[];
  readonly config: LabConfig<N>;
  readonly data: LabData<N>;
  readonly markdown: string;
  readonly elapsedMs: number;
}

/** The settings a lab has: its defaults' keys (full and quick) and its optional ones. */
export function labKeys(name: LabName): string[] {
  const lab = LABS[name] as unknown as LabDefinition<object, unknown>;
  const keys = [
    ...Object.keys(lab.defaults(false)),
    ...Object.keys(lab.defaults(true)),
    ...(lab.optionalKeys ?? []),
  ];
  return [...new Set(keys)];
}

/** Refuses a setting the lab does not have (a typo would otherwise be silently ignored). */
function checkKeys(lab: LabDefinition<object, unknown>, config: object): void {
  const keys = labKeys(lab.name as LabName);
  for (const key of Object.keys(config)) {
    if (!keys.includes(key)) invalidOption(lab.name, 'setting', `one of ${keys.join(', ')}`, key);
  }
}

/** The labs whose runs can go on a job queue. */
export function queueableLabs(): LabName[] {
  return LAB_NAMES.filter((n) => (LABS[n] as { queueDefaults?: object }).queueDefaults !== undefined);
}

/**
 * Checks a lab's queue before any work: the URL's form (credentials masked in the message), and that
 * the lab's runs can go on a queue (not optimizer paths on a 2D function, …): one line saying so.
 */
export function checkLabQueue(name: LabName, queue: string | undefined): void {
  if (queue === undefined) return;
  parseQueueUrl(queue);
  if ((LABS[name] as { queueDefaults?: object }).queueDefaults) return;
  throw new GradstreamError(
    'ERR_INVALID_OPTION',
    `lab ${name}: --queue is not available: its runs cannot go on a job queue (labs that can: ${queueableLabs().join(', ')})`,
    { cause: { where: 'runLab', field: 'queue' } },
  );
}

/** `20250131-142501`: sortable, and valid in any file system. */
function timestamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
}

/**
 * Runs lab `name` and writes its results into the output folder.
 *
 * @example
 * const { data, files } = await runLab('optimizers-2d', { out: 'labs-output/2d' });
 * data.paths.map((p) => p.ySignChanges); // SGD zig-zags: 30, Momentum: 4
 */
export async function runLab<N extends LabName>(
  name: N,
  options: RunLabOptions<N> = {},
): Promise<LabResult<N>> {
  if (!LAB_NAMES.includes(name)) unknownKind('runLab', 'lab', name, LAB_NAMES);
  const lab = LABS[name] as unknown as LabDefinition<LabConfig<N>, LabData<N>>;
  const quick = options.quick ?? false;
  const { queue } = options;
  checkLabQueue(name, queue);
  const seed = checkNumber('runLab', 'seed', options.seed ?? 1, { integer: true });
  const workers = checkNumber('runLab', 'workers', options.workers ?? 1, { min: 1, max: 64, integer: true });
  // On a queue the runs train elsewhere: enough jobs waiting at once to keep many workers busy.
  const concurrency = checkNumber(
    'runLab',
    'concurrency',
    options.concurrency ?? (queue ? 32 : Math.max(1, Math.floor(availableParallelism() / workers))),
    { min: 1, max: 256, integer: true },
  );
  checkKeys(lab as unknown as LabDefinition<object, unknown>, options.config ?? {});
  const defaults = Object.assign({}, lab.defaults(quick), queue ? lab.queueDefaults : {});
  const config = lab.validate(Object.assign(defaults, options.config) as LabConfig<N>);
  const storeDir = resolve(options.storeDir ?? 'runs');
  const started = new Date();
  const outDir = resolve(options.out ?? join(storeDir, 'labs', `${name}-${timestamp(started)}`));
  let mnist = options.mnist;
  const failures: string[] = [];
  if (queue)
    options.log?.(`gradstream: lab ${name}: its runs go on the queue at ${parseQueueUrl(queue).shown}`);
  const output = await lab.run(config, {
    seed,
    workers,
    concurrency,
    storeDir,
    dashboard: options.dashboard,
    runIdPrefix: options.runIdPrefix ?? name,
    log: options.log ?? (() => {}),
    signal: options.signal,
    reportFailure: (runId, error) => failures.push(`${runId}: ${error}`),
    queue,
    mnist: () => {
      mnist ??= loadMnist();
      return mnist;
    },
  });
  const elapsedMs = Date.now() - started.getTime();
  mkdirSync(outDir, { recursive: true });
  const write = (file: string, content: string) => {
    const path = join(outDir, file);
    writeFileSync(path, content);
    return path;
  };
  const figures = output.figures.map((f) => write(f.file, f.svg));
  const header = [
    `# ${lab.title}`,
    '',
    `${options.command ? `\`${options.command}\` · ` : ''}seed ${seed}${quick ? ' · quick' : ''} · ` +
      `${started.toISOString()} · ${(elapsedMs / 1000).toFixed(1)} s`,
    '',
  ];
  const images = output.figures.flatMap((f) => [`![${f.caption}](${f.file})`, '']);
  // A failed run would otherwise only show as a gap or a zero in the tables.
  const stopped = options.signal?.aborted ? ['**Stopped before the end: the results are partial.**', ''] : [];
  const warning =
    failures.length > 0
      ? [`**${failures.length} training run(s) failed:**`, '', ...failures.map((f) => `- ${f}`), '']
      : [];
  const markdown = [
    ...header,
    ...stopped,
    ...warning,
    output.markdown,
    '',
    ...images,
    'Seed and settings: `config.json`; the numbers behind the figures: `results.json`.',
    '',
  ].join('\n');
  const meta = {
    lab: name,
    seed,
    quick,
    workers,
    concurrency,
    ...(queue ? { queue: parseQueueUrl(queue).shown } : {}),
    config,
    started: started.toISOString(),
    elapsedMs,
    node: process.version,
  };
  const files = [
    write('results.md', markdown),
    write('config.json', `${JSON.stringify(meta, null, 2)}\n`),
    write('results.json', `${JSON.stringify(output.data)}\n`),
    ...figures,
  ];
  return { name, outDir, files, config, data: output.data, markdown, elapsedMs };
}
