import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { InvalidField } from '../common/errors/domain-error';
import { formatAmount } from '../common/money/amount';
import { CandleInterval, CandlesDto, MarketCandlesQueryDto, TickerDto } from './market-data.dto';
import { MARKET_FILLS_SQL, marketFillsSql } from './market-fills.sql';
import { formatUnits, resolveOutcome, UNIT_DECIMALS } from './market-rules';
import { MarketRepository } from './market.repository';
import { toMarketDto } from './market.mapper';

const INTERVAL_MS: Record<CandleInterval, number> = { '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000, '4h': 14_400_000, '1d': 86_400_000 };
/** Without `from`, candles start this many intervals before `to`; a range may span at most MAX_CANDLES intervals. */
const DEFAULT_CANDLES = 500;
const MAX_CANDLES = 1000;
const TICKER_WINDOW_MS = 86_400_000;
/** Intervals are aligned on this origin (a Monday at midnight UTC), so 4h and 1d candles start at 00:00 UTC. */
const BUCKET_ORIGIN = '2000-01-03T00:00:00Z';

interface CandleRow {
  bucket: Date;
  open: string;
  high: string;
  low: string;
  close: string;
  shares: string;
  notional: string;
  trades: number;
}

/** A 6-decimal price string (numeric scale 6) as millionths. */
const micros = (price: string): bigint => BigInt(price.replace('.', ''));

/** Market data of prediction markets: OHLCV candles and the 24 h ticker, aggregated in SQL over pool and book fills. */
@Injectable()
export class MarketDataService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async candles(marketId: string, query: MarketCandlesQueryDto, now: Date = new Date()): Promise<CandlesDto> {
    const manager = this.dataSource.manager;
    await MarketRepository.find(manager, marketId);
    const outcome = resolveOutcome(await MarketRepository.labels(manager, marketId), query.outcome);
    const step = INTERVAL_MS[query.interval];
    const to = query.to ? new Date(query.to) : now;
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - DEFAULT_CANDLES * step);
    if (from.getTime() >= to.getTime()) throw new InvalidField('from', 'must be before to');
    if ((to.getTime() - from.getTime()) / step > MAX_CANDLES) throw new InvalidField('from', `and to may span at most ${MAX_CANDLES} intervals of ${query.interval}`);
    const rows = (await this.dataSource.query(
      `SELECT date_bin($3::interval, created_at, $6::timestamptz) AS bucket,
              (array_agg(price ORDER BY created_at, id))[1] AS open, max(price) AS high, min(price) AS low,
              (array_agg(price ORDER BY created_at DESC, id DESC))[1] AS close,
              sum(shares) AS shares, sum(notional) AS notional, count(*)::int AS trades
         FROM (${MARKET_FILLS_SQL}) fills
        WHERE outcome = $2 AND created_at >= $4 AND created_at < $5
        GROUP BY bucket ORDER BY bucket`,
      [marketId, outcome, `${step / 1000} seconds`, from, to, BUCKET_ORIGIN],
    )) as CandleRow[];
    return {
      outcome,
      interval: query.interval,
      from: from.toISOString(),
      to: to.toISOString(),
      candles: rows.map((row) => ({
        at: row.bucket.toISOString(),
        open: row.open,
        high: row.high,
        low: row.low,
        close: row.close,
        volumeShares: formatUnits(BigInt(row.shares)),
        volumeUsdc: formatUnits(BigInt(row.notional)),
        trades: row.trades,
      })),
    };
  }

  /** Per outcome over the last 24 h: last price, change from the price 24 h ago, high, low, volume. */
  async ticker(marketId: string, now: Date = new Date()): Promise<TickerDto> {
    const manager = this.dataSource.manager;
    const market = await MarketRepository.find(manager, marketId);
    const labels = await MarketRepository.labels(manager, marketId);
    const from = new Date(now.getTime() - TICKER_WINDOW_MS);
    const window = (await this.dataSource.query(
      `SELECT outcome, (array_agg(price ORDER BY created_at, id))[1] AS first, (array_agg(price ORDER BY created_at DESC, id DESC))[1] AS last,
              max(price) AS high, min(price) AS low, sum(shares) AS shares, sum(notional) AS notional, count(*)::int AS trades
         FROM (${MARKET_FILLS_SQL}) fills
        WHERE created_at > $2 AND created_at <= $3
        GROUP BY outcome`,
      [marketId, from, now],
    )) as { outcome: number; first: string; last: string; high: string; low: string; shares: string; notional: string; trades: number }[];
    // The last fill of each outcome before the window: one short backward index read per outcome and side.
    const before = (await this.dataSource.query(
      `SELECT each.outcome, (
                SELECT fills.price FROM (${marketFillsSql({ filter: 'outcome = each.outcome AND created_at <= $2', newest: '1' })}) fills
                 ORDER BY fills.created_at DESC, fills.id DESC LIMIT 1
              ) AS price
         FROM generate_series(0, $3::int - 1) AS each(outcome)`,
      [marketId, from, labels.length],
    )) as { outcome: number; price: string | null }[];
    const inWindow = new Map(window.map((row) => [row.outcome, row]));
    const lastBefore = new Map(before.filter((row) => row.price !== null).map((row) => [row.outcome, row.price!]));
    const prices = toMarketDto(market, labels).outcomes;
    return {
      marketId,
      from: from.toISOString(),
      to: now.toISOString(),
      outcomes: labels.map((label, outcome) => {
        const row = inWindow.get(outcome);
        const open = lastBefore.get(outcome) ?? row?.first ?? null;
        const last = row?.last ?? lastBefore.get(outcome) ?? null;
        return {
          outcome,
          label,
          price: prices[outcome].price,
          last,
          open,
          change: last !== null && open !== null ? formatAmount(micros(last) - micros(open), UNIT_DECIMALS) : null,
          high: row?.high ?? null,
          low: row?.low ?? null,
          volumeShares: formatUnits(BigInt(row?.shares ?? 0)),
          volumeUsdc: formatUnits(BigInt(row?.notional ?? 0)),
          trades: row?.trades ?? 0,
        };
      }),
    };
  }
}
