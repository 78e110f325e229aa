// Per-layer histograms of one run's weights, gradients or activations (the book's distribution
// pictures): a small bar chart per layer, latest sample only.

import type { HistogramData } from '../../src/protocol/run-data.js';
import { CANVAS_FONT, hiDpiContext } from './canvas.js';
import { formatNumber } from './format.js';
import type { DashboardStore, RunView } from './store.js';

const KINDS = ['weights', 'gradients', 'activations'] as const;
const W = 250;
const H = 150;

function draw(canvas: HTMLCanvasElement, h: HistogramData, color: string): void {
  const ctx = hiDpiContext(canvas, W, H);
  ctx.clearRect(0, 0, W, H);
  ctx.font = CANVAS_FONT;
  ctx.textAlign = 'left';
  ctx.fillStyle = '#0f172a';
  ctx.fillText(h.layer, 8, 16);
  ctx.fillStyle = '#64748b';
  ctx.textAlign = 'right';
  ctx.fillText(`step ${h.step}`, W - 8, 16);
  const top = 26;
  const bottom = H - 22;
  const max = Math.max(1, ...h.counts);
  const bw = (W - 16) / h.counts.length;
  ctx.fillStyle = color;
  h.counts.forEach((c, i) => {
    const height = ((bottom - top) * c) / max;
    ctx.fillRect(8 + i * bw, bottom - height, Math.max(1, bw - 1), height);
  });
  ctx.strokeStyle = '#cbd5e1';
  ctx.beginPath();
  ctx.moveTo(8, bottom + 0.5);
  ctx.lineTo(W - 8, bottom + 0.5);
  ctx.stroke();
  ctx.fillStyle = '#475569';
  ctx.textAlign = 'left';
  ctx.fillText(formatNumber(h.edges[0]), 8, H - 6);
  ctx.textAlign = 'right';
  ctx.fillText(formatNumber(h.edges[h.edges.length - 1]), W - 8, H - 6);
}

/** The histograms card: a run selector, a kind selector, one canvas per layer. */
export class HistogramView {
  readonly #store: DashboardStore;
  readonly #card: HTMLElement;
  readonly #grid: HTMLElement;
  readonly #runSelect: HTMLSelectElement;
  readonly #kindSelect: HTMLSelectElement;
  readonly #canvases = new Map<string, HTMLCanvasElement>();

  constructor(store: DashboardStore, onChange: () => void) {
    this.#store = store;
    this.#card = document.getElementById('card-histograms')!;
    this.#grid = document.getElementById('histogram-grid')!;
    this.#runSelect = document.getElementById('histogram-run') as HTMLSelectElement;
    this.#kindSelect = document.getElementById('histogram-kind') as HTMLSelectElement;
    this.#runSelect.addEventListener('change', onChange);
    this.#kindSelect.addEventListener('change', onChange);
  }

  /** Redraws from the store. */
  update(): void {
    const runs = [...this.#store.runs.values()].filter((r) => r.histograms.size > 0);
    this.#card.hidden = runs.length === 0;
    if (runs.length === 0) return;
    syncOptions(
      this.#runSelect,
      runs.map((r) => r.runId),
    );
    const run = this.#store.runs.get(this.#runSelect.value) as RunView;
    const kinds = KINDS.filter((k) => [...run.histograms.values()].some((h) => h.kind === k));
    syncOptions(this.#kindSelect, kinds);
    const shown = [...run.histograms.values()].filter((h) => h.kind === this.#kindSelect.value);
    for (const [layer, canvas] of this.#canvases) {
      if (!shown.some((h) => h.layer === layer)) {
        canvas.remove();
        this.#canvases.delete(layer);
      }
    }
    for (const h of shown) {
      let canvas = this.#canvases.get(h.layer);
      if (!canvas) {
        canvas = document.createElement('canvas');
        canvas.setAttribute('aria-label', `histogram of ${h.layer}`);
        this.#grid.append(canvas);
        this.#canvases.set(h.layer, canvas);
      }
      draw(canvas, h, run.color);
    }
  }
}

/** Makes `select`'s options `values`, keeping the selection when it is still there. */
function syncOptions(select: HTMLSelectElement, values: readonly string[]): void {
  const current = Array.from(select.options).map((o) => o.value);
  if (current.join('\n') === values.join('\n')) return;
  const keep = select.value;
  select.replaceChildren(...values.map((v) => new Option(v, v)));
  if (values.includes(keep)) select.value = keep;
}
