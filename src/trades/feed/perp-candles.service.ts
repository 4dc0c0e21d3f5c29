import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { isDecimalString, midPrice } from './decimal-price';
import { bucketStart, CANDLE_INTERVALS, CandleInterval, INTERVAL_MS, PriceCandle } from './candle-aggregator';
import { PriceFeedStale } from './feed-errors';
import { PerpPrices } from './perp-prices';
import type { DayStats } from './ticker';

/** A stored candle as the API shows it. */
export interface StoredCandle {
  symbol: string;
  interval: CandleInterval;
  openTime: string;
  closeTime: string;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
}

interface CandleRow {
  symbol: string;
  interval: CandleInterval;
  open_time: Date;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
}

export interface CandleRange {
  /** Inclusive, ms since epoch. */
  from?: number;
  /** Exclusive, ms since epoch. */
  to?: number;
  limit: number;
}

const COLUMNS = `symbol, interval, open_time, open::text AS open, high::text AS high, low::text AS low, close::text AS close, volume::text AS volume`;

function toStored(row: CandleRow): StoredCandle {
  const openTime = row.open_time.getTime();
  return {
    symbol: row.symbol,
    interval: row.interval,
    openTime: new Date(openTime).toISOString(),
    closeTime: new Date(openTime + INTERVAL_MS[row.interval]).toISOString(),
    open: row.open,
    high: row.high,
    low: row.low,
    close: row.close,
    volume: row.volume,
  };
}

/**
 * The `perp_candles` table. Two writers that commute: the feed leader upserts prices (the open of a row it
 * finds stays, high and low only widen, the close is its latest mid) and the venue adds traded notional
 * (`recordVolume`), so neither overwrites the other and a new leader continues a bucket its predecessor began.
 */
@Injectable()
export class PerpCandles {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly prices: PerpPrices,
  ) {}

  /** One statement for every changed candle; answers the stored rows (volume included) for broadcasting. */
  async upsertPrices(candles: readonly PriceCandle[], now = new Date()): Promise<StoredCandle[]> {
    if (candles.length === 0) return [];
    const values: unknown[] = [now];
    const tuples = candles.map((candle) => {
      const first = values.length + 1;
      values.push(candle.symbol, candle.interval, new Date(candle.openTime), candle.open, candle.high, candle.low, candle.close);
      const [symbol, interval, openTime, open, high, low, close] = [0, 1, 2, 3, 4, 5, 6].map((i) => `$${first + i}`);
      return `(${symbol}, ${interval}, ${openTime}::timestamptz, ${open}::numeric, ${high}::numeric, ${low}::numeric, ${close}::numeric, 0, $1::timestamptz)`;
    });
    const sql = `
      INSERT INTO perp_candles (symbol, interval, open_time, open, high, low, close, volume, updated_at)
      VALUES ${tuples.join(', ')}
      ON CONFLICT (symbol, interval, open_time) DO UPDATE SET
        high = GREATEST(perp_candles.high, EXCLUDED.high),
        low = LEAST(perp_candles.low, EXCLUDED.low),
        close = EXCLUDED.close,
        updated_at = EXCLUDED.updated_at
      RETURNING ${COLUMNS}`;
    const rows = (await this.dataSource.query(sql, values)) as CandleRow[];
    return rows.map(toStored);
  }

  /**
   * Adds `notional` (a USDC decimal string) to the volume of the candles of every interval holding `at`.
   * Pass the trade's transaction manager so the volume commits with the trade. A bucket with no row yet
   * starts at the symbol's latest mid.
   */
  async recordVolume(symbol: string, notional: string, at: Date | number, manager: EntityManager = this.dataSource.manager): Promise<void> {
    this.prices.assertKnown(symbol);
    if (!isDecimalString(notional) || notional.startsWith('-')) throw new Error(`recordVolume: notional must be a non-negative decimal string (got "${notional}")`);
    const quote = this.prices.latest(symbol);
    if (!quote) throw new PriceFeedStale(symbol, null, this.prices.staleMs);
    const mid = midPrice(quote.bid, quote.ask);
    const time = typeof at === 'number' ? at : at.getTime();
    const values: unknown[] = [symbol, mid, notional];
    const tuples = CANDLE_INTERVALS.map((interval) => {
      values.push(interval, new Date(bucketStart(interval, time)));
      return `($1, $${values.length - 1}, $${values.length}::timestamptz, $2::numeric, $2::numeric, $2::numeric, $2::numeric, $3::numeric, now())`;
    });
    await manager.query(
      `INSERT INTO perp_candles (symbol, interval, open_time, open, high, low, close, volume, updated_at)
       VALUES ${tuples.join(', ')}
       ON CONFLICT (symbol, interval, open_time) DO UPDATE SET volume = perp_candles.volume + EXCLUDED.volume, updated_at = now()`,
      values,
    );
  }

  /** Ascending by open time. With `from`: the first `limit` candles from it; without: the last `limit` before `to` (or now). */
  async list(symbol: string, interval: CandleInterval, range: CandleRange): Promise<StoredCandle[]> {
    const values: unknown[] = [symbol, interval];
    const where = ['symbol = $1', 'interval = $2'];
    if (range.from !== undefined) where.push(`open_time >= $${values.push(new Date(range.from))}`);
    if (range.to !== undefined) where.push(`open_time < $${values.push(new Date(range.to))}`);
    const limit = `$${values.push(range.limit)}`;
    const ascending = range.from !== undefined;
    const sql = `SELECT ${COLUMNS} FROM perp_candles WHERE ${where.join(' AND ')} ORDER BY open_time ${ascending ? 'ASC' : 'DESC'} LIMIT ${limit}`;
    const rows = (await this.dataSource.query(sql, values)) as CandleRow[];
    if (!ascending) rows.reverse();
    return rows.map(toStored);
  }

  /** High, low, volume and the opening mid of the 24 hours before `now`, from the 1m candles. */
  async dayStats(symbol: string, now = Date.now()): Promise<DayStats> {
    const since = new Date(bucketStart('1m', now - 24 * 3_600_000));
    const [row] = (await this.dataSource.query(
      `SELECT (array_agg(open::text ORDER BY open_time))[1] AS open, max(high)::text AS high, min(low)::text AS low, coalesce(sum(volume), 0)::text AS volume
       FROM perp_candles WHERE symbol = $1 AND interval = '1m' AND open_time >= $2`,
      [symbol, since],
    )) as { open: string | null; high: string | null; low: string | null; volume: string }[];
    return { open: row?.open ?? null, high: row?.high ?? null, low: row?.low ?? null, volume: row?.volume ?? '0' };
  }
}
