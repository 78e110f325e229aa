// Column-wise storage of a table while it streams in: a numeric column as float64 values, a text
// column as codes into its dictionary (grown by doubling, so a row costs no allocation of its own).

/** A growable Float64Array. */
export class NumberStore {
  values = new Float64Array(1024);
  length = 0;
  push(value: number): void {
    if (this.length === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    this.values[this.length++] = value;
  }
}

/** A growable Uint32Array. */
export class CodeStore {
  codes = new Uint32Array(1024);
  length = 0;
  push(code: number): void {
    if (this.length === this.codes.length) {
      const grown = new Uint32Array(this.codes.length * 2);
      grown.set(this.codes);
      this.codes = grown;
    }
    this.codes[this.length++] = code;
  }
}

/** A text column's distinct values, numbered in order of first appearance. */
export class Dictionary {
  readonly values: string[] = [];
  private readonly codes = new Map<string, number>();
  /** The value's code, adding it when new. */
  code(value: string): number {
    let code = this.codes.get(value);
    if (code === undefined) {
      code = this.values.length;
      this.codes.set(value, code);
      this.values.push(value);
    }
    return code;
  }
  has(value: string): boolean {
    return this.codes.has(value);
  }
  get size(): number {
    return this.values.length;
  }
}
