// Saving what the page shows: a chart as PNG (on white, with a title and a legend of the runs by
// name, wrapped onto as many lines as it needs) and any text as a file.

import { CANVAS_FONT } from './canvas.js';
import { type Labelled, runLabel } from './run-label.js';

/** Starts a download of `blob` as `filename`. */
export function download(blob: Blob, filename: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

const PAD = 16;
const TITLE_HEIGHT = 36;
const LEGEND_GAP = 14;
const ROW_HEIGHT = 20;
const SWATCH = 14;

/** Where each legend entry goes: rows as wide as the chart at most (an entry wider than that gets a row). */
function legendRows(
  ctx: CanvasRenderingContext2D,
  labels: readonly string[],
  width: number,
): { x: number; row: number }[] {
  ctx.font = CANVAS_FONT;
  let x = 0;
  let row = 0;
  return labels.map((label) => {
    const w = SWATCH + 6 + ctx.measureText(label).width;
    if (x > 0 && x + w > width) {
      x = 0;
      row += 1;
    }
    const at = { x, row };
    x += w + 22;
    return at;
  });
}

/**
 * `source` (a chart's canvas) on white, with `title` above it and a colour legend of `runs` (by
 * name) below, on a canvas sized to hold all of it.
 */
export function chartImage(
  source: HTMLCanvasElement,
  title: string,
  runs: readonly (Labelled & { readonly color: string })[],
): HTMLCanvasElement {
  const ratio = window.devicePixelRatio || 1;
  const width = source.width / ratio;
  const height = source.height / ratio;
  const out = document.createElement('canvas');
  const measure = out.getContext('2d')!;
  const labels = runs.map(runLabel);
  const places = legendRows(measure, labels, width);
  const rows = places.length === 0 ? 0 : places[places.length - 1].row + 1;
  const titleFont = '600 15px system-ui, sans-serif';
  measure.font = titleFont;
  const outWidth = Math.max(width, measure.measureText(title).width) + 2 * PAD;
  const outHeight = TITLE_HEIGHT + height + (rows > 0 ? LEGEND_GAP + rows * ROW_HEIGHT : 0) + PAD;
  // Sizing the canvas resets its context, so measuring above happens before.
  out.width = Math.round(outWidth * ratio);
  out.height = Math.round(outHeight * ratio);
  const ctx = out.getContext('2d')!;
  ctx.scale(ratio, ratio);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, outWidth, outHeight);
  ctx.fillStyle = '#0f172a';
  ctx.font = titleFont;
  ctx.textBaseline = 'alphabetic';
  ctx.fillText(title, PAD, 24);
  ctx.drawImage(source, PAD, TITLE_HEIGHT, width, height);
  ctx.font = CANVAS_FONT;
  ctx.textBaseline = 'middle';
  const top = TITLE_HEIGHT + height + LEGEND_GAP;
  runs.forEach((run, i) => {
    const { x, row } = places[i];
    const y = top + row * ROW_HEIGHT + ROW_HEIGHT / 2;
    ctx.fillStyle = run.color;
    ctx.fillRect(PAD + x, y - 2, SWATCH, 4);
    ctx.fillStyle = '#334155';
    ctx.fillText(labels[i], PAD + x + SWATCH + 6, y);
  });
  return out;
}

/** Downloads {@link chartImage} of `source` as a PNG named `filename`. */
export function downloadPng(
  source: HTMLCanvasElement,
  title: string,
  runs: readonly (Labelled & { readonly color: string })[],
  filename: string,
): void {
  chartImage(source, title, runs).toBlob((blob) => {
    if (blob) download(blob, filename);
  }, 'image/png');
}
