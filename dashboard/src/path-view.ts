// An optimizer's path over the contours of a 2D function (the book's chapter 6 pictures): filled,
// outlined bands from the server's sampled grid, and one polyline per visible run.

import type { PathSurface } from '../../src/protocol/run-data.js';
import { CANVAS_FONT, hiDpiContext } from './canvas.js';
import { bandOf, quantileLevels, sampleAt } from './contour-levels.js';
import { formatNumber } from './format.js';
import type { DashboardStore, RunView } from './store.js';

const LEVELS = 14;
const PAD = 28;

/** Paints the bands and contour lines of `s` into a `w × h` device-pixel image. */
function paintSurface(s: PathSurface, w: number, h: number): HTMLCanvasElement {
  const levels = quantileLevels(s.values, LEVELS);
  const bands = new Uint8Array(w * h);
  for (let py = 0; py < h; py++) {
    const y = s.y[1] - ((s.y[1] - s.y[0]) * py) / (h - 1);
    for (let px = 0; px < w; px++) {
      bands[py * w + px] = bandOf(levels, sampleAt(s, s.x[0] + ((s.x[1] - s.x[0]) * px) / (w - 1), y));
    }
  }
  const image = new ImageData(w, h);
  for (let i = 0; i < w * h; i++) {
    // Low values deep blue-grey, high values near white; a line where the band changes.
    const t = bands[i] / levels.length;
    const edge = (i % w < w - 1 && bands[i + 1] !== bands[i]) || (i + w < w * h && bands[i + w] !== bands[i]);
    const [r, g, b] = edge ? [130, 145, 170] : [165 + 85 * t, 180 + 72 * t, 245 + 9 * t];
    image.data.set([r, g, b, 255], i * 4);
  }
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  canvas.getContext('2d')!.putImageData(image, 0, 0);
  return canvas;
}

/** A canvas and the mapping from the surface's coordinates to it. */
interface View {
  readonly ctx: CanvasRenderingContext2D;
  readonly s: PathSurface;
  readonly width: number;
  readonly height: number;
  readonly toX: (x: number) => number;
  readonly toY: (y: number) => number;
}

function drawAxes({ ctx, s, width, height }: View): void {
  ctx.font = CANVAS_FONT;
  ctx.fillStyle = '#475569';
  ctx.textAlign = 'center';
  ctx.fillText(formatNumber(s.x[0]), PAD, height - 8);
  ctx.fillText(formatNumber(s.x[1]), width - PAD, height - 8);
  ctx.fillText('x', width / 2, height - 8);
  ctx.fillText('y', PAD / 2, height / 2);
  ctx.textAlign = 'right';
  ctx.fillText(formatNumber(s.y[1]), PAD - 4, PAD + 10);
  ctx.fillText(formatNumber(s.y[0]), PAD - 4, height - PAD);
}

/** A run's path: a line through its points, each marked, the last one larger. */
function drawPath({ ctx, toX, toY }: View, run: RunView): void {
  const { x, y } = run.path;
  ctx.strokeStyle = run.color;
  ctx.lineWidth = 2;
  ctx.beginPath();
  for (let i = 0; i < x.length; i++) ctx.lineTo(toX(x[i]), toY(y[i]));
  ctx.stroke();
  ctx.fillStyle = '#ffffff';
  for (let i = 0; i < x.length; i++) {
    ctx.beginPath();
    ctx.arc(toX(x[i]), toY(y[i]), i === x.length - 1 ? 4.5 : 2.5, 0, 2 * Math.PI);
    ctx.fill();
    ctx.stroke();
  }
}

/** The minimum as a dark cross, drawn last so paths do not hide it. */
function drawMinimum({ ctx, toX, toY }: View, [mx, my]: readonly [number, number]): void {
  const [cx, cy] = [toX(mx), toY(my)];
  ctx.strokeStyle = '#0f172a';
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.moveTo(cx - 6, cy);
  ctx.lineTo(cx + 6, cy);
  ctx.moveTo(cx, cy - 6);
  ctx.lineTo(cx, cy + 6);
  ctx.stroke();
}

/** The path card; hidden until some run has a surface. */
export class PathView {
  readonly #store: DashboardStore;
  readonly #card: HTMLElement;
  readonly #canvas: HTMLCanvasElement;
  #background: { key: string; image: HTMLCanvasElement } | undefined;

  constructor(store: DashboardStore) {
    this.#store = store;
    this.#card = document.getElementById('card-path')!;
    this.#canvas = document.getElementById('path-canvas') as HTMLCanvasElement;
  }

  /** Redraws from the store. */
  update(): void {
    const runs = [...this.#store.runs.values()].filter((r) => r.surface);
    this.#card.hidden = runs.length === 0;
    if (runs.length === 0) return;
    const s = runs[0].surface!;
    document.getElementById('path-title')!.textContent = `Optimizer paths over ${s.name}`;
    const width = Math.min(760, Math.max(320, this.#card.clientWidth - 300));
    const aspect = Math.min(0.8, Math.max(0.45, (s.y[1] - s.y[0]) / (s.x[1] - s.x[0])));
    const height = Math.round(width * aspect);
    const view: View = {
      ctx: hiDpiContext(this.#canvas, width, height),
      s,
      width,
      height,
      toX: (x) => PAD + ((x - s.x[0]) / (s.x[1] - s.x[0])) * (width - 2 * PAD),
      toY: (y) => PAD + ((s.y[1] - y) / (s.y[1] - s.y[0])) * (height - 2 * PAD),
    };
    view.ctx.clearRect(0, 0, width, height);
    view.ctx.drawImage(
      this.#surfaceImage(s, width - 2 * PAD, height - 2 * PAD),
      PAD,
      PAD,
      width - 2 * PAD,
      height - 2 * PAD,
    );
    drawAxes(view);
    const drawn = runs.filter((r) => r.visible && r.surface?.name === s.name);
    for (const run of drawn) drawPath(view, run);
    if (s.minimum) drawMinimum(view, s.minimum);
    this.#canvas.dataset.points = String(runs.reduce((n, r) => n + r.path.x.length, 0));
    this.#legend(drawn);
  }

  /** The contour picture at device resolution, repainted only when the surface or size changes. */
  #surfaceImage(s: PathSurface, w: number, h: number): HTMLCanvasElement {
    const ratio = window.devicePixelRatio || 1;
    const key = `${s.name}|${w}|${h}|${ratio}`;
    if (this.#background?.key !== key) {
      this.#background = { key, image: paintSurface(s, Math.round(w * ratio), Math.round(h * ratio)) };
    }
    return this.#background.image;
  }

  /** Each drawn run: its colour, name, and where it ended. */
  #legend(runs: readonly RunView[]): void {
    const items = runs.map((run) => {
      const li = document.createElement('li');
      li.style.setProperty('--run-color', run.color);
      const { x, y } = run.path;
      const loss = run.steps.column('loss');
      const at = x.length > 0 ? `(${formatNumber(x.at(-1))}, ${formatNumber(y.at(-1))})` : '–';
      const f = loss.length > 0 ? ` · f = ${formatNumber(loss[loss.length - 1])}` : '';
      li.innerHTML = '<span class="swatch"></span><strong></strong><small></small>';
      li.querySelector('strong')!.textContent = run.runId;
      li.querySelector('small')!.textContent = `${x.length - 1} steps, at ${at}${f}`;
      return li;
    });
    document.getElementById('path-legend')!.replaceChildren(...items);
  }
}
