// The config-against-metric view: a chosen numeric config value (x) against a chosen metric (y),
// one point per run on the charts, coloured by run, on linear or log axes (log x by default for
// rates and decays) — a hyperparameter search's trials at a glance. A small canvas drawer; the
// points, axes and ticks come from scatter-model.ts.

import { CANVAS_FONT, hiDpiContext } from './canvas.js';
import { formatNumber } from './format.js';
import { type MetricKey, metricText, type RunRow } from './runs-table-model.js';
import {
  type Axis,
  axis,
  defaultX,
  fraction,
  type ScatterPoint,
  scatterPoints,
  tickText,
  X_CHOICES,
  xChoicesFor,
  Y_CHOICES,
} from './scatter-model.js';

const HEIGHT = 300;
const PAD = { left: 64, right: 20, top: 14, bottom: 42 };
const RADIUS = 5;

/** Draws the view from the rows of the runs table. */
export class ConfigView {
  readonly #card = document.getElementById('card-config')!;
  readonly #canvas = document.getElementById('config-canvas') as HTMLCanvasElement;
  readonly #x = document.getElementById('config-x') as HTMLSelectElement;
  readonly #y = document.getElementById('config-y') as HTMLSelectElement;
  readonly #logX = document.getElementById('config-log-x') as HTMLInputElement;
  readonly #logY = document.getElementById('config-log-y') as HTMLInputElement;
  readonly #note = document.getElementById('config-note')!;
  readonly #readout = document.getElementById('readout-config')!;
  #rows: readonly RunRow[] = [];
  /** Where each point was drawn, in CSS pixels, for the hover readout. */
  #drawn: { p: ScatterPoint; px: number; py: number }[] = [];
  #xKey = '';
  /** Whether the user chose x (else it follows {@link defaultX}). */
  #userX = false;

