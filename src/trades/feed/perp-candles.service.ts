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

/** Who writes a feed's candles: the feed (its lease key) and the writer's fencing token. */
export interface FeedFence {
  feed: string;
  token: number;
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

  /**
   * Makes `token` the one allowed to write `feed`'s candles (the lease key names the feed). Answers whether it
   * did: false, with the stored token, when a leader with this token or a newer one claimed it already (then
   * the Redis fence counter is behind, e.g. after Redis lost its data, and the caller raises it and tries again).
   * Waits for a flush in flight, which share-locks the row: that flush commits before this claim.
   */
  async claimFeed(feed: string, token: number): Promise<{ claimed: boolean; token: number }> {
    const claimed = (await this.dataSource.query(
      `INSERT INTO perp_feed_leader (feed, token) VALUES ($1, $2)
       ON CONFLICT (feed) DO UPDATE SET token = EXCLUDED.token, claimed_at = now() WHERE perp_feed_leader.token < EXCLUDED.token
       RETURNING token::text AS token`,
      [feed, token],
    )) as { token: string }[];
    if (claimed.length > 0) return { claimed: true, token };
    const [row] = (await this.dataSource.query(`SELECT token::text AS token FROM perp_feed_leader WHERE feed = $1`, [feed])) as { token: string }[];
    return { claimed: false, token: Number(row?.token ?? 0) };
  }

  /**
   * One statement for every changed candle, fenced: it writes only while `fence.token` is the feed's claimed
   * token (perp_feed_leader). The CTE share-locks that row for the statement, so a new leader's claim (an update
   * of the row) either waits for this upsert to commit, or commits first and this upsert then finds another
   * token and writes nothing. Every write of an ex-leader is therefore ordered before every write of its
   * successor: it cannot leave a stale close over the successor's. Answers the stored rows (volume included)
   * for broadcasting, or null when fenced out.
   */
  async upsertPrices(candles: readonly PriceCandle[], fence: FeedFence, now = new Date()): Promise<StoredCandle[] | null> {
    if (candles.length === 0) return [];
    const values: unknown[] = [now, fence.feed, fence.token];
    const tuples = candles.map((candle) => {
      const first = values.length + 1;
      values.push(candle.symbol, candle.interval, new Date(candle.openTime), candle.open, candle.high, candle.low, candle.close);
      const [symbol, interval, openTime, open, high, low, close] = [0, 1, 2, 3, 4, 5, 6].map((i) => `$${first + i}`);
      return `(${symbol}::varchar, ${interval}::varchar, ${openTime}::timestamptz, ${open}::numeric, ${high}::numeric, ${low}::numeric, ${close}::numeric)`;
    });
    const sql = `
      WITH fence AS (SELECT 1 FROM perp_feed_leader WHERE feed = $2 AND token = $3 FOR SHARE),
      written AS (
        INSERT INTO perp_candles (symbol, interval, open_time, open, high, low, close, volume, updated_at)
        SELECT c.symbol, c.interval, c.open_time, c.open, c.high, c.low, c.close, 0, $1::timestamptz
        FROM (VALUES ${tuples.join(', ')}) AS c (symbol, interval, open_time, open, high, low, close)
        WHERE EXISTS (SELECT 1 FROM fence)
        ON CONFLICT (symbol, interval, open_time) DO UPDATE SET
          high = GREATEST(perp_candles.high, EXCLUDED.high),
          low = LEAST(perp_candles.low, EXCLUDED.low),
          close = EXCLUDED.close,
          updated_at = EXCLUDED.updated_at
        RETURNING ${COLUMNS}
      )
      SELECT (SELECT count(*) FROM fence)::int AS fenced_in, written.* FROM (SELECT 1) AS one LEFT JOIN written ON true`;
    const rows = (await this.dataSource.query(sql, values)) as (CandleRow & { fenced_in: number })[];
    if (rows.length === 0 || rows[0].fenced_in === 0) return null;
    return rows.filter((row) => row.symbol !== null).map(toStored);
  }

  /**
   * Deletes `interval` candles of `symbols` opening before `before`, at most `chunk` rows a statement (by the
   * primary key's symbol and interval prefix, so each chunk is an index range), until none are left or
   * `keepGoing` says stop. Answers how many rows went.
   */
  async pruneBefore(symbols: readonly string[], interval: CandleInterval, before: Date, chunk = 5000, keepGoing: () => boolean = () => true): Promise<number> {
    let deleted = 0;
    for (const symbol of symbols) {
      for (;;) {
        // TypeORM answers a DELETE with [rows, rowCount].
        const [, count] = (await this.dataSource.query(
          `DELETE FROM perp_candles WHERE ctid = ANY(ARRAY(
             SELECT ctid FROM perp_candles WHERE symbol = $1 AND interval = $2 AND open_time < $3 ORDER BY open_time LIMIT $4))`,
          [symbol, interval, before, chunk],
        )) as [unknown[], number];
        deleted += count;
        if (count < chunk || !keepGoing()) break;
      }
      if (!keepGoing()) break;
    }
    return deleted;
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
