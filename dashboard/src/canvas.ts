// A canvas sized for the screen's pixel density, drawn in CSS pixels.

/** Sizes `canvas` to `width × height` CSS pixels at the device pixel ratio; returns its 2D context. */
export function hiDpiContext(
  canvas: HTMLCanvasElement,
  width: number,
  height: number,
): CanvasRenderingContext2D {
  const ratio = window.devicePixelRatio || 1;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
  }
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  return ctx;
}

/** The font every canvas label uses. */
export const CANVAS_FONT = '12px system-ui, sans-serif';
