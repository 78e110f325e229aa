// Fixed-capacity columnar buffers of a run's metrics (Float64Array per column), so the page hands
// uPlot subarrays of them with no copying and never grows memory without bound.

/** Columns of numbers, filled from the front up to a fixed capacity; NaN stands for a missing value. */
export class ColumnBuffer<K extends string> {
  readonly names: readonly K[];
  readonly capacity: number;
  readonly #columns: Record<K, Float64Array>;
  #length = 0;

  constructor(names: readonly K[], capacity: number) {
    this.names = names;
    this.capacity = capacity;
    this.#columns = Object.fromEntries(names.map((n) => [n, new Float64Array(capacity)])) as Record<
      K,
      Float64Array
    >;
  }

  /** Rows held. */
  get length(): number {
    return this.#length;
  }

  /** Column `name`, rows `[0, length)` (a view; valid until the next `clear`). */
  column(name: K): Float64Array {
    return this.#columns[name].subarray(0, this.#length);
  }

  /** Column `name` with NaN as null: what uPlot needs to draw a gap instead of a broken scale. */
  columnWithGaps(name: K): Float64Array | (number | null)[] {
    const c = this.column(name);
    return c.some(Number.isNaN) ? Array.from(c, (v) => (Number.isNaN(v) ? null : v)) : c;
  }

  /** Room left. */
  get free(): number {
    return this.capacity - this.#length;
  }

  /**
   * Appends `count` rows given as columns (`null` becomes NaN). Returns false, appending nothing,
   * when they do not fit: the caller asks the server for a downsampled snapshot instead.
   */
  append(columns: Partial<Record<K, ArrayLike<number | null>>>, count: number): boolean {
    if (count > this.free) return false;
    for (const name of this.names) {
      const source = columns[name];
      const target = this.#columns[name];
      for (let i = 0; i < count; i++) target[this.#length + i] = source?.[i] ?? Number.NaN;
    }
    this.#length += count;
    return true;
  }

  /** Empties the buffer (the memory is kept). */
  clear(): void {
    this.#length = 0;
  }
}
