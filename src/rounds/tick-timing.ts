/**
 * Tick timing of one round, kept in memory by the engine and written once when the round ends (one row per
 * round, never one per tick). Two measures per persisted candle:
 *  - deviation: how late the candle was persisted after it was due (`startsAt + tick * tickMs`), in ms;
 *  - interval: the time between two consecutive tick passes, against the nominal `tickMs`.
 * Deviations go into a fixed-bucket histogram so rounds merge into hourly percentiles exactly.
 */

/** Lower bounds (ms) of the deviation buckets; bucket i holds [EDGES[i], EDGES[i + 1]), the last one is open. */
export const TICK_DEVIATION_BUCKET_EDGES_MS: readonly number[] = [
  0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 80, 100, 150, 200, 300, 500, 1000, 2000, 5000,
];

export function deviationBucketOf(deviationMs: number): number {
  const value = Math.max(0, deviationMs);
  let low = 0;
  let high = TICK_DEVIATION_BUCKET_EDGES_MS.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (TICK_DEVIATION_BUCKET_EDGES_MS[mid] <= value) low = mid;
    else high = mid - 1;
  }
  return low;
}

export interface TickTimingSummary {
  tickMs: number;
  /** Candles this leader persisted (a round resumed by a new leader counts only its own). */
  ticks: number;
  /** Tick passes that persisted more than one candle (catching up after a stall). */
  catchUpPasses: number;
  intervals: number;
  meanIntervalMs: number | null;
  intervalStddevMs: number | null;
  minIntervalMs: number | null;
  maxIntervalMs: number | null;
  maxDeviationMs: number;
  /** Counts per TICK_DEVIATION_BUCKET_EDGES_MS bucket. */
  deviationHistogram: number[];
}

/** Accumulates a round's tick timing in O(1) memory per round. */
export class TickTimingRecorder {
  private ticks = 0;
  private catchUpPasses = 0;
  private intervals = 0;
  private intervalSum = 0;
  private intervalSquares = 0;
  private minInterval = Number.POSITIVE_INFINITY;
  private maxInterval = 0;
  private maxDeviation = 0;
  private lastPassAt: number | null = null;
  private readonly histogram = new Array<number>(TICK_DEVIATION_BUCKET_EDGES_MS.length).fill(0);

  constructor(readonly tickMs: number) {}

  /** One tick pass that persisted the candles of `ticks` (each due at `dueAt(tick)`) at `persistedAt` (ms). */
  recordPass(persistedAt: number, dueTimes: number[]): void {
    if (dueTimes.length === 0) return;
    if (this.lastPassAt !== null) {
      const interval = persistedAt - this.lastPassAt;
      this.intervals += 1;
      this.intervalSum += interval;
      this.intervalSquares += interval * interval;
      this.minInterval = Math.min(this.minInterval, interval);
      this.maxInterval = Math.max(this.maxInterval, interval);
    }
    this.lastPassAt = persistedAt;
    if (dueTimes.length > 1) this.catchUpPasses += 1;
    for (const due of dueTimes) {
      const deviation = Math.max(0, persistedAt - due);
      this.ticks += 1;
      this.maxDeviation = Math.max(this.maxDeviation, deviation);
      this.histogram[deviationBucketOf(deviation)] += 1;
    }
  }

  /** A copy, so a pass can be previewed inside a transaction that may still roll back. */
  clone(): TickTimingRecorder {
    const copy = new TickTimingRecorder(this.tickMs);
    copy.ticks = this.ticks;
    copy.catchUpPasses = this.catchUpPasses;
    copy.intervals = this.intervals;
    copy.intervalSum = this.intervalSum;
    copy.intervalSquares = this.intervalSquares;
    copy.minInterval = this.minInterval;
    copy.maxInterval = this.maxInterval;
    copy.maxDeviation = this.maxDeviation;
    copy.lastPassAt = this.lastPassAt;
    copy.histogram.splice(0, copy.histogram.length, ...this.histogram);
    return copy;
  }

  summary(): TickTimingSummary {
    const mean = this.intervals > 0 ? this.intervalSum / this.intervals : null;
    const variance = mean !== null ? Math.max(0, this.intervalSquares / this.intervals - mean * mean) : null;
    return {
      tickMs: this.tickMs,
      ticks: this.ticks,
      catchUpPasses: this.catchUpPasses,
      intervals: this.intervals,
      meanIntervalMs: mean,
      intervalStddevMs: variance === null ? null : Math.sqrt(variance),
      minIntervalMs: this.intervals > 0 ? this.minInterval : null,
      maxIntervalMs: this.intervals > 0 ? this.maxInterval : null,
      maxDeviationMs: this.maxDeviation,
      deviationHistogram: [...this.histogram],
    };
  }
}
