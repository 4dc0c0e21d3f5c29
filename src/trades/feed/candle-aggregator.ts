import { maxDecimal, minDecimal } from './decimal-price';

export const CANDLE_INTERVALS = ['1m', '5m', '15m', '1h', '4h', '1d'] as const;
export type CandleInterval = (typeof CANDLE_INTERVALS)[number];

export const INTERVAL_MS: Readonly<Record<CandleInterval, number>> = {
  '1m': 60_000,
  '5m': 5 * 60_000,
  '15m': 15 * 60_000,
  '1h': 3_600_000,
  '4h': 4 * 3_600_000,
  '1d': 24 * 3_600_000,
};

export function isCandleInterval(value: unknown): value is CandleInterval {
  return typeof value === 'string' && (CANDLE_INTERVALS as readonly string[]).includes(value);
}

/** Start of the bucket holding `at`: buckets are aligned to the Unix epoch (UTC), so 1d starts at 00:00 UTC and 4h at 00, 04, … UTC. */
export function bucketStart(interval: CandleInterval, at: number): number {
  const size = INTERVAL_MS[interval];
  return Math.floor(at / size) * size;
}

/** One candle of mid prices (decimal strings); `volume` is kept apart (see PerpCandles.recordVolume). */
export interface PriceCandle {
  symbol: string;
  interval: CandleInterval;
  /** ms since epoch. */
  openTime: number;
  open: string;
  high: string;
  low: string;
  close: string;
}

/**
 * Candles of every interval per symbol, built in memory from mid prices on the feed leader. A price at
 * exactly a bucket's start opens that bucket (buckets are [start, start + size)); a price older than the
 * symbol's current bucket (a late update) is folded into nothing, since that bucket may already be stored.
 * `drainChanged` hands out the candles changed since the last call, for one upsert.
 */
export class CandleAggregator {
  private readonly current = new Map<string, PriceCandle>();
  private readonly changed = new Set<string>();
  /** Candles whose bucket ended with changes not yet handed out. */
  private finished: PriceCandle[] = [];

  constructor(private readonly intervals: readonly CandleInterval[] = CANDLE_INTERVALS) {}

  /** Folds one mid price in; returns the candles it changed. */
  apply(symbol: string, mid: string, at: number): PriceCandle[] {
    const touched: PriceCandle[] = [];
    for (const interval of this.intervals) {
      const key = `${symbol}|${interval}`;
      const openTime = bucketStart(interval, at);
      const candle = this.current.get(key);
      if (candle && openTime < candle.openTime) continue;
      if (!candle || openTime > candle.openTime) {
        if (candle && this.changed.has(key)) this.finished.push({ ...candle });
        const opened: PriceCandle = { symbol, interval, openTime, open: mid, high: mid, low: mid, close: mid };
        this.current.set(key, opened);
        touched.push(opened);
      } else {
        candle.high = maxDecimal(candle.high, mid);
        candle.low = minDecimal(candle.low, mid);
        candle.close = mid;
        touched.push(candle);
      }
      this.changed.add(key);
    }
    return touched;
  }

  latest(symbol: string, interval: CandleInterval): PriceCandle | null {
    return this.current.get(`${symbol}|${interval}`) ?? null;
  }

  /** Copies of the candles changed since the previous call, oldest bucket first (one whose bucket ended meanwhile included, final). */
  drainChanged(): PriceCandle[] {
    const drained = [...this.finished, ...[...this.changed].map((key) => ({ ...this.current.get(key)! }))];
    this.finished = [];
    this.changed.clear();
    return drained;
  }

  /** Hands candles out again at the next drain (their upsert failed), with their then-current values. */
  markChanged(candles: readonly PriceCandle[]): void {
    for (const candle of candles) {
      const key = `${candle.symbol}|${candle.interval}`;
      if (this.current.get(key)?.openTime === candle.openTime) this.changed.add(key);
      else this.finished.push(candle);
    }
  }
}
