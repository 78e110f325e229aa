// The runs table (in the manner of W&B and Aim): a row per run with its colour, a checkbox that puts
// it on the charts, name, status with progress and ETA, the config values that differ between the
// runs shown (the rest on one "common config" line), steps, last and best metrics, duration, and its
// controls or, for a run whose process is gone, the command that resumes it. Sort by any column,
// filter by text. The logic lives in runs-table-model.ts; this file only keeps the DOM in step.

import { LEARNING_RATE_RANGE_TEXT } from '../../src/optim/learning-rate-range.js';
import type { ControlMessage } from '../../src/protocol/client-messages.js';
import { formatDuration } from './format.js';
import {
  configText,
  durationText,
  type MetricKey,
  matchesFilter,
  metricsShown,
  metricText,
  minOf,
  type RunRow,
  runRow,
  type SortKey,
  sortRows,
  splitConfig,
  stepText,
} from './runs-table-model.js';
import type { DashboardStore, RunView } from './store.js';

/** What the table asks of the page. */
export interface RunsTableActions {
  /** Shows or hides a run on the charts. */
  readonly toggle: (runId: string) => void;
  readonly control: (runId: string, action: ControlMessage['action'], lr?: number | null) => void;
  readonly csv: (runId: string) => void;
  /** Shows a warning in the notice line (an input the page cannot send). */
  readonly warn: (message: string) => void;
  /** Asks for a redraw: the filter or the sort changed, which the store does not know about. */
  readonly changed: () => void;
}

/** A text column between the status and the controls. */
interface TextColumn {
  readonly sort: SortKey;
  readonly label: string;
  readonly title?: string;
  readonly numeric: boolean;
  readonly text: (row: RunRow) => string;
}

/** The elements of one row that change. */
interface RowElements {
  readonly tr: HTMLTableRowElement;
  readonly select: HTMLInputElement;
  readonly name: HTMLElement;
  readonly badge: HTMLElement;
  readonly progress: HTMLElement;
  readonly bar: HTMLElement;
  readonly meta: HTMLElement;
  readonly controls: HTMLElement;
  readonly hint: HTMLElement;
  readonly actions: HTMLTableCellElement;
  cells: HTMLTableCellElement[];
  cellsKey: string;
}

const ROW_TEMPLATE = `
  <td class="select-cell"><input type="checkbox" class="select" aria-label="show on the charts"></td>
  <td class="name-cell"><span class="swatch" aria-hidden="true"></span><span class="run-name"></span></td>
  <td class="status-cell">
    <span class="badge"></span>
    <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100"><div class="bar"></div></div>
    <div class="run-meta"></div>
  </td>
  <td class="actions-cell">
    <div class="run-controls">
      <button type="button" data-action="pause">Pause</button>
      <button type="button" data-action="resume">Resume</button>
      <button type="button" data-action="stop">Stop</button>
      <span class="lr-control"><input class="lr-input" type="number" step="any" aria-label="learning rate" placeholder="new lr" title="a new learning rate; empty: back to the schedule">
      <button type="button" data-action="setLearningRate">Set lr</button></span>
    </div>
    <div class="resume-hint" hidden>resume: <code></code></div>
    <button type="button" data-action="csv" class="link">CSV</button>
  </td>`;

/**
 * Sends the lr typed in `row`: an empty box returns to the schedule; any finite number goes to the
 * server, which judges its range and answers a refusal the notice line shows; text that is no finite
 * number (JSON cannot carry `1e400`) is refused here, never sent as "back to the schedule".
 */
function setLearningRate(runId: string, row: HTMLElement, actions: RunsTableActions): void {
  const input = row.querySelector<HTMLInputElement>('.lr-input')!;
  if (input.value.trim() === '' && !input.validity.badInput) {
    actions.control(runId, 'setLearningRate', null);
    return;
  }
  const value = input.valueAsNumber;
  if (Number.isFinite(value)) actions.control(runId, 'setLearningRate', value);
  else
    actions.warn(
      `${runId}: setLearningRate: lr must be ${LEARNING_RATE_RANGE_TEXT}, got ${input.value || 'no number'}`,
    );
}

const setText = (el: Element, text: string) => {
  if (el.textContent !== text) el.textContent = text;
};

/** Accuracies are best high: their first click sorts high to low. */
const firstDirection = (key: SortKey): 'asc' | 'desc' => (/Acc$/.test(key) ? 'desc' : 'asc');

/** Keeps the table in step with the store. */
export class RunsTable {
  readonly #store: DashboardStore;
  readonly #head: HTMLTableSectionElement;
  readonly #body: HTMLTableSectionElement;
  readonly #filter: HTMLInputElement;
  readonly #rows = new Map<string, RowElements>();
  /** The lowest smoothed loss so far per run, kept as steps arrive (not rescanned every frame). */
  readonly #best = new WeakMap<RunView, { n: number; smoothing: number; min: number | null }>();
  #sort: { key: SortKey; direction: 'asc' | 'desc' } | undefined;
  #headKey = '';
  #orderKey = '';
  /** Every run's row as last drawn (the config view plots the visible ones). */
  rows: readonly RunRow[] = [];

