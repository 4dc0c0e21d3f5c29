import { EntityManager } from 'typeorm';
import { NotFound } from '../common/errors/domain-error';
import { SETTLEMENT_ASSET } from '../accounts/assets.service';
import { SystemAccount } from '../accounts/ledger.service';
import { MarketEntity, MarketOutcomeEntity } from './market.entity';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function poolOf(marketId: string): { system: string } {
  return SystemAccount.marketPool(marketId) as { system: string };
}

/**
 * Reads and locks of the market tables, always on the caller's EntityManager (its transaction).
 * Only the markets module's services use it.
 */
export class MarketStore {
  /** The market row under `SELECT … FOR UPDATE`: every trade and lifecycle step on one market runs one at a time. */
  static async lockForUpdate(manager: EntityManager, marketId: string): Promise<MarketEntity> {
    const market = UUID.test(marketId)
      ? await manager.getRepository(MarketEntity).findOne({ where: { id: marketId }, lock: { mode: 'pessimistic_write' } })
      : null;
    if (!market) throw new NotFound(`Market ${marketId} not found`);
    return market;
  }

  static async find(manager: EntityManager, marketId: string): Promise<MarketEntity> {
    const market = UUID.test(marketId) ? await manager.getRepository(MarketEntity).findOneBy({ id: marketId }) : null;
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

  /** The pool account's balance (0 before it exists). */
  static async poolBalance(manager: EntityManager, marketId: string): Promise<bigint> {
    const rows = (await manager.query(`SELECT available FROM accounts WHERE system_key = $1 AND asset = $2 AND shard = 0`, [poolOf(marketId).system, SETTLEMENT_ASSET])) as {
      available: string;
    }[];
    return rows.length > 0 ? BigInt(rows[0].available) : 0n;
  }
}
