// Datasets in shared memory: copied once into SharedArrayBuffers so every worker reads the same
// raw bytes (scaled on the fly when a batch is gathered) and no task ever carries sample data.

import type { Dataset } from '../data/dataset.js';

/** A dataset as plain, transferable data: the arrays live on SharedArrayBuffers. */
export interface SharedDataset {
  readonly name: string;
  readonly n: number;
  readonly features: number;
  readonly classes: number;
  readonly scale: number;
  readonly x: Uint8Array | Float32Array;
  readonly labels: Uint8Array;
  /** Regression targets (samples × classes), shared like `x`; absent for classification. */
  readonly targets?: Float32Array;
}

function shareArray<T extends Uint8Array | Float32Array>(source: T): T {
  if (source.buffer instanceof SharedArrayBuffer) return source;
  const bytes = new SharedArrayBuffer(source.byteLength);
  const copy = (source instanceof Uint8Array ? new Uint8Array(bytes) : new Float32Array(bytes)) as T;
  copy.set(source);
  return copy;
}

/** Copies a dataset's samples and labels into shared memory (once, before training). */
export function shareDataset(ds: Dataset): SharedDataset {
  return {
    name: ds.name,
    n: ds.n,
    features: ds.features,
    classes: ds.classes,
    scale: ds.scale,
    x: shareArray(ds.x),
    labels: shareArray(ds.labels),
    ...(ds.targets ? { targets: shareArray(ds.targets) } : {}),
  };
}

/** A shared dataset is already a valid `Dataset` (same fields); this names the conversion. */
export function attachDataset(shared: SharedDataset): Dataset {
  return shared;
}
