import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import type { PageCursor, SettlementResult, VenueTradeSummary } from '../common/stats/venue-stats';

const big = (value: string | null): bigint | null => (value === null ? null : BigInt(value));

/**
 * Read-only queries over live-market positions for statistics and leaderboards (src/analytics reads perps only
 * through these). A trade is a closed position: P&L is what came back less the margin and the open fee
 * (the close fee is already out of the payout); volume is its notional.
 */
@Injectable()
export class PerpStatsQueries {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async playerSummary(userId: string, since: Date | null): Promise<VenueTradeSummary> {
    const [row] = (await this.dataSource.query(
      `WITH trades AS (
         SELECT notional AS volume, payout - margin - open_fee AS pnl
           FROM perp_positions
          WHERE user_id = $1 AND status = 'closed' AND ($2::timestamptz IS NULL OR closed_at >= $2)
       )
       SELECT count(*)::int AS trades, (count(*) FILTER (WHERE pnl > 0))::int AS wins,
              COALESCE(sum(volume), 0)::text AS volume, COALESCE(sum(pnl), 0)::text AS pnl,
              max(pnl)::text AS best, min(pnl)::text AS worst,
              (SELECT count(*) FROM perp_positions WHERE user_id = $1 AND status = 'open')::int AS open
         FROM trades`,
      [userId, since],
    )) as { trades: number; wins: number; volume: string; pnl: string; best: string | null; worst: string | null; open: number }[];
    return { trades: row.trades, wins: row.wins, volume: BigInt(row.volume), pnl: BigInt(row.pnl), best: big(row.best), worst: big(row.worst), openPositions: row.open };
  }

  /** Closed positions after the cursor in closing order, each its own settlement. */
  async closedAfter(after: PageCursor | null, limit: number): Promise<{ results: SettlementResult[]; next: PageCursor | null }> {
    const rows = (await this.dataSource.query(
      `SELECT id, closed_at, closed_at::text AS at, user_id, (payout - margin - open_fee)::text AS pnl, notional::text AS volume
         FROM perp_positions
        WHERE status = 'closed' AND ($1::timestamptz IS NULL OR (closed_at, id) > ($1::timestamptz, $2::uuid))
        ORDER BY closed_at, id LIMIT $3`,
      [after?.at ?? null, after?.id ?? null, limit],
    )) as { id: string; closed_at: Date; at: string; user_id: string; pnl: string; volume: string }[];
    const last = rows[rows.length - 1];
    return { results: rows.map(toResult), next: last ? { at: last.at, id: last.id } : null };
  }

  /** The result of closed positions (open ones are left out). */
  async resultsOfPositions(positionIds: string[]): Promise<SettlementResult[]> {
    if (positionIds.length === 0) return [];
    const rows = (await this.dataSource.query(
      `SELECT id, closed_at, user_id, (payout - margin - open_fee)::text AS pnl, notional::text AS volume
         FROM perp_positions WHERE id = ANY($1::uuid[]) AND status = 'closed' ORDER BY id`,
      [positionIds],
    )) as { id: string; closed_at: Date; user_id: string; pnl: string; volume: string }[];
    return rows.map(toResult);
  }
}

function toResult(row: { id: string; closed_at: Date; user_id: string; pnl: string; volume: string }): SettlementResult {
  return { settlementId: `perp:${row.id}`, settledAt: row.closed_at, userId: row.user_id, pnl: BigInt(row.pnl), volume: BigInt(row.volume) };
}
