// Min/max-bucket downsampling: which rows of a long series to keep so a chart of a few thousand
// points still shows every spike (an average or every-nth pick would hide them).

/**
 * Returns the indices, in increasing order, of the rows of `values[0..n)` to keep: all of them when
 * `n <= maxPoints`, else the minimum and maximum of each of `maxPoints / 2` equal buckets, plus the
 * first and the last row. Non-finite values (NaN: a skipped step) never win a bucket; a bucket
 * with no finite value keeps its first row, so the gap stays visible.
 *
 * @example
 * minMaxIndices(Float64Array.of(1, 9, 2, 3), 4, 2); // [0, 1, 3]: bucket [1, 9, 2, 3] keeps 1 and 9
 */
export function minMaxIndices(values: Float64Array, n: number, maxPoints: number): number[] {
  if (n <= maxPoints) return Array.from({ length: n }, (_, i) => i);
  const buckets = Math.max(1, Math.floor(maxPoints / 2));
  const kept = [0];
  for (let b = 0; b < buckets; b++) {
    const start = Math.floor((b * n) / buckets);
    const end = Math.floor(((b + 1) * n) / buckets);
    let lo = -1;
    let hi = -1;
    for (let i = start; i < end; i++) {
      const v = values[i];
      if (!Number.isFinite(v)) continue;
      if (lo < 0 || v < values[lo]) lo = i;
      if (hi < 0 || v > values[hi]) hi = i;
    }
    if (lo < 0) kept.push(start);
    else if (lo === hi) kept.push(lo);
    else kept.push(Math.min(lo, hi), Math.max(lo, hi));
  }
  kept.push(n - 1);
  // Buckets are disjoint and increasing, so only the ends can repeat.
  return kept.filter((index, k) => k === 0 || index !== kept[k - 1]);
}