  constructor() {
    for (const m of Y_CHOICES) this.#y.add(new Option(m.title, m.key));
    this.#y.value = 'bestValAcc';
    this.#x.addEventListener('change', () => {
      this.#userX = true;
      this.#chooseX(this.#x.value);
      this.#draw();
    });
    for (const el of [this.#y, this.#logX, this.#logY]) el.addEventListener('change', () => this.#draw());
    this.#canvas.addEventListener('mousemove', (e) => this.#hover(e.offsetX, e.offsetY));
    this.#canvas.addEventListener('mouseleave', () => {
      this.#readout.textContent = '';
    });
  }

  /** Redraws from `rows` (every run's row; the visible ones are plotted). */
  update(rows: readonly RunRow[]): void {
    this.#rows = rows;
    this.#card.hidden = rows.length === 0;
    if (this.#card.hidden) return;
    const choices = xChoicesFor(rows);
    const key = choices.map((c) => c.key).join('|');
    const kept = this.#x.value;
    if (this.#x.dataset.choices !== key) {
      this.#x.replaceChildren(...choices.map((c) => new Option(c.label, c.key)));
      this.#x.dataset.choices = key;
    }
    // Until the user picks one, x follows what the runs vary (runs arrive one by one).
    const keep = this.#userX && choices.some((c) => c.key === kept);
    this.#chooseX(keep ? kept : defaultX(rows, choices).key);
    this.#draw();
  }

  /** Selects x; a new choice takes its default scale (log for rates and decays). */
  #chooseX(key: string): void {
    this.#x.value = key;
    if (key !== this.#xKey) this.#logX.checked = X_CHOICES.find((c) => c.key === key)?.log ?? false;
    this.#xKey = key;
  }

  #draw(): void {
    const width = Math.max(240, this.#card.clientWidth - 30);
    const ctx = hiDpiContext(this.#canvas, width, HEIGHT);
    ctx.clearRect(0, 0, width, HEIGHT);
    const yKey = this.#y.value as MetricKey;
    const selected = this.#rows.filter((r) => r.visible);
    const { points, left } = scatterPoints(selected, this.#x.value, yKey, {
      logX: this.#logX.checked,
      logY: this.#logY.checked,
    });
    const ax = axis(
      points.map((p) => p.x),
      this.#logX.checked,
    );
    const ay = axis(
      points.map((p) => p.y),
      this.#logY.checked,
    );
    const plotW = width - PAD.left - PAD.right;
    const plotH = HEIGHT - PAD.top - PAD.bottom;
    const toX = (v: number) => PAD.left + fraction(ax, v) * plotW;
    const toY = (v: number) => PAD.top + (1 - fraction(ay, v)) * plotH;
    const percent = yKey.endsWith('Acc');
    const yLabel = (t: number) => (percent ? `${tickText(100 * t)}%` : tickText(t));
    drawAxes(ctx, ax, ay, toX, toY, { width, plotW, plotH, yLabel });
    ctx.font = CANVAS_FONT;
    ctx.fillStyle = '#334155';
    ctx.textAlign = 'center';
    ctx.fillText(this.#x.selectedOptions[0]?.text ?? '', PAD.left + plotW / 2, HEIGHT - 6);
    ctx.save();
    ctx.translate(14, PAD.top + plotH / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(this.#y.selectedOptions[0]?.text ?? '', 0, 0);
    ctx.restore();
    this.#drawn = points.map((p) => ({ p, px: toX(p.x), py: toY(p.y) }));
    for (const { p, px, py } of this.#drawn) {
      ctx.beginPath();
      ctx.arc(px, py, RADIUS, 0, 2 * Math.PI);
      ctx.fillStyle = p.color;
      ctx.globalAlpha = 0.85;
      ctx.fill();
      ctx.globalAlpha = 1;
      ctx.strokeStyle = '#ffffff';
      ctx.lineWidth = 1.5;
      ctx.stroke();
    }
    this.#canvas.dataset.points = String(points.length);
    this.#canvas.dataset.logX = String(this.#logX.checked);
    const why =
      this.#logX.checked || this.#logY.checked ? ' (no value, or ≤ 0 on a log axis)' : ' (no value)';
    this.#note.textContent =
      `${points.length} of ${selected.length} runs on the charts plotted` +
      (left > 0 ? `; ${left} not${why}` : '');
  }

  #hover(x: number, y: number): void {
    let best: { p: ScatterPoint; d: number } | undefined;
    for (const { p, px, py } of this.#drawn) {
      const d = Math.hypot(px - x, py - y);
      if (d <= RADIUS + 4 && (!best || d < best.d)) best = { p, d };
    }
    const yKey = this.#y.value as MetricKey;
    this.#readout.textContent = best
      ? `${best.p.name} · ${this.#x.selectedOptions[0]?.text} ${formatNumber(best.p.x)} · ${metricText(yKey, best.p.y)}`
      : '';
  }
}

/** Grid lines, ticks and their labels; y labels as the metric reads (percent for accuracies). */
function drawAxes(
  ctx: CanvasRenderingContext2D,
  ax: Axis,
  ay: Axis,
  toX: (v: number) => number,
  toY: (v: number) => number,
  size: { width: number; plotW: number; plotH: number; yLabel: (t: number) => string },
): void {
  ctx.font = CANVAS_FONT;
  ctx.strokeStyle = '#e2e8f0';
  ctx.fillStyle = '#64748b';
  ctx.lineWidth = 1;
  ctx.textAlign = 'center';
  for (const t of ax.ticks) {
    const x = Math.round(toX(t)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(x, PAD.top);
    ctx.lineTo(x, PAD.top + size.plotH);
    ctx.stroke();
    ctx.fillText(tickText(t), x, PAD.top + size.plotH + 16);
  }
  ctx.textAlign = 'right';
  for (const t of ay.ticks) {
    const y = Math.round(toY(t)) + 0.5;
    ctx.beginPath();
    ctx.moveTo(PAD.left, y);
    ctx.lineTo(PAD.left + size.plotW, y);
    ctx.stroke();
    ctx.fillText(size.yLabel(t), PAD.left - 6, y + 4);
  }
  ctx.strokeStyle = '#94a3b8';
  ctx.strokeRect(PAD.left + 0.5, PAD.top + 0.5, size.plotW, size.plotH);
}
