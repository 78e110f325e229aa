// One run as the dashboard server holds it: full-resolution history, plus cursors that split it into
// what has been broadcast (what a snapshot may contain) and what the next frame will carry.

import type { RunController } from '../pipeline/controller.js';
import type {
  EvalRow,
  HistogramData,
  PathColumns,
  PathPoint,
  PathSurface,
  StepColumns,
} from '../protocol/run-data.js';
import { STEP_COLUMNS } from '../protocol/run-data.js';
import type { RunInfo, RunState, RunUpdate } from '../protocol/server-messages.js';
import type { TrainEvent } from '../train/events.js';
import { ColumnTable } from './column-table.js';
import { minMaxIndices } from './downsample.js';

/**
 * Step rows a run keeps at most before its broadcast history is thinned (6 numbers a row: 6 MiB at
 * 2^17 rows). A page is sent a few thousand rows of the past anyway (min/max buckets of the loss);
 * the full-resolution history is the run store's. Without a bound a long run's server grew by
 * 48 bytes a step (~80 MB over a 20-minute run of 1.7 M steps).
 */
export const MAX_STEP_ROWS = 2 ** 17;

/**
 * A run's dashboard state. Append-only data (steps, evals, path) is split by a cursor at what the last
 * frame carried, so a snapshot plus the frames after it hold every point exactly once.
 */
export class LiveRun {
  readonly runId: string;
  #controller: RunController | undefined;
  #info: RunInfo;
  #state: RunState = { status: 'running', lrOverride: null, endReason: null };
  #dirty = { info: true, state: true, surface: false };
  readonly #steps = new ColumnTable(STEP_COLUMNS);
  #stepsFramed = 0;
  readonly #evals: EvalRow[] = [];
  readonly #lastEval = new Map<string, number>();
  #evalsFramed = 0;
  readonly #histograms = new Map<string, HistogramData>();
  #pendingHistograms = new Map<string, HistogramData>();
  #surface: PathSurface | undefined;
  readonly #path = new ColumnTable(['step', 'x', 'y'] as const, 64);
  #pathFramed = 0;

  readonly #maxStepRows: number;

  /** `maxStepRows`: see {@link MAX_STEP_ROWS} (tests pass small values). */
  constructor(
    runId: string,
    controller: RunController | undefined,
    controllable: boolean,
    maxStepRows = MAX_STEP_ROWS,
  ) {
    this.runId = runId;
    this.#maxStepRows = maxStepRows;
    this.#controller = controller;
    const unknown = { config: {}, totalSteps: null, stepsPerEpoch: null, paramCount: null, startTime: null };
    this.#info = { runId, ...unknown, controllable: controllable && controller !== undefined };
  }

  /** What steers the run, if anything. */
  get controller(): RunController | undefined {
    return this.#controller;
  }

  /** Gives a path-only run (made by `attachPath` first) the run's controller. */
  setController(controller: RunController | undefined, controllable: boolean): void {
    this.#controller = controller;
    this.#setInfo({ controllable: controllable && controller !== undefined });
  }

