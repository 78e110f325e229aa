// The layout of a model's flat parameter vector: named, shaped entries at fixed offsets.
// Parameters, gradients and every optimizer slot share one layout, so index i means the same
// scalar everywhere and work can be split into contiguous ranges.

import { GradstreamError } from '../errors.js';

/** Offsets are rounded up to this many floats (16 bytes), so SIMD kernels see aligned rows. */
export const LAYOUT_ALIGN = 4;

/** What kind of parameter an entry is; weight decay and initialisers act on `weight` only. */
export type ParamRole = 'weight' | 'bias' | 'scale' | 'shift';

/** One named tensor inside the flat vector. */
export interface LayoutEntry {
  readonly name: string;
  readonly shape: readonly number[];
  readonly role: ParamRole;
  readonly offset: number;
  readonly length: number;
}

/** Plain, serialisable description of a flat vector: entries in order and the total length. */
export interface Layout {
  readonly entries: readonly LayoutEntry[];
  /** Total number of floats, padding included. */
  readonly size: number;
}

/** An entry as declared, before offsets are assigned. */
export interface EntryDeclaration {
  readonly name: string;
  readonly shape: readonly number[];
  readonly role: ParamRole;
}

/** Assigns aligned offsets to the declared entries, in order. Names must be unique. */
export function defineLayout(declarations: readonly EntryDeclaration[]): Layout {
  const seen = new Set<string>();
  const entries: LayoutEntry[] = [];
  let offset = 0;
  for (const { name, shape, role } of declarations) {
    if (seen.has(name)) {
      throw new GradstreamError('ERR_SHAPE_MISMATCH', `layout: duplicate entry name ${JSON.stringify(name)}`);
    }
    seen.add(name);
    const length = shape.reduce((a, b) => a * b, 1);
    if (!Number.isInteger(length) || length <= 0) {
      throw new GradstreamError(
        'ERR_SHAPE_MISMATCH',
        `layout: ${name} has invalid shape [${shape.join(', ')}]`,
      );
    }
    entries.push({ name, shape: [...shape], role, offset, length });
    offset += Math.ceil(length / LAYOUT_ALIGN) * LAYOUT_ALIGN;
  }
  return { entries, size: offset };
}

/** Finds an entry by name, or throws naming the entries that exist. */
export function layoutEntry(layout: Layout, name: string): LayoutEntry {
  const entry = layout.entries.find((e) => e.name === name);
  if (!entry) {
    throw new GradstreamError(
      'ERR_SHAPE_MISMATCH',
      `layout: no entry ${JSON.stringify(name)}; entries: ${layout.entries.map((e) => e.name).join(', ')}`,
    );
  }
  return entry;
}

/** A view of one entry inside a flat vector laid out by `layout` (no copy). */
export function entryView(layout: Layout, flat: Float32Array, name: string): Float32Array {
  const entry = layoutEntry(layout, name);
  return flat.subarray(entry.offset, entry.offset + entry.length);
}

/** Views of every entry, by name (no copies). */
export function entryViews(layout: Layout, flat: Float32Array): Record<string, Float32Array> {
  const views: Record<string, Float32Array> = {};
  for (const e of layout.entries) views[e.name] = flat.subarray(e.offset, e.offset + e.length);
  return views;
}

/** Which entry holds flat index `i` (for error messages such as "NaN in layer2.W"). */
export function entryAt(layout: Layout, i: number): LayoutEntry | undefined {
  return layout.entries.find((e) => i >= e.offset && i < e.offset + e.length);
}

/**
 * Splits [0, size) into `parts` contiguous ranges of near-equal length, aligned to LAYOUT_ALIGN,
 * covering every index exactly once. Used to shard the optimizer update over workers.
 */
export function shardRanges(size: number, parts: number): Array<readonly [number, number]> {
  const ranges: Array<readonly [number, number]> = [];
  const blocks = Math.ceil(size / LAYOUT_ALIGN);
  for (let p = 0; p < parts; p++) {
    const start = Math.min(size, Math.floor((blocks * p) / parts) * LAYOUT_ALIGN);
    const end = Math.min(size, Math.floor((blocks * (p + 1)) / parts) * LAYOUT_ALIGN);
    ranges.push([start, end]);
  }
  return ranges;
}
