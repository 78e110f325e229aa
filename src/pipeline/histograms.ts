// Histograms of a network's weights, gradients and activations, computed on the main thread from
// shared memory at a safe point (the book's distribution pictures, live on the dashboard).

import { gatherBatch } from '../data/batch.js';
import type { Dataset } from '../data/dataset.js';
import type { Network } from '../nn/network.js';
import { entryViews } from '../tensor/layout.js';
import type { HistogramEvent } from '../train/events.js';

/** Bins of every histogram. */
export const HISTOGRAM_BINS = 30;

/** A fixed-bin histogram of `values` over [min, max] (one bin of width 1 around a constant). */
export function histogram(
  values: ArrayLike<number>,
  bins = HISTOGRAM_BINS,
): { edges: number[]; counts: number[] } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { edges: [0, 1], counts: [0] };
  if (min === max) {
    min -= 0.5;
    max += 0.5;
  }
  const width = (max - min) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) counts[Math.min(bins - 1, Math.floor((values[i] - min) / width))]++;
  return { edges: Array.from({ length: bins + 1 }, (_, i) => min + i * width), counts };
}

/**
 * Histograms at `step`: every weight matrix, the gradient of one probe batch at the current
 * parameters (computed here, into the main network's own gradient region), and every hidden
 * activation of that batch in inference mode.
 */
export function networkHistograms(network: Network, probe: Dataset, step: number): HistogramEvent[] {
  const n = Math.min(network.capacity, probe.n);
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  gatherBatch(probe, order, 0, n, network.input, network.labels, network.targets);
  network.inputFrom(probe);
  const events: HistogramEvent[] = [];
  const weights = network.layout.entries.filter((e) => e.role === 'weight');
  const params = entryViews(network.layout, network.params);
  for (const e of weights)
    events.push({ type: 'histogram', step, layer: e.name, kind: 'weights', ...histogram(params[e.name]) });
  network.lossAndGradient(n, step);
  const grads = entryViews(network.layout, network.grads);
  for (const e of weights)
    events.push({ type: 'histogram', step, layer: e.name, kind: 'gradients', ...histogram(grads[e.name]) });
  network.forward({ n, train: false, step });
  for (const a of network.activations(n))
    events.push({ type: 'histogram', step, layer: a.layer, kind: 'activations', ...histogram(a.values) });
  return events;
}
