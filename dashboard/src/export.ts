// Saving what the page shows: a chart as PNG (on white, with a title and a legend of the runs) and
// any text as a file.

import { CANVAS_FONT } from './canvas.js';

/** Starts a download of `blob` as `filename`. */
export function download(blob: Blob, filename: string): void {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 1000);
}

/** Downloads `source` as a PNG with `title` above it and a colour legend of `runs` below. */
export function downloadPng(
  source: HTMLCanvasElement,
  title: string,
  runs: readonly { readonly runId: string; readonly color: string }[],
  filename: string,
): void {
  const ratio = window.devicePixelRatio || 1;
  const width = source.width / ratio;
  const height = source.height / ratio;
  const out = document.createElement('canvas');
  out.width = Math.round((width + 32) * ratio);
  out.height = Math.round((height + 72) * ratio);
  const ctx = out.getContext('2d')!;
  ctx.scale(ratio, ratio);
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width + 32, height + 72);
  ctx.fillStyle = '#0f172a';
  ctx.font = '600 15px system-ui, sans-serif';
  ctx.fillText(title, 16, 24);
  ctx.drawImage(source, 16, 36, width, height);
  ctx.font = CANVAS_FONT;
  let x = 16;
  for (const run of runs) {
    ctx.fillStyle = run.color;
    ctx.fillRect(x, height + 50, 14, 4);
    ctx.fillStyle = '#334155';
    ctx.fillText(run.runId, x + 20, height + 56);
    x += 36 + ctx.measureText(run.runId).width;
  }
  out.toBlob((blob) => {
    if (blob) download(blob, filename);
  }, 'image/png');
}
