// The one seeded random source: a counter-based generator (a keyed 32-bit hash of a counter).
// Counter-based means any draw can be recomputed from (key, index) alone, so a dropout mask or a
// shuffle does not depend on how work was split between threads, and the whole state is two numbers.

const TWO_POW_32 = 4294967296;

/** A strong 32-bit integer mixer ("lowbias32", C. Wellons' hash prospector). */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** Hashes a key and up to three 32-bit words into one uniform 32-bit value. */
export function hash32(key: number, a: number, b = 0, c = 0): number {
  let h = mix32((key ^ 0x9e3779b9) >>> 0);
  h = mix32((h ^ a) >>> 0);
  h = mix32((h + Math.imul(b, 0x85ebca6b)) >>> 0);
  return mix32((h ^ Math.imul(c, 0xc2b2ae35)) >>> 0);
}

/** A uniform float in [0, 1) from a key and up to three words; pure, allocation-free. */
export function uniformAt(key: number, a: number, b = 0, c = 0): number {
  return hash32(key, a, b, c) / TWO_POW_32;
}

/** Serializable generator state, stored with checkpoints. */
export interface RngState {
  readonly key: number;
  readonly counter: number;
}

/**
 * A seeded stream of random numbers. The same seed gives the same numbers on every run and
 * platform (only integer arithmetic and IEEE doubles are used).
 *
 * @example
 * const rng = new Rng(42);
 * rng.float(); // in [0, 1)
 * rng.normal(); // standard normal
 * const child = rng.fork('dropout'); // an independent stream, derived from the label
 */
export class Rng {
  #key: number;
  #counter: number;

  constructor(seed: number, counter = 0) {
    if (!Number.isInteger(seed)) throw new TypeError(`Rng: seed must be an integer, got ${seed}`);
    this.#key = mix32(seed >>> 0) ^ mix32(Math.floor(seed / TWO_POW_32) >>> 0);
    this.#counter = counter;
  }

  /** Restores a generator from `state()`. */
  static fromState(state: RngState): Rng {
    const rng = new Rng(0);
    rng.#key = state.key >>> 0;
    rng.#counter = state.counter;
    return rng;
  }

  /** The generator's state: `Rng.fromState(rng.state())` continues the same stream. */
  state(): RngState {
    return { key: this.#key, counter: this.#counter };
  }

  /** The key of this stream, for pure draws with `uniformAt(key, …)`. */
  get key(): number {
    return this.#key;
  }

  /** An independent generator derived from this one's key and a label (does not advance this one). */
  fork(label: string | number): Rng {
    let h = this.#key;
    const text = String(label);
    for (let i = 0; i < text.length; i++) h = mix32((h ^ text.charCodeAt(i)) >>> 0);
    const child = new Rng(0);
    child.#key = mix32((h + 0x632be5ab) >>> 0);
    return child;
  }

  /** A uniform unsigned 32-bit integer. */
  u32(): number {
    const n = this.#counter++;
    return hash32(this.#key, n >>> 0, Math.floor(n / TWO_POW_32));
  }

  /** A uniform float in [0, 1) with 32 random bits. */
  float(): number {
    return this.u32() / TWO_POW_32;
  }

  /** A uniform float in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.float();
  }

  /** A uniform integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > TWO_POW_32) {
      throw new RangeError(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    }
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let x = this.u32();
    while (x >= limit) x = this.u32();
    return x % n;
  }

  /** A standard normal draw (Box–Muller; uses two uniforms, discards the second normal for simplicity). */
  normal(): number {
    const u1 = (this.u32() + 0.5) / TWO_POW_32; // never 0, so log is finite
    const u2 = this.u32() / TWO_POW_32;
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Fills `out` with normal draws of the given standard deviation (and mean). */
  fillNormal(out: Float32Array, std: number, mean = 0): Float32Array {
    for (let i = 0; i < out.length; i++) out[i] = mean + std * this.normal();
    return out;
  }

  /** Shuffles `values` in place (Fisher–Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: number }>(values: T): T {
    for (let i = values.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = values[i];
      values[i] = values[j];
      values[j] = t;
    }
    return values;
  }

  /** A shuffled permutation of 0..n-1. */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }
}
