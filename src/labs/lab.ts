// The vocabulary every lab shares: what a lab receives (its context), what it returns (tables,
// figures, raw data), and how it is described to the registry and the CLI.

import type { Observable } from 'rxjs';
import type { Dataset } from '../data/dataset.js';
import type { RunController } from '../pipeline/controller.js';
import type { PathPoint, PathSurface } from '../protocol/run-data.js';
import type { TrainEvent } from '../train/events.js';

/** The part of the dashboard server a lab uses (a `DashboardServer` fits). */
export interface LabDashboard {
  attachRun(runId: string, events$: Observable<TrainEvent>, controller?: RunController): void;
  attachPath(runId: string, surface: PathSurface, points$: Observable<PathPoint>): void;
}

/** MNIST as the labs use it. */
export interface MnistSets {
  readonly train: Dataset;
  readonly test: Dataset;
}

/** What `runLab` hands a lab. */
export interface LabContext {
  /** Seeds every random choice of the lab (inits, shuffles, dropout, trial sampling). */
  readonly seed: number;
  /** Worker threads per training run. */
  readonly workers: number;
  /** Training runs at once. */
  readonly concurrency: number;
  /** The run store folder (the hyperparameter search records its trials there). */
  readonly storeDir: string;
  /** Where live runs are shown; undefined when headless. */
  readonly dashboard: LabDashboard | undefined;
  /** Prefix of dashboard run ids (default: the lab's name), so several labs can share a server. */
  readonly runIdPrefix: string;
  /** Progress lines (stderr in the CLI). */
  readonly log: (line: string) => void;
  /** MNIST, loaded once on first use. */
  mnist(): MnistSets;
  /** When aborted, running trainings stop after their current step and pending ones are skipped. */
  readonly signal: AbortSignal | undefined;
  /** Records a training run that failed, so the results page says so above its tables. */
  reportFailure(runId: string, error: string): void;
  /**
   * The job queue's Redis URL when the lab's runs go on a queue (`--queue`): each run with a `job`
   * config trains on whichever `gradstream worker` takes it. Undefined: every run trains here.
   */
  readonly queue?: string;
}

/** A figure a lab produced: the file name in the output folder, its caption and the SVG text. */
export interface LabFigure {
  readonly file: string;
  readonly caption: string;
  readonly svg: string;
}

/** What a lab returns to `runLab`, which writes it to the output folder. */
export interface LabOutput<D> {
  /** Markdown sections (tables and a sentence on what they show), without the page title. */
  readonly markdown: string;
  readonly figures: readonly LabFigure[];
  /** The numbers behind the tables and figures (written as results.json). */
  readonly data: D;
}

/** A lab: its name, a one-line description, defaults (full-length or quick) and the experiment. */
export interface LabDefinition<C, D> {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  /** The book's full-length setting, or a shortened one for tests and a first look. */
  defaults(quick: boolean): C;
  /** Settings that may be given although the defaults leave them unset (e.g. `trainLimit`). */
  readonly optionalKeys?: readonly string[];
  /**
   * True when every run the lab shows is recorded in the run store (`LabRun.record`): a standing
   * dashboard on that store (`gradstream dashboard`) then shows them, and `gradstream lab` starts no
   * page of its own. Default false: the lab's runs live only on a page it serves.
   */
  readonly recordsRuns?: boolean;
  /**
   * Present when the lab's runs can go on a job queue (each run a `train` config, `LabRun.job`): the
   * settings that differ there, merged over the defaults and under the user's own. Absent: the lab
   * refuses `--queue` (its runs, e.g. optimizer paths on a 2D function, are not `train` runs).
   */
  readonly queueDefaults?: Partial<C>;
  /** Checks a (merged) config, throwing `ERR_INVALID_OPTION` naming the field. */
  validate(config: C): C;
  run(config: C, ctx: LabContext): Promise<LabOutput<D>>;
}
