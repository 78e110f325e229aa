// SVG primitives for the labs' figures: scales, nice ticks, escaping and the document wrapper.
// Plain strings, no DOM and no dependency, so figures are written by the same process that trains.

/** A rectangle in SVG user units. */
export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** Maps data values onto pixels; `log` scales map log10 of the value. */
export interface Scale {
  (value: number): number;
  readonly domain: readonly [number, number];
  readonly log: boolean;
}

/** Ten distinguishable colours (Tableau 10), in the order series are given. */
export const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
] as const;

/** The palette colour of series `i` (wrapping around). */
export function colorAt(i: number): string {
  return PALETTE[i % PALETTE.length];
}

/** Escapes text for SVG content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A coordinate with one decimal: enough on screen, and it keeps the files small. */
export function px(value: number): string {
  return (Math.round(value * 10) / 10).toString();
}

/**
 * A linear (or log10) scale from `domain` onto `range`. A degenerate domain is widened so that
 * a constant series still draws (in the middle).
 */
export function scale(
  domain: readonly [number, number],
  range: readonly [number, number],
  log = false,
): Scale {
  const t = (v: number) => (log ? Math.log10(Math.max(v, Number.MIN_VALUE)) : v);
  let [d0, d1] = [t(domain[0]), t(domain[1])];
  if (!(d1 > d0)) [d0, d1] = [d0 - 0.5, d0 + 0.5];
  const k = (range[1] - range[0]) / (d1 - d0);
  const f = (v: number) => range[0] + (t(v) - d0) * k;
  return Object.assign(f, { domain: [domain[0], domain[1]] as const, log });
}

/** About `count` round tick values covering [min, max] (1, 2 or 5 × a power of ten apart). */
export function niceTicks(min: number, max: number, count = 5): number[] {
  if (!(max > min)) return [min];
  const raw = (max - min) / Math.max(1, count);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const ticks: number[] = [];
  // k·step rounded to 12 digits: repeated additions would give 0.6000000000000001.
  for (let k = Math.ceil(min / step - 1e-9); k * step <= max + step * 1e-9; k++) {
    ticks.push(Number((k * step).toPrecision(12)) + 0);
  }
  return ticks;
}

/** Powers of ten within [min, max], for log axes. */
export function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.ceil(Math.log10(min) - 1e-9); e <= Math.floor(Math.log10(max) + 1e-9); e++)
    ticks.push(10 ** e);
  return ticks;
}

/** A tick label: short, without float noise (0.30000000000000004 → 0.3; 1e-6 stays 1e-6). */
export function tickLabel(value: number): string {
  if (value === 0) return '0';
  const a = Math.abs(value);
  if (a >= 1e5 || a < 1e-3) return value.toExponential(0).replace('e+', 'e');
  return Number(value.toPrecision(4)).toString();
}

/** `<text>` with escaping; `anchor` is start, middle or end. */
export function text(
  x: number,
  y: number,
  content: string,
  o: { anchor?: string; size?: number; weight?: string; rotate?: boolean; color?: string } = {},
): string {
  const rotate = o.rotate ? ` transform="rotate(-90 ${px(x)} ${px(y)})"` : '';
  const weight = o.weight ? ` font-weight="${o.weight}"` : '';
  const fill = o.color ? ` fill="${o.color}"` : '';
  return `<text x="${px(x)}" y="${px(y)}" font-size="${o.size ?? 11}" text-anchor="${o.anchor ?? 'start'}"${weight}${fill}${rotate}>${escapeXml(content)}</text>`;
}

/** An SVG path through the points; non-finite points break the line into pieces. */
export function pathData(xs: ArrayLike<number>, ys: ArrayLike<number>, sx: Scale, sy: Scale): string {
  let d = '';
  let pen = false;
  for (let i = 0; i < xs.length; i++) {
    const x = sx(xs[i]);
    const y = sy(ys[i]);
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${px(x)} ${px(y)}`;
    pen = true;
  }
  return d;
}

/** The whole document: white background, a sans-serif font, the given body. */
export function svgDocument(width: number, height: number, body: readonly string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ...body,
    '</svg>',
    '',
  ].join('\n');
}