  /** Folds one training event into the run's state. */
  ingest(e: TrainEvent): void {
    switch (e.type) {
      case 'start':
        // A start after an end is the run resumed (by `gradstream resume`, maybe in another process).
        if (this.#state.status === 'ended') this.#setState({ status: 'running', endReason: null });
        this.#setInfo({
          config: e.config,
          totalSteps: e.totalSteps,
          stepsPerEpoch: e.stepsPerEpoch,
          paramCount: e.paramCount,
          startTime: e.time,
        });
        break;
      case 'step': {
        // A resumed run replays the steps after its checkpoint, identical to the ones shown: the
        // curve goes on from where it is, without a second copy of them.
        if (this.#steps.length > 0 && e.step <= this.#lastStep()) break;
        const sps = Number.isFinite(e.samplesPerSecond) ? e.samplesPerSecond : 0;
        this.#steps.push([
          e.step,
          e.epoch,
          e.skipped ? Number.NaN : e.loss,
          e.lr ?? Number.NaN,
          sps,
          e.elapsedMs,
        ]);
        if (this.#steps.length >= this.#maxStepRows) this.#thinSteps();
        break;
      }
      case 'eval': {
        const { step, epoch, split, accuracy, n } = e;
        if (step <= (this.#lastEval.get(split) ?? -1)) break; // replayed by a resume
        this.#lastEval.set(split, step);
        const finite = (x: number | undefined) => (x !== undefined && Number.isFinite(x) ? x : null);
        this.#evals.push({
          step,
          epoch,
          split,
          loss: finite(e.loss),
          accuracy: finite(accuracy),
          ...(e.rmse === undefined ? {} : { rmse: finite(e.rmse), mae: finite(e.mae) }),
          n,
        });
        break;
      }
      case 'histogram':
        this.#pendingHistograms.set(`${e.layer}/${e.kind}`, {
          ...e,
          edges: [...e.edges],
          counts: [...e.counts],
        });
        break;
      case 'paused':
      case 'resumed':
        this.#setState({ status: e.type === 'paused' ? 'paused' : 'running' });
        break;
      case 'lr':
        this.#setState({ lrOverride: e.lr ?? null });
        break;
      case 'end':
        this.#setState({ status: 'ended', endReason: e.reason });
        break;
      case 'epoch':
        break;
    }
  }

  #lastStep(): number {
    return this.#steps.column('step')[this.#steps.length - 1];
  }

  /** Marks the run ended for a reason its events cannot carry: its stream failed, or its process died. */
  fail(reason: 'failed' | 'interrupted' = 'failed'): void {
    this.#setState({ status: 'ended', endReason: reason });
  }

  /** Sets the 2D surface under the path. */
  setSurface(surface: PathSurface): void {
    this.#surface = surface;
    this.#dirty.surface = true;
  }

  /** Appends a path point (a diverged, non-finite one cannot be drawn and is dropped). */
  addPathPoint(p: PathPoint): void {
    if (Number.isFinite(p.x) && Number.isFinite(p.y)) this.#path.push([p.step, p.x, p.y]);
  }

  /**
   * What changed since the last call (undefined: nothing), and moves the cursors past it. More than
   * `maxPoints` new steps (a stored run attached at once) are min/max-downsampled like a snapshot.
   */
  takeUpdate(maxPoints = Number.POSITIVE_INFINITY): RunUpdate | undefined {
    const update: { -readonly [K in keyof RunUpdate]: RunUpdate[K] } = { runId: this.runId };
    if (this.#dirty.info) update.info = this.#info;
    if (this.#dirty.state) update.state = this.#state;
    if (this.#dirty.surface) update.surface = this.#surface;
    if (this.#steps.length > this.#stepsFramed) update.steps = this.#stepRows(this.#stepsFramed, maxPoints);
    if (this.#evals.length > this.#evalsFramed) update.evals = this.#evals.slice(this.#evalsFramed);
    if (this.#pendingHistograms.size > 0) update.histograms = [...this.#pendingHistograms.values()];
    if (this.#path.length > this.#pathFramed)
      update.path = this.#pathColumns(this.#pathFramed, this.#path.length);
    for (const h of this.#pendingHistograms.values()) this.#histograms.set(`${h.layer}/${h.kind}`, h);
    this.#pendingHistograms = new Map();
    this.#dirty = { info: false, state: false, surface: false };
    this.#stepsFramed = this.#steps.length;
    this.#evalsFramed = this.#evals.length;
    this.#pathFramed = this.#path.length;
    return Object.keys(update).length > 1 ? update : undefined;
  }

  /** Everything already framed; steps downsampled to about `maxPoints` rows (min/max buckets of loss). */
  snapshot(maxPoints: number): RunUpdate {
    const path = this.#pathColumns(0, this.#pathFramed);
    return {
      runId: this.runId,
      info: this.#info,
      state: this.#state,
      steps: this.#stepRows(0, maxPoints, this.#stepsFramed),
      evals: this.#evals.slice(0, this.#evalsFramed),
      histograms: [...this.#histograms.values()],
      ...(this.#surface ? { surface: this.#surface } : {}),
      ...(path.step.length > 0 ? { path } : {}),
    };
  }

  /** Steps `[start, end)`, min/max-downsampled (by loss) to about `maxPoints` rows when longer. */
  #stepRows(start: number, maxPoints: number, end = this.#steps.length): StepColumns {
    // Only loss and lr can hold NaN (→ null); the other columns come back as plain numbers.
    if (end - start <= maxPoints) return this.#steps.slice(start, end) as unknown as StepColumns;
    const loss = this.#steps.column('loss').subarray(start, end);
    const rows = minMaxIndices(loss, end - start, maxPoints).map((i) => start + i);
    return this.#steps.rows(rows) as unknown as StepColumns;
  }

  /**
   * Halves the broadcast history when the table is full: the rows already framed become min/max
   * buckets of the loss (every spike stays, as in a snapshot), the rows not yet framed stay whole,
   * so frames still carry every new step exactly once. Older history ends up thinned more often.
   */
  #thinSteps(): void {
    const framed = this.#stepsFramed;
    if (framed < this.#maxStepRows / 2) return; // mostly unframed: a frame is due, thin after it
    const kept = minMaxIndices(this.#steps.column('loss'), framed, this.#maxStepRows / 4);
    this.#stepsFramed = kept.length;
    for (let i = framed; i < this.#steps.length; i++) kept.push(i);
    this.#steps.retain(kept);
  }

  // Path points are finite (see addPathPoint), so no null comes back.
  #pathColumns(start: number, end: number): PathColumns {
    return this.#path.slice(start, end) as unknown as PathColumns;
  }

  #setInfo(patch: Partial<RunInfo>): void {
    this.#info = { ...this.#info, ...patch };
    this.#dirty.info = true;
  }

  #setState(patch: Partial<RunState>): void {
    this.#state = { ...this.#state, ...patch };
    this.#dirty.state = true;
  }
}
