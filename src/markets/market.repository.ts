import { EntityManager } from 'typeorm';
import { NotFound } from '../common/errors/domain-error';
import { SystemAccount } from '../accounts/ledger.service';
import { MarketEntity, MarketOutcomeEntity } from './market.entity';
import { isUuid } from '../common/ids';


export function poolOf(marketId: string): { system: string } {
  return SystemAccount.marketPool(marketId) as { system: string };
}

/** A market_positions row as node-postgres returns it (numeric[] as decimal strings). */
export interface PositionRow {
  shares: string[];
  cost_basis: string[];
  paid: string;
  received: string;
}

/** node-postgres' client for a multi-statement simple query: one result per statement. */
interface SimpleQueryClient {
  query(text: string): Promise<{ rows: unknown[] }[]>;
}

/** A `markets` row as node-postgres returns it (numeric as string, numeric[] as strings, timestamptz as Date). */
interface MarketRow {
  id: string;
  question: string;
  description: string;
  category: string;
  status: MarketEntity['status'];
  closes_at: Date;
  resolved_outcome: number | null;
  liquidity: string;
  outstanding_shares: string[];
  prior_shares: string[];
  subsidy: string;
  fee_bps: number;
  creator_fee_share_bps: number;
  ticks_per_unit: number;
  creator_id: string | null;
  funder_user_id: string | null;
  volume: string;
  platform_fees: string;
  creator_fees: string;
  creator_fees_clawed_back: string;
  trade_count: number;
  closed_at: Date | null;
  resolved_at: Date | null;
  settlement_funded_at: Date | null;
  settled_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** Every column of MarketRow, for statements that must spell their columns out (a named prepared statement). */
export const MARKET_COLUMNS =
  'id, question, description, category, status, closes_at, resolved_outcome, liquidity, outstanding_shares, prior_shares, subsidy, fee_bps, ' +
  'creator_fee_share_bps, ticks_per_unit, creator_id, funder_user_id, volume, platform_fees, creator_fees, creator_fees_clawed_back, trade_count, ' +
  'closed_at, resolved_at, settlement_funded_at, settled_at, created_at, updated_at';

/** The entity TypeORM would build from the row (every column of MarketEntity). */
function marketOfRow(row: MarketRow): MarketEntity {
  return Object.assign(new MarketEntity(), {
    id: row.id,
    question: row.question,
    description: row.description,
    category: row.category,
    status: row.status,
    closesAt: row.closes_at,
    resolvedOutcome: row.resolved_outcome,
    liquidity: BigInt(row.liquidity),
    outstandingShares: row.outstanding_shares.map(BigInt),
    priorShares: row.prior_shares.map(BigInt),
    subsidy: BigInt(row.subsidy),
    feeBps: row.fee_bps,
    creatorFeeShareBps: row.creator_fee_share_bps,
    ticksPerUnit: row.ticks_per_unit,
    creatorId: row.creator_id,
    funderUserId: row.funder_user_id,
    volume: BigInt(row.volume),
    platformFees: BigInt(row.platform_fees),
    creatorFees: BigInt(row.creator_fees),
    creatorFeesClawedBack: BigInt(row.creator_fees_clawed_back),
    tradeCount: row.trade_count,
    closedAt: row.closed_at,
    resolvedAt: row.resolved_at,
    settlementFundedAt: row.settlement_funded_at,
    settledAt: row.settled_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  });
}

/**
 * Reads and locks of the market tables, always on the caller's EntityManager (its transaction).
 * Only the markets module's services use it.
 */
export class MarketRepository {
  /** The entity of a raw row of `SELECT MARKET_COLUMNS FROM markets` (one the caller locked itself). */
  static ofRow(row: Record<string, unknown>): MarketEntity {
    return marketOfRow(row as unknown as MarketRow);
  }

  /** The market row under `SELECT … FOR UPDATE`: every trade and lifecycle step on one market runs one at a time. */
  static async lockForUpdate(manager: EntityManager, marketId: string): Promise<MarketEntity> {
    const market = await manager.getRepository(MarketEntity).findOne({ where: { id: marketId }, lock: { mode: 'pessimistic_write' } });
    if (!market) throw new NotFound(`Market ${marketId} not found`);
    return market;
  }

  /**
   * The market row under `SELECT … FOR UPDATE` and `userId`'s position in it, in ONE round trip: two statements
   * sent as one simple query. Each statement of a simple query takes its own snapshot (READ COMMITTED), so the
   * position is read after the lock is granted and sees what the previous holder of the lock wrote (one
   * statement joining the two would read the position from a snapshot taken before the wait). A simple query
   * has no parameters, so both ids are inlined, and only after they matched the UUID pattern.
   */
  static async lockWithPosition(manager: EntityManager, marketId: string, userId: string): Promise<{ market: MarketEntity; position: PositionRow | undefined }> {
    if (!isUuid(marketId)) throw new NotFound(`Market ${marketId} not found`);
    if (!isUuid(userId)) throw new Error(`lockWithPosition: user id ${userId} is not a UUID`);
    const client = (await manager.queryRunner!.connect()) as SimpleQueryClient;
    const results = await client.query(
      `SELECT * FROM markets WHERE id = '${marketId}' FOR UPDATE;
       SELECT shares, cost_basis, paid, received FROM market_positions WHERE market_id = '${marketId}' AND user_id = '${userId}'`,
    );
    const [row] = results[0].rows as MarketRow[];
    if (!row) throw new NotFound(`Market ${marketId} not found`);
    return { market: marketOfRow(row), position: results[1].rows[0] as PositionRow | undefined };
  }

  /** Share units of one outcome the user offers in open sell orders (held by those orders). */
  static async sharesInOpenSells(manager: EntityManager, marketId: string, userId: string, outcome: number): Promise<bigint> {
    const [row] = (await manager.query(
      `SELECT coalesce(sum(shares - filled_shares), 0)::text AS offered FROM market_orders
        WHERE market_id = $1 AND user_id = $2 AND outcome = $3 AND side = 'sell' AND status = 'open'`,
      [marketId, userId, outcome],
    )) as { offered: string }[];
    return BigInt(row.offered);
  }

  /** Also reached with ids from Socket.IO channel names (`market:<id>`), which no route pipe has checked. */
  static async find(manager: EntityManager, marketId: string): Promise<MarketEntity> {
    const market = isUuid(marketId) ? await manager.getRepository(MarketEntity).findOneBy({ id: marketId }) : null;
    if (!market) throw new NotFound(`Market ${marketId} not found`);
    return market;
  }

  static async labels(manager: EntityManager, marketId: string): Promise<string[]> {
    const rows = await manager.getRepository(MarketOutcomeEntity).find({ where: { marketId }, order: { index: 'ASC' } });
    return rows.map((row) => row.label);
  }

  static async labelsOf(manager: EntityManager, marketIds: string[]): Promise<Map<string, string[]>> {
    const byMarket = new Map<string, string[]>(marketIds.map((id) => [id, []]));
    if (marketIds.length === 0) return byMarket;
    const rows = (await manager.query(`SELECT market_id, label FROM market_outcomes WHERE market_id = ANY($1::uuid[]) ORDER BY market_id, index`, [
      marketIds,
    ])) as { market_id: string; label: string }[];
    for (const row of rows) byMarket.get(row.market_id)!.push(row.label);
    return byMarket;
  }
}