  constructor(store: DashboardStore, actions: RunsTableActions) {
    this.#store = store;
    const table = document.getElementById('runs-table') as HTMLTableElement;
    this.#head = table.tHead ?? table.createTHead();
    this.#body = table.tBodies[0] ?? table.createTBody();
    this.#filter = document.getElementById('runs-filter') as HTMLInputElement;
    this.#filter.addEventListener('input', () => actions.changed());
    this.#head.addEventListener('click', (event) => {
      const th = (event.target as HTMLElement).closest<HTMLElement>('th[data-sort]');
      if (!th || (event.target as HTMLElement).closest('input')) return;
      const key = th.dataset.sort as SortKey;
      const direction =
        this.#sort?.key === key ? (this.#sort.direction === 'asc' ? 'desc' : 'asc') : firstDirection(key);
      this.#sort = { key, direction };
      actions.changed();
    });
    this.#head.addEventListener('change', (event) => {
      const all = event.target as HTMLInputElement;
      if (!all.classList.contains('select-all')) return;
      // Every row the filter shows goes on (or off) the charts.
      for (const row of this.#shown()) if (row.visible !== all.checked) actions.toggle(row.runId);
    });
    this.#body.addEventListener('change', (event) => {
      const input = event.target as HTMLInputElement;
      const tr = input.closest<HTMLElement>('[data-run-id]');
      if (input.classList.contains('select') && tr) actions.toggle(tr.dataset.runId!);
    });
    this.#body.addEventListener('click', (event) => {
      const button = (event.target as HTMLElement).closest('button');
      const tr = button?.closest<HTMLElement>('[data-run-id]');
      const action = button?.dataset.action;
      if (!button || !tr || !action) return;
      const runId = tr.dataset.runId!;
      if (action === 'csv') actions.csv(runId);
      else if (action === 'setLearningRate') setLearningRate(runId, tr, actions);
      else actions.control(runId, action as ControlMessage['action']);
    });
  }

  /** Redraws the table from the store (call once per animation frame at most). */
  update(): void {
    const runs = [...this.#store.runs.values()];
    this.rows = runs.map((run) => runRow(run, this.#bestLoss(run)));
    for (const [runId, els] of this.#rows) {
      if (!this.#store.runs.has(runId)) {
        els.tr.remove();
        this.#rows.delete(runId);
      }
    }
    const shown = this.#shown();
    const { differing, common } = splitConfig(shown);
    const columns: TextColumn[] = [
      ...differing.map((c) => ({
        sort: `config.${c.key}` as SortKey,
        label: c.label,
        numeric: false,
        text: (r: RunRow) => configText(r.config[c.key]),
      })),
      { sort: 'step', label: 'steps', numeric: true, text: stepText },
      ...metricsShown(shown).map((m) => ({
        sort: m.key,
        label: m.label,
        title: m.title,
        numeric: true,
        text: (r: RunRow) => metricText(m.key as MetricKey, r.metrics[m.key]),
      })),
      {
        sort: 'duration',
        label: 'duration',
        title: 'elapsed time of the last step',
        numeric: true,
        text: durationText,
      },
    ];
    this.#renderHead(columns, shown);
    const cellsKey = columns.map((c) => c.sort).join('|');
    const byId = new Map(runs.map((r) => [r.runId, r]));
    for (const row of this.rows) this.#renderRow(row, byId.get(row.runId)!, columns, cellsKey);
    const ordered = this.#sort ? sortRows(shown, this.#sort.key, this.#sort.direction) : shown;
    const visibleIds = new Set(ordered.map((r) => r.runId));
    for (const [runId, els] of this.#rows) els.tr.hidden = !visibleIds.has(runId);
    const orderKey = ordered.map((r) => r.runId).join('\n');
    if (orderKey !== this.#orderKey) {
      this.#orderKey = orderKey;
      for (const row of ordered) this.#body.append(this.#rows.get(row.runId)!.tr);
    }
    const commonLine = document.getElementById('runs-common')!;
    setText(
      commonLine,
      common.length > 0
        ? `common config: ${common.map((c) => `${c.column.label} ${c.text}`).join(' · ')}`
        : '',
    );
    commonLine.hidden = common.length === 0;
    document.getElementById('runs-empty')!.hidden = runs.length > 0;
    const count = document.getElementById('runs-count')!;
    setText(
      count,
      runs.length === 0
        ? ''
        : shown.length === runs.length
          ? `${runs.length} run${runs.length === 1 ? '' : 's'}`
          : `${shown.length} of ${runs.length} runs match`,
    );
  }

  /** The rows the filter lets through, in arrival order. */
  #shown(): RunRow[] {
    return this.rows.filter((r) => matchesFilter(r, this.#filter.value));
  }

  #bestLoss(run: RunView): number | null {
    const column = run.steps.column('smoothed');
    const smoothing = this.#store.smoothing;
    let kept = this.#best.get(run);
    if (!kept || kept.smoothing !== smoothing || column.length < kept.n)
      kept = { n: 0, smoothing, min: null };
    kept.min = minOf(column, kept.n, kept.min);
    kept.n = column.length;
    this.#best.set(run, kept);
    return kept.min;
  }

  #renderHead(columns: readonly TextColumn[], shown: readonly RunRow[]): void {
    const sort = this.#sort;
    const key = `${columns.map((c) => c.sort).join('|')}#${sort?.key}:${sort?.direction}`;
    if (key !== this.#headKey) {
      this.#headKey = key;
      const th = (sortKey: SortKey | undefined, label: string, cls = '', title = '') => {
        const cell = document.createElement('th');
        cell.scope = 'col';
        if (cls) cell.className = cls;
        if (title) cell.title = title;
        if (sortKey) {
          cell.dataset.sort = sortKey;
          cell.setAttribute(
            'aria-sort',
            sort?.key === sortKey ? (sort.direction === 'asc' ? 'ascending' : 'descending') : 'none',
          );
          const button = document.createElement('button');
          button.type = 'button';
          button.className = 'sort';
          button.textContent = label;
          cell.append(button);
        } else cell.textContent = label;
        return cell;
      };
      const all = th(undefined, '', 'select-cell');
      all.innerHTML =
        '<input type="checkbox" class="select-all" aria-label="show every listed run on the charts">';
      const tr = document.createElement('tr');
      tr.append(
        all,
        th('name', 'name', 'name-cell'),
        th('status', 'status'),
        ...columns.map((c) => th(c.sort, c.label, c.numeric ? 'num' : '', c.title)),
        th(undefined, '', 'actions-cell'),
      );
      this.#head.replaceChildren(tr);
    }
    const all = this.#head.querySelector<HTMLInputElement>('.select-all')!;
    const on = shown.filter((r) => r.visible).length;
    all.checked = shown.length > 0 && on === shown.length;
    all.indeterminate = on > 0 && on < shown.length;
  }

  #elements(row: RunRow): RowElements {
    let els = this.#rows.get(row.runId);
    if (els) return els;
    const tr = document.createElement('tr');
    tr.className = 'run';
    tr.dataset.runId = row.runId;
    tr.innerHTML = ROW_TEMPLATE;
    tr.style.setProperty('--run-color', row.color);
    const q = <T extends HTMLElement>(s: string) => tr.querySelector<T>(s)!;
    els = {
      tr,
      select: q<HTMLInputElement>('.select'),
      name: q('.run-name'),
      badge: q('.badge'),
      progress: q('.progress'),
      bar: q('.bar'),
      meta: q('.run-meta'),
      controls: q('.run-controls'),
      hint: q('.resume-hint'),
      actions: q<HTMLTableCellElement>('.actions-cell'),
      cells: [],
      cellsKey: '',
    };
    this.#body.append(tr);
    this.#rows.set(row.runId, els);
    this.#orderKey = ''; // a new row: put every row in order again
    return els;
  }

  #renderRow(row: RunRow, run: RunView, columns: readonly TextColumn[], cellsKey: string): void {
    const els = this.#elements(row);
    const { tr, state } = { tr: els.tr, state: run.state };
    tr.dataset.status = state.status;
    tr.dataset.reason = row.status;
    tr.dataset.visible = String(row.visible);
    // What the page holds of the curve (tests read it: a resumed run's curve has no gap).
    const steps = run.steps.column('step');
    tr.dataset.firstStep = String(steps.length > 0 ? steps[0] : '');
    tr.dataset.lastStep = String(steps.length > 0 ? steps[steps.length - 1] : '');
    tr.dataset.stepRows = String(steps.length);
    els.select.checked = row.visible;
    setText(els.name, row.name);
    els.name.title = row.runId;
    setText(els.badge, row.status);
    const live = state.status !== 'ended';
    const fraction = row.totalSteps && row.step !== null ? Math.min(1, row.step / row.totalSteps) : 0;
    els.progress.hidden = !live || !row.totalSteps;
    els.bar.style.width = `${(100 * fraction).toFixed(1)}%`;
    els.progress.setAttribute('aria-valuenow', (100 * fraction).toFixed(0));
    setText(els.meta, row.etaMs === undefined ? '' : `ETA ${formatDuration(row.etaMs)}`);
    els.controls.hidden = !(live && this.#store.control && run.info.controllable);
    els.controls.querySelector<HTMLElement>('[data-action="pause"]')!.hidden = state.status !== 'running';
    els.controls.querySelector<HTMLElement>('[data-action="resume"]')!.hidden = state.status !== 'paused';
    els.hint.hidden = row.resumeHint === undefined;
    setText(els.hint.querySelector('code')!, row.resumeHint ?? '');
    if (els.cellsKey !== cellsKey) {
      for (const cell of els.cells) cell.remove();
      els.cells = columns.map((c) => {
        const cell = document.createElement('td');
        cell.dataset.column = c.sort;
        if (c.numeric) cell.className = 'num';
        return cell;
      });
      els.actions.before(...els.cells);
      els.cellsKey = cellsKey;
    }
    for (const [i, c] of columns.entries()) setText(els.cells[i], c.text(row));
  }
}
