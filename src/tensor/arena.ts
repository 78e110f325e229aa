// One contiguous buffer from which every float buffer of a training run is carved: parameters,
// gradients, optimizer slots, layer scratch. One buffer means one thing to share with workers,
// and one thing that can later be a WebAssembly.Memory without the layers noticing.

import { GradstreamError } from '../errors.js';

/** Every region starts on a 64-byte boundary: SIMD-aligned and on its own cache line. */
export const ARENA_ALIGN_BYTES = 64;

/** Element types a region may hold. */
export type RegionType = 'f32' | 'f64' | 'i32' | 'u8';

const BYTES: Record<RegionType, number> = { f32: 4, f64: 8, i32: 4, u8: 1 };

/** Where one region sits: plain data, so workers can rebuild the same views. */
export interface RegionDescriptor {
  readonly name: string;
  readonly type: RegionType;
  readonly byteOffset: number;
  readonly length: number;
}

/** Plain description of an arena: what to send to a worker along with the buffer. */
export interface ArenaDescriptor {
  readonly byteLength: number;
  readonly regions: readonly RegionDescriptor[];
}

/** How the arena's memory is obtained. */
export interface ArenaAllocation {
  /** Back the arena with a SharedArrayBuffer so worker threads can share it. Default false. */
  readonly shared?: boolean;
  /**
   * Supplies the buffer instead (for example a shared WebAssembly.Memory's buffer). It receives
   * the byte length needed, counted from `byteOffset`.
   */
  readonly allocate?: (byteLength: number) => ArrayBuffer | SharedArrayBuffer;
  /** First byte the arena may use inside the supplied buffer (default 0). */
  readonly byteOffset?: number;
}

function alignUp(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}

/**
 * Collects region requests, then allocates them all at once.
 *
 * @example
 * const b = new ArenaBuilder();
 * b.f32('params', 1000);
 * b.f32('grads', 1000);
 * const arena = b.build({ shared: true });
 * arena.f32('params').length; // 1000
 */
export class ArenaBuilder {
  readonly #requests: Array<{ name: string; type: RegionType; length: number }> = [];

  /** Requests a Float32Array region. */
  f32(name: string, length: number): this {
    return this.#add(name, 'f32', length);
  }

  /** Requests a Float64Array region (losses and norms that must not lose precision). */
  f64(name: string, length: number): this {
    return this.#add(name, 'f64', length);
  }

  /** Requests an Int32Array region (counters, barriers for Atomics). */
  i32(name: string, length: number): this {
    return this.#add(name, 'i32', length);
  }

  /** Requests a Uint8Array region (raw pixels, masks). */
  u8(name: string, length: number): this {
    return this.#add(name, 'u8', length);
  }

  /** True when a region of that name was requested. */
  has(name: string): boolean {
    return this.#requests.some((r) => r.name === name);
  }

  #add(name: string, type: RegionType, length: number): this {
    if (!Number.isInteger(length) || length < 0) {
      throw new GradstreamError(
        'ERR_SHAPE_MISMATCH',
        `arena: region ${name} length must be an integer ≥ 0, got ${length}`,
      );
    }
    if (this.has(name)) throw new GradstreamError('ERR_SHAPE_MISMATCH', `arena: duplicate region ${name}`);
    this.#requests.push({ name, type, length });
    return this;
  }

  /** Lays the regions out and allocates the buffer. */
  build(allocation: ArenaAllocation = {}): Arena {
    const base = allocation.byteOffset ?? 0;
    let cursor = alignUp(base, ARENA_ALIGN_BYTES);
    const regions: RegionDescriptor[] = [];
    for (const r of this.#requests) {
      regions.push({ name: r.name, type: r.type, byteOffset: cursor, length: r.length });
      cursor = alignUp(cursor + r.length * BYTES[r.type], ARENA_ALIGN_BYTES);
    }
    const byteLength = Math.max(cursor, ARENA_ALIGN_BYTES);
    const buffer = allocation.allocate
      ? allocation.allocate(byteLength - base)
      : allocation.shared
        ? new SharedArrayBuffer(byteLength)
        : new ArrayBuffer(byteLength);
    if (buffer.byteLength < byteLength) {
      throw new GradstreamError(
        'ERR_SHAPE_MISMATCH',
        `arena: allocated buffer has ${buffer.byteLength} bytes, needs ${byteLength}`,
      );
    }
    return new Arena(buffer, { byteLength, regions });
  }
}

type View = Float32Array | Float64Array | Int32Array | Uint8Array;

/** Typed views over one buffer, by region name. Views are created once and reused. */
export class Arena {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  readonly descriptor: ArenaDescriptor;
  readonly #views = new Map<string, View>();

  /** Attaches to an existing buffer (in a worker: the SharedArrayBuffer plus the descriptor). */
  constructor(buffer: ArrayBuffer | SharedArrayBuffer, descriptor: ArenaDescriptor) {
    this.buffer = buffer;
    this.descriptor = descriptor;
    for (const r of descriptor.regions) {
      const view =
        r.type === 'f32'
          ? new Float32Array(buffer, r.byteOffset, r.length)
          : r.type === 'f64'
            ? new Float64Array(buffer, r.byteOffset, r.length)
            : r.type === 'i32'
              ? new Int32Array(buffer, r.byteOffset, r.length)
              : new Uint8Array(buffer, r.byteOffset, r.length);
      this.#views.set(r.name, view);
    }
  }

  /** True when the buffer can be shared with worker threads. */
  get shared(): boolean {
    return typeof SharedArrayBuffer !== 'undefined' && this.buffer instanceof SharedArrayBuffer;
  }

  /** True when a region of that name exists. */
  has(name: string): boolean {
    return this.#views.has(name);
  }

  /** The Float32Array region `name`. */
  f32(name: string): Float32Array {
    return this.#get(name, Float32Array);
  }

  /** The Float64Array region `name`. */
  f64(name: string): Float64Array {
    return this.#get(name, Float64Array);
  }

  /** The Int32Array region `name`. */
  i32(name: string): Int32Array {
    return this.#get(name, Int32Array);
  }

  /** The Uint8Array region `name`. */
  u8(name: string): Uint8Array {
    return this.#get(name, Uint8Array);
  }

  #get<T extends View>(name: string, type: new (...args: never[]) => T): T {
    const view = this.#views.get(name);
    if (!view) {
      throw new GradstreamError(
        'ERR_SHAPE_MISMATCH',
        `arena: no region ${JSON.stringify(name)}; regions: ${[...this.#views.keys()].join(', ')}`,
      );
    }
    if (!(view instanceof type)) {
      throw new GradstreamError('ERR_SHAPE_MISMATCH', `arena: region ${name} is not a ${type.name}`);
    }
    return view;
  }
}
