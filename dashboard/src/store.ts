// The page's model: every run's metrics in fixed-capacity columns, rebuilt from a `hello` snapshot and
// extended by numbered frames, applied strictly in order (no duplicate, no gap). No DOM here.

import type { EvalRow, HistogramData, PathSurface } from '../../src/protocol/run-data.js';
import { STEP_COLUMNS } from '../../src/protocol/run-data.js';
import type { RunInfo, RunState, RunUpdate, ServerMessage } from '../../src/protocol/server-messages.js';
import { ColumnBuffer } from './column-buffer.js';
import { type EmaState, emaState, smoothInto } from './smoothing.js';

/** The step columns the page keeps: the protocol's plus the smoothed loss. */
export const STEP_FIELDS = [...STEP_COLUMNS, 'smoothed'] as const;
/** One of {@link STEP_FIELDS}. */
export type StepField = (typeof STEP_FIELDS)[number];

/** Run colours, in order of appearance (readable on white, distinct for common colour blindness). */
export const PALETTE = [
  '#2563eb',
  '#e11d48',
  '#059669',
  '#9333ea',
  '#ea580c',
  '#0891b2',
  '#ca8a04',
  '#db2777',
];

/** One run as the page holds it. */
export interface RunView {
  readonly runId: string;
  readonly color: string;
  info: RunInfo;
  state: RunState;
  visible: boolean;
  readonly steps: ColumnBuffer<StepField>;
  ema: EmaState;
  readonly evals: EvalRow[];
  readonly histograms: Map<string, HistogramData>;
  surface: PathSurface | undefined;
  readonly path: { step: number[]; x: number[]; y: number[] };
}

/** What the caller must do after {@link DashboardStore.accept}: nothing, or ask for a snapshot. */
export type Verdict = 'ok' | 'resync';

/** All runs, plus where the page is in the server's frame sequence. */
export class DashboardStore {
  readonly runs = new Map<string, RunView>();
  readonly capacity: number;
  session: string | undefined;
  /** The last frame applied. */
  seq = 0;
  control = false;
  tokenRequired = false;
  smoothing = 0.6;
  /** The latest notice from the server (or the page), e.g. why a control message was refused. */
  notice: string | undefined;
  /** `warn` for a refusal or an input the page could not send, `info` otherwise. */
  noticeLevel: 'info' | 'warn' = 'info';
  /** Bumped on every change: the render loop draws when it moved. */
  version = 0;
  /** Bumped when runs appear, disappear or are shown or hidden: charts rebuild their series. */
  layout = 0;
  #awaitingSnapshot = false;
  readonly #colors = new Map<string, string>();
  readonly #hidden = new Set<string>();

  /** `capacity`: steps per run before the page asks for a (downsampled) snapshot. */
  constructor(capacity = 100_000) {
    this.capacity = capacity;
  }

  /** Applies a server message, strictly in sequence. */
  accept(m: ServerMessage): Verdict {
    this.version++;
    switch (m.type) {
      case 'hello':
        this.runs.clear();
        Object.assign(this, {
          session: m.session,
          seq: m.seq,
          control: m.control,
          tokenRequired: m.tokenRequired,
        });
        this.#awaitingSnapshot = false;
        this.layout++;
        return this.#applyAll(m.runs);
      case 'resume':
        Object.assign(this, { control: m.control, tokenRequired: m.tokenRequired });
        return m.session === this.session && m.from === this.seq + 1 ? 'ok' : this.#resync();
      case 'frame':
        if (this.#awaitingSnapshot || m.seq <= this.seq) return 'ok';
        if (m.seq !== this.seq + 1) return this.#resync();
        this.seq = m.seq;
        return this.#applyAll(m.runs);
      case 'notice':
        this.setNotice(m.message, m.level);
        return 'ok';
      case 'refused':
        this.setNotice(`${m.runId}: ${m.action} refused: ${m.message}`, 'warn');
        return 'ok';
    }
  }

  /** Shows `message` in the page's notice line. */
  setNotice(message: string, level: 'info' | 'warn'): void {
    this.notice = message;
    this.noticeLevel = level;
    this.version++;
  }

  /** Sets the smoothing weight in [0, 1) and re-smooths every run. */
  setSmoothing(weight: number): void {
    this.smoothing = weight;
    for (const run of this.runs.values()) {
      run.ema = emaState();
      const n = run.steps.length;
      smoothInto(run.steps.column('loss'), 0, n, run.steps.column('smoothed'), weight, run.ema);
    }
    this.version++;
  }

  /** Shows or hides a run in every chart. */
  toggle(runId: string): void {
    const run = this.runs.get(runId);
    if (!run) return;
    run.visible = !run.visible;
    if (run.visible) this.#hidden.delete(runId);
    else this.#hidden.add(runId);
    this.layout++;
    this.version++;
  }

  #resync(): Verdict {
    this.#awaitingSnapshot = true;
    return 'resync';
  }

  #applyAll(updates: readonly RunUpdate[]): Verdict {
    for (const u of updates) if (!this.#apply(u)) return this.#resync();
    return 'ok';
  }

  #run(u: RunUpdate): RunView {
    let run = this.runs.get(u.runId);
    if (run) return run;
    const color = this.#colors.get(u.runId) ?? PALETTE[this.#colors.size % PALETTE.length];
    this.#colors.set(u.runId, color);
    const unknown = { config: {}, totalSteps: null, stepsPerEpoch: null, paramCount: null, startTime: null };
    run = {
      runId: u.runId,
      color,
      info: { runId: u.runId, ...unknown, controllable: false },
      state: { status: 'running', lrOverride: null, endReason: null },
      visible: !this.#hidden.has(u.runId),
      steps: new ColumnBuffer(STEP_FIELDS, this.capacity),
      ema: emaState(),
      evals: [],
      histograms: new Map(),
      surface: undefined,
      path: { step: [], x: [], y: [] },
    };
    this.runs.set(u.runId, run);
    this.layout++;
    return run;
  }

  /** Folds one update into its run; false when its steps do not fit. */
  #apply(u: RunUpdate): boolean {
    const run = this.#run(u);
    if (u.info) run.info = u.info;
    if (u.state) run.state = u.state;
    if (u.steps) {
      const from = run.steps.length;
      if (!run.steps.append(u.steps, u.steps.step.length)) return false;
      const to = run.steps.length;
      smoothInto(run.steps.column('loss'), from, to, run.steps.column('smoothed'), this.smoothing, run.ema);
    }
    if (u.evals) run.evals.push(...u.evals);
    for (const h of u.histograms ?? []) run.histograms.set(`${h.layer}/${h.kind}`, h);
    if (u.surface) run.surface = u.surface;
    if (u.path) {
      run.path.step.push(...u.path.step);
      run.path.x.push(...u.path.x);
      run.path.y.push(...u.path.y);
    }
    return true;
  }
}
