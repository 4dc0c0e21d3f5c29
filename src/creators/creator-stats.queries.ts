import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { quoteSell, type CurveRules } from './creator-curve';
import { curveRulesOf } from './creator-rules';

/** One change of a user's holding, as statistics read it (USDC minor units). */
export interface CreatorShareTradeRecord {
  creatorId: string;
  side: 'grant' | 'buy' | 'sell';
  shares: bigint;
  /** What the buyer paid (curve value plus fees) or the seller got (curve value less fees); 0 for the grant. */
  total: bigint;
  /** Creator and platform fees of the trade. */
  fees: bigint;
  at: Date;
}

/** A user's current holding of one creator, valued at the curve now. */
export interface CreatorShareHoldingRecord {
  creatorId: string;
  shares: bigint;
  /** The bought shares still held (the creator's own share 1 is never sellable). */
  sellableShares: bigint;
  /** What selling the sellable shares now would pay, after fees (as `GET /me/creator-shares` values them); 0 when not sellable. */
  marketValue: bigint;
}

/**
 * Read-only queries over creator shares for statistics (src/analytics reads the creators' tables only through
 * these): a user's trade history, current holdings at the current curve price, and the dividends paid to them.
 */
@Injectable()
export class CreatorStatsQueries {
  private readonly rules: CurveRules;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    config: AppConfig,
  ) {
    this.rules = curveRulesOf(config);
  }

  /** Every grant, buy and sell of the user, oldest first (cost accounting needs the whole history, whatever the period). */
  async tradesOf(userId: string): Promise<CreatorShareTradeRecord[]> {
    const rows = (await this.dataSource.query(
      `SELECT creator_id, side, shares::text, total::text, (creator_fee + platform_fee)::text AS fees, created_at
         FROM creator_share_trades WHERE user_id = $1 ORDER BY created_at, id`,
      [userId],
    )) as { creator_id: string; side: CreatorShareTradeRecord['side']; shares: string; total: string; fees: string; created_at: Date }[];
    return rows.map((row) => ({ creatorId: row.creator_id, side: row.side, shares: BigInt(row.shares), total: BigInt(row.total), fees: BigInt(row.fees), at: row.created_at }));
  }

  async holdingsOf(userId: string): Promise<CreatorShareHoldingRecord[]> {
    const rows = (await this.dataSource.query(
      `SELECT h.creator_id, h.shares::text, m.supply::text,
              COALESCE((SELECT sum(l.remaining) FROM creator_share_lots l WHERE l.user_id = h.user_id AND l.creator_id = h.creator_id), 0)::text AS sellable
         FROM creator_share_holdings h JOIN creator_share_markets m ON m.creator_id = h.creator_id
        WHERE h.user_id = $1 AND h.shares > 0 ORDER BY h.creator_id`,
      [userId],
    )) as { creator_id: string; shares: string; supply: string; sellable: string }[];
    return rows.map((row) => {
      const sellableShares = BigInt(row.sellable);
      return { creatorId: row.creator_id, shares: BigInt(row.shares), sellableShares, marketValue: sellableShares > 0n ? this.sellValue(BigInt(row.supply), sellableShares) : 0n };
    });
  }

  /**
   * Dividends paid to the user (parts at or below their dividend's `paid_through`), ever or since `since`: a part is
   * dated by when its dividend finished paying (one still being paid: now), as payments carry no time of their own.
   */
  async dividendsReceived(userId: string, since: Date | null): Promise<bigint> {
    const [row] = (await this.dataSource.query(
      `SELECT COALESCE(sum(p.amount), 0)::text AS amount
         FROM creator_dividend_payments p JOIN creator_dividends d ON d.creator_id = p.creator_id AND d.period = p.period
        WHERE p.user_id = $1 AND p.user_id <= d.paid_through AND ($2::timestamptz IS NULL OR COALESCE(d.paid_at, now()) >= $2)`,
      [userId, since],
    )) as { amount: string }[];
    return BigInt(row.amount);
  }

  /** A sell the curve refuses (it would return nothing after fees) is worth 0. */
  private sellValue(supply: bigint, shares: bigint): bigint {
    try {
      return quoteSell(supply, shares, this.rules).total;
    } catch {
      return 0n;
    }
  }
}
