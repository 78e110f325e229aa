// Datasets inside a run's arena: the samples are copied once into the kernels' memory, so the wasm
// gather kernel reads rows where they lie (no staging copy per step), and workers share them there.

import type { Arena, ArenaBuilder } from '../tensor/arena.js';
import type { Dataset } from './dataset.js';

/** The arena region that holds the samples of the dataset placed under `key`. */
export function datasetRegion(key: string): string {
  return `data/${key}.x`;
}

/** Requests a region for `ds`'s samples (bytes or floats, as stored) under `key`. */
export function declareDataset(builder: ArenaBuilder, key: string, ds: Dataset): void {
  if (ds.x instanceof Uint8Array) builder.u8(datasetRegion(key), ds.x.length);
  else builder.f32(datasetRegion(key), ds.x.length);
}

/**
 * Copies `ds`'s samples into the region `declareDataset` requested and returns the dataset with `x`
 * viewing it (labels stay where they are: only JS reads them).
 *
 * @example
 * declareDataset(builder, 'train', train);
 * const arena = builder.build(kernels.allocation);
 * const inArena = placeDataset(arena, 'train', train); // kernels.gatherRows can read inArena.x
 */
export function placeDataset(arena: Arena, key: string, ds: Dataset): Dataset {
  const x = ds.x instanceof Uint8Array ? arena.u8(datasetRegion(key)) : arena.f32(datasetRegion(key));
  x.set(ds.x);
  return { ...ds, x };
}

/** `ds` with `x` re-viewed through `arena` (a worker's own view of a dataset placed under `key`). */
export function viewDataset(arena: Arena, key: string, ds: Dataset): Dataset {
  if (!arena.has(datasetRegion(key))) return ds;
  const x = ds.x instanceof Uint8Array ? arena.u8(datasetRegion(key)) : arena.f32(datasetRegion(key));
  return { ...ds, x };
}
