// A growable table of Float64 columns: full-resolution history of a run's metrics, appended in O(1)
// amortised, read back as plain column slices or picked rows for the wire.

/** Columns of numbers, appended row by row; NaN encodes a missing value (`null` on the wire). */
export class ColumnTable<K extends string> {
  readonly names: readonly K[];
  #columns: Float64Array[];
  #length = 0;

  constructor(names: readonly K[], capacity = 1024) {
    this.names = names;
    this.#columns = names.map(() => new Float64Array(capacity));
  }

  /** Number of rows. */
  get length(): number {
    return this.#length;
  }

  /** The live column `name` (valid up to `length`; replaced when the table grows). */
  column(name: K): Float64Array {
    return this.#columns[this.names.indexOf(name)];
  }

  /** Appends one row; `values` follows `names`' order. */
  push(values: readonly number[]): void {
    if (this.#length === this.#columns[0].length) {
      // Doubling keeps appends amortised O(1) and the number of copies logarithmic.
      this.#columns = this.#columns.map((c) => {
        const grown = new Float64Array(c.length * 2);
        grown.set(c);
        return grown;
      });
    }
    for (let c = 0; c < this.#columns.length; c++) this.#columns[c][this.#length] = values[c];
    this.#length++;
  }

  /**
   * Keeps only the rows at `indices` (increasing, each < `length`), in place and in order; the
   * capacity stays, so a table that is compacted when full never grows again.
   */
  retain(indices: readonly number[]): void {
    for (const column of this.#columns) {
      // indices[k] >= k, so every read is ahead of (or at) the write: nothing needed is overwritten.
      for (let k = 0; k < indices.length; k++) column[k] = column[indices[k]];
    }
    this.#length = indices.length;
  }

  /** Rows `[start, end)` as plain arrays keyed by column name, NaN as `null`. */
  slice(start: number, end: number): Record<K, (number | null)[]> {
    return this.#pick((c) => Array.from(c.subarray(start, end), toWire));
  }

  /** The rows at `indices` (increasing), NaN as `null`. */
  rows(indices: readonly number[]): Record<K, (number | null)[]> {
    return this.#pick((c) => indices.map((i) => toWire(c[i])));
  }

  #pick(read: (column: Float64Array) => (number | null)[]): Record<K, (number | null)[]> {
    const out = {} as Record<K, (number | null)[]>;
    this.names.forEach((name, c) => {
      out[name] = read(this.#columns[c]);
    });
    return out;
  }
}

function toWire(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
