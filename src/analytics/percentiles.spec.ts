import { TICK_DEVIATION_BUCKET_EDGES_MS, TickTimingRecorder, deviationBucketOf } from '../rounds/tick-timing';
import { histogramPercentile, mergeHistograms, percentile } from './percentiles';

const BUCKETS = TICK_DEVIATION_BUCKET_EDGES_MS.length;

function histogramOf(values: number[]): number[] {
  const histogram = new Array<number>(BUCKETS).fill(0);
  for (const value of values) histogram[deviationBucketOf(value)] += 1;
  return histogram;
}

describe('percentiles', () => {
  it('nearest-rank percentiles of exact samples', () => {
    const values = [5, 1, 4, 2, 3, 10, 9, 8, 7, 6];
    expect(percentile(values, 0.5)).toBe(5);
    expect(percentile(values, 0.99)).toBe(10);
    expect(percentile(values, 0.1)).toBe(1);
    expect(percentile([], 0.5)).toBeNull();
    expect(() => percentile(values, 0)).toThrow(RangeError);
  });

  it('buckets deviations by their lower edges, the last one open', () => {
    expect(deviationBucketOf(0)).toBe(0);
    expect(deviationBucketOf(0.99)).toBe(0);
    expect(deviationBucketOf(1)).toBe(1);
    expect(deviationBucketOf(7.5)).toBe(TICK_DEVIATION_BUCKET_EDGES_MS.indexOf(6));
    expect(deviationBucketOf(1_000_000)).toBe(BUCKETS - 1);
    expect(deviationBucketOf(-3)).toBe(0);
  });

  it('a histogram percentile is the upper edge of the bucket holding the nearest-rank sample, never above the max seen', () => {
    const values = [...Array.from({ length: 98 }, () => 0.5), 13, 41];
    const histogram = histogramOf(values);
    expect(histogramPercentile(histogram, 0.5, 41)).toBe(1);
    expect(histogramPercentile(histogram, 0.99, 41)).toBe(15);
    expect(histogramPercentile(histogram, 1, 41)).toBe(41);
    expect(histogramPercentile(histogramOf([6000]), 0.5, 6000)).toBe(6000);
    expect(histogramPercentile(new Array(BUCKETS).fill(0), 0.5, 0)).toBeNull();
  });

  it('bounds the exact percentile: lower edge <= exact <= answer', () => {
    let state = 7;
    const random = () => ((state = (state * 48271) % 2147483647) / 2147483647);
    const values = Array.from({ length: 5000 }, () => Math.floor(random() * random() * 400));
    const histogram = histogramOf(values);
    const max = Math.max(...values);
    for (const q of [0.5, 0.9, 0.99]) {
      const exact = percentile(values, q)!;
      const answer = histogramPercentile(histogram, q, max)!;
      expect(answer).toBeGreaterThanOrEqual(exact);
      expect(TICK_DEVIATION_BUCKET_EDGES_MS[deviationBucketOf(exact)]).toBeLessThanOrEqual(exact);
      expect(deviationBucketOf(answer - 1e-9)).toBe(deviationBucketOf(exact));
    }
  });

  it('merged histograms give the percentiles of all samples together', () => {
    const a = [1, 2, 3, 50];
    const b = [0, 0, 200, 7];
    const merged = mergeHistograms([histogramOf(a), histogramOf(b)]);
    expect(merged).toEqual(histogramOf([...a, ...b]));
    expect(() => mergeHistograms([[1, 2]])).toThrow(RangeError);
  });
});

describe('TickTimingRecorder', () => {
  it('measures lateness against the due time and intervals between passes, catch-up passes counted', () => {
    const timing = new TickTimingRecorder(250);
    timing.recordPass(1_002, [1_000]);
    timing.recordPass(1_253, [1_250]);
    timing.recordPass(1_501, [1_500]);
    timing.recordPass(2_260, [1_750, 2_000, 2_250]); // a stall: three candles at once
    const summary = timing.summary();
    expect(summary).toMatchObject({ tickMs: 250, ticks: 6, catchUpPasses: 1, intervals: 3, minIntervalMs: 248, maxIntervalMs: 759, maxDeviationMs: 510 });
    expect(summary.meanIntervalMs).toBeCloseTo((251 + 248 + 759) / 3, 9);
    expect(summary.deviationHistogram.reduce((sum, count) => sum + count, 0)).toBe(6);
    expect(histogramPercentile(summary.deviationHistogram, 0.5, summary.maxDeviationMs)).toBe(4);
  });

  it('a clone previews a pass without changing the original', () => {
    const timing = new TickTimingRecorder(100);
    timing.recordPass(100, [100]);
    const preview = timing.clone();
    preview.recordPass(205, [200]);
    expect(timing.summary().ticks).toBe(1);
    expect(preview.summary()).toMatchObject({ ticks: 2, intervals: 1, meanIntervalMs: 105, maxDeviationMs: 5 });
  });

  it('an empty recorder has no intervals', () => {
    expect(new TickTimingRecorder(250).summary()).toMatchObject({ ticks: 0, intervals: 0, meanIntervalMs: null, intervalStddevMs: null, minIntervalMs: null });
  });
});
