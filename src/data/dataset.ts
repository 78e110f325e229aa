// PLACEHOLDER: the data helper replaces this file. The Dataset interface below is fixed.

/** A labelled classification dataset held in memory (shareable as raw bytes). */
export interface Dataset {
  /** Human-readable name, e.g. `mnist/train`. */
  readonly name: string;
  /** Number of samples. */
  readonly n: number;
  /** Features per sample (784 for MNIST). */
  readonly features: number;
  /** Number of classes (10 for MNIST). */
  readonly classes: number;
  /** Row-major samples × features: raw bytes (scaled on the fly by `scale`) or floats. */
  readonly x: Uint8Array | Float32Array;
  /** Multiplier applied to `x` when a batch is gathered (1/255 for MNIST bytes, 1 for floats). */
  readonly scale: number;
  /** Class index of each sample. */
  readonly labels: Uint8Array;
}
