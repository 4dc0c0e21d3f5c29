import { TICK_DEVIATION_BUCKET_EDGES_MS } from '../rounds/tick-timing';

/** Percentiles of bucketed samples (tick deviations): histograms merge exactly, so hours are sums of rounds. */

export function mergeHistograms(histograms: readonly (readonly number[])[], buckets = TICK_DEVIATION_BUCKET_EDGES_MS.length): number[] {
  const merged = new Array<number>(buckets).fill(0);
  for (const histogram of histograms) {
    if (histogram.length !== buckets) throw new RangeError(`histogram has ${histogram.length} buckets, expected ${buckets}`);
    histogram.forEach((count, index) => (merged[index] += count));
  }
  return merged;
}

/**
 * The q-quantile (0 < q <= 1) of a histogram as the upper edge of the bucket holding the sample of rank
 * ceil(q·n), nearest-rank: the true value is below it and at or above the bucket's lower edge. The open last
 * bucket answers `overflow` (the largest value observed). Null without samples.
 */
export function histogramPercentile(histogram: readonly number[], q: number, overflow: number, edges: readonly number[] = TICK_DEVIATION_BUCKET_EDGES_MS): number | null {
  if (!(q > 0 && q <= 1)) throw new RangeError(`quantile must be in (0, 1], got ${q}`);
  const total = histogram.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  const rank = Math.ceil(q * total);
  let seen = 0;
  for (let index = 0; index < histogram.length; index += 1) {
    seen += histogram[index];
    if (seen >= rank) return index + 1 < edges.length ? Math.min(edges[index + 1], Math.max(overflow, edges[index])) : overflow;
  }
  return overflow;
}

/** The nearest-rank q-quantile of exact samples; null when empty. */
export function percentile(values: readonly number[], q: number): number | null {
  if (!(q > 0 && q <= 1)) throw new RangeError(`quantile must be in (0, 1], got ${q}`);
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil(q * sorted.length) - 1];
}
