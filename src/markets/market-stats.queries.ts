import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { PageCursor, SettlementResult, VenueTradeSummary } from '../common/stats/venue-stats';

const big = (value: string | null): bigint | null => (value === null ? null : BigInt(value));

/**
 * Read-only queries over prediction markets for statistics and leaderboards (src/analytics reads markets only
 * through these). A player's trade is their position in a resolved market once it was paid: P&L is what they
 * received (sales and the payout) less what they paid (fees included); volume is what they paid plus what they
 * sold for. Refunds of cancelled markets are not trades.
 */
@Injectable()
export class MarketStatsQueries {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async playerSummary(userId: string, since: Date | null): Promise<VenueTradeSummary> {
    const [row] = (await this.dataSource.query(
      `WITH trades AS (
         SELECT p.paid + p.received AS volume, p.received + COALESCE(p.settlement_amount, 0) - p.paid AS pnl
           FROM market_positions p JOIN markets m ON m.id = p.market_id
          WHERE p.user_id = $1 AND p.settled_at IS NOT NULL AND m.status = 'RESOLVED' AND ($2::timestamptz IS NULL OR p.settled_at >= $2)
       )
       SELECT count(*)::int AS trades, (count(*) FILTER (WHERE pnl > 0))::int AS wins,
              COALESCE(sum(volume), 0)::text AS volume, COALESCE(sum(pnl), 0)::text AS pnl,
              max(pnl)::text AS best, min(pnl)::text AS worst,
              (SELECT count(*) FROM market_positions o
                WHERE o.user_id = $1 AND o.settled_at IS NULL AND EXISTS (SELECT 1 FROM unnest(o.shares) AS s WHERE s > 0))::int AS open
         FROM trades`,
      [userId, since],
    )) as { trades: number; wins: number; volume: string; pnl: string; best: string | null; worst: string | null; open: number }[];
    return { trades: row.trades, wins: row.wins, volume: BigInt(row.volume), pnl: BigInt(row.pnl), best: big(row.best), worst: big(row.worst), openPositions: row.open };
  }

  /** Resolved markets whose settlement finished, in that order after the cursor. */
  async settledMarketsAfter(after: PageCursor | null, limit: number): Promise<PageCursor[]> {
    const rows = (await this.dataSource.query(
      `SELECT id, settled_at::text AS at FROM markets
        WHERE settled_at IS NOT NULL AND status = 'RESOLVED'
          AND ($1::timestamptz IS NULL OR (settled_at, id) > ($1::timestamptz, $2::uuid))
        ORDER BY settled_at, id LIMIT $3`,
      [after?.at ?? null, after?.id ?? null, limit],
    )) as PageCursor[];
    return rows.map((row) => ({ at: row.at, id: row.id }));
  }

  /** Each player's result in resolved, fully settled markets, attributed to the market's settlement. */
  async resultsOfMarkets(marketIds: string[]): Promise<SettlementResult[]> {
    if (marketIds.length === 0) return [];
    const rows = (await this.dataSource.query(
      `SELECT p.market_id, m.settled_at, p.user_id,
              (p.received + COALESCE(p.settlement_amount, 0) - p.paid)::text AS pnl, (p.paid + p.received)::text AS volume
         FROM market_positions p JOIN markets m ON m.id = p.market_id
        WHERE p.market_id = ANY($1::uuid[]) AND m.status = 'RESOLVED' AND m.settled_at IS NOT NULL
        ORDER BY p.market_id, p.user_id`,
      [marketIds],
    )) as { market_id: string; settled_at: Date; user_id: string; pnl: string; volume: string }[];
    return rows.map((row) => ({ settlementId: `market:${row.market_id}`, settledAt: row.settled_at, userId: row.user_id, pnl: BigInt(row.pnl), volume: BigInt(row.volume) }));
  }
}
