// The runs panel: one entry per run with its colour (click to show or hide it in every chart),
// status, progress and ETA, latest metrics, controls when the server allows them, and CSV export.

import { LEARNING_RATE_RANGE_TEXT } from '../../src/optim/learning-rate-range.js';
import type { ControlMessage } from '../../src/protocol/client-messages.js';
import { etaMs, formatDuration, formatNumber } from './format.js';
import type { DashboardStore, RunView } from './store.js';

/** What the panel asks of the page. */
export interface RunListActions {
  readonly toggle: (runId: string) => void;
  readonly control: (runId: string, action: ControlMessage['action'], lr?: number | null) => void;
  readonly csv: (runId: string) => void;
  /** Shows a warning in the notice line (an input the page cannot send). */
  readonly warn: (message: string) => void;
}

const TEMPLATE = `
  <div class="run-head">
    <button type="button" class="swatch" data-action="toggle" aria-pressed="true"></button>
    <button type="button" class="run-name" data-action="toggle"></button>
    <span class="badge"></span>
  </div>
  <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100"><div class="bar"></div></div>
  <div class="run-meta"></div>
  <dl class="run-stats"></dl>
  <div class="run-controls">
    <button type="button" data-action="pause">Pause</button>
    <button type="button" data-action="resume">Resume</button>
    <button type="button" data-action="stop">Stop</button>
    <span class="lr-control"><input class="lr-input" type="number" step="any" aria-label="learning rate" placeholder="empty: schedule">
    <button type="button" data-action="setLearningRate">Set lr</button></span>
  </div>
  <div class="run-exports"><button type="button" data-action="csv" class="link">Download CSV</button></div>`;

/**
 * Sends the lr typed in `item`: an empty box returns to the schedule; any finite number goes to the
 * server, which judges its range and answers a refusal the notice line shows; text that is no finite
 * number (JSON cannot carry `1e400`) is refused here, never sent as "back to the schedule".
 */
function setLearningRate(runId: string, item: HTMLElement, actions: RunListActions): void {
  const input = item.querySelector<HTMLInputElement>('.lr-input')!;
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

/** Keeps the panel's entries in step with the store. */
export class RunList {
  readonly #store: DashboardStore;
  readonly #list: HTMLElement;
  readonly #items = new Map<string, HTMLElement>();

  constructor(store: DashboardStore, actions: RunListActions) {
    this.#store = store;
    this.#list = document.getElementById('run-list')!;
    this.#list.addEventListener('click', (event) => {
      const button = (event.target as HTMLElement).closest('button');
      const item = button?.closest<HTMLElement>('[data-run-id]');
      const action = button?.dataset.action;
      if (!button || !item || !action) return;
      const runId = item.dataset.runId!;
      if (action === 'toggle') actions.toggle(runId);
      else if (action === 'csv') actions.csv(runId);
      else if (action === 'setLearningRate') setLearningRate(runId, item, actions);
      else actions.control(runId, action as ControlMessage['action']);
    });
  }

  /** Redraws every entry. */
  update(): void {
    for (const [runId, item] of this.#items) {
      if (!this.#store.runs.has(runId)) {
        item.remove();
        this.#items.delete(runId);
      }
    }
    for (const run of this.#store.runs.values()) this.#render(run, this.#item(run));
    document.getElementById('runs-empty')!.hidden = this.#store.runs.size > 0;
  }

  #item(run: RunView): HTMLElement {
    let item = this.#items.get(run.runId);
    if (!item) {
      item = document.createElement('li');
      item.className = 'run';
      item.dataset.runId = run.runId;
      item.innerHTML = TEMPLATE;
      item.style.setProperty('--run-color', run.color);
      item.querySelector('.run-name')!.textContent = run.runId;
      this.#list.append(item);
      this.#items.set(run.runId, item);
    }
    return item;
  }

  #render(run: RunView, item: HTMLElement): void {
    const { state } = run;
    item.dataset.status = state.status;
    item.dataset.visible = String(run.visible);
    item.querySelector('.swatch')!.setAttribute('aria-pressed', String(run.visible));
    item.querySelector('.badge')!.textContent =
      state.status === 'ended' ? (state.endReason ?? 'ended') : state.status;
    renderProgress(run, item);
    const dl = item.querySelector('.run-stats')!;
    const html = stats(run)
      .map(([k, v]) => `<div><dt>${k}</dt><dd>${v}</dd></div>`)
      .join('');
    if (dl.innerHTML !== html) dl.innerHTML = html;
    const controls = item.querySelector<HTMLElement>('.run-controls')!;
    controls.hidden = !(this.#store.control && run.info.controllable);
    controls.querySelector<HTMLButtonElement>('[data-action="pause"]')!.hidden = state.status !== 'running';
    controls.querySelector<HTMLButtonElement>('[data-action="resume"]')!.hidden = state.status !== 'paused';
    for (const b of Array.from(controls.querySelectorAll('button'))) b.disabled = state.status === 'ended';
  }
}

/** The progress bar and the `step n / total · ETA` line. */
function renderProgress(run: RunView, item: HTMLElement): void {
  const { info, state } = run;
  const steps = run.steps.column('step');
  const step = steps.length > 0 ? steps[steps.length - 1] : 0;
  const fraction = info.totalSteps ? Math.min(1, step / info.totalSteps) : 0;
  item.querySelector<HTMLElement>('.bar')!.style.width = `${(100 * fraction).toFixed(1)}%`;
  item.querySelector('.progress')!.setAttribute('aria-valuenow', (100 * fraction).toFixed(0));
  const eta =
    state.status === 'running' ? etaMs(info.totalSteps, steps, run.steps.column('elapsedMs')) : undefined;
  const total = info.totalSteps === null ? '' : ` / ${info.totalSteps}`;
  const when = eta === undefined ? '' : ` · ETA ${formatDuration(eta)}`;
  item.querySelector('.run-meta')!.textContent = `step ${step}${total}${when}`;
}

/** The latest metrics as (label, text) pairs; the texts are numbers, never markup from the wire. */
function stats(run: RunView): [string, string][] {
  const last = (name: 'smoothed' | 'lr' | 'samplesPerSecond') => {
    const c = run.steps.column(name);
    return c.length > 0 ? c[c.length - 1] : null;
  };
  const accuracy = run.evals.filter((e) => e.split !== 'train').at(-1) ?? run.evals.at(-1);
  return [
    ['loss', formatNumber(last('smoothed'))],
    ['lr', formatNumber(run.state.lrOverride ?? last('lr'))],
    ['samples/s', formatNumber(last('samplesPerSecond'))],
    [
      accuracy ? `${accuracy.split} acc.` : 'accuracy',
      accuracy ? `${(100 * accuracy.accuracy).toFixed(1)}%` : '–',
    ],
  ];
}
