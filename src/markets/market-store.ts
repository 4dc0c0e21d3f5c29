import { EntityManager } from 'typeorm';
import { InvalidField, NotFound } from '../common/errors/domain-error';
import { AmountFormatError, AmountSign, formatAmount, parseAmount } from '../common/money/amount';
import { SETTLEMENT_ASSET } from '../accounts/assets.service';
import { SystemAccount } from '../accounts/ledger.service';
import type { FeeSchedule, LmsrState } from './amm';
import { MarketEntity, MarketOutcomeEntity } from './market.entity';
import type { OutcomeRef } from './market.dto';
import { UnknownOutcome } from './market-errors';

/** USDC and shares both have 6 decimals. */
export const UNIT_DECIMALS = 6;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A decimal string of USDC or shares → minor units; a 400 naming the field when it does not fit. */
export function parseUnits(value: string, field: string, sign: AmountSign = 'positive'): bigint {
  try {
    return parseAmount(value, { decimals: UNIT_DECIMALS, sign }, field);
  } catch (error) {
    if (error instanceof AmountFormatError) throw new InvalidField(field, error.reason);
    throw error;
  }
}

export function formatUnits(value: bigint): string {
  return formatAmount(value, UNIT_DECIMALS);
}

export function lmsrStateOf(market: Pick<MarketEntity, 'liquidity' | 'outstandingShares' | 'priorShares'>): LmsrState {
  return { liquidity: market.liquidity, outstandingShares: market.outstandingShares, priorShares: market.priorShares };
}

export function feeScheduleOf(market: Pick<MarketEntity, 'feeBps' | 'creatorFeeShareBps'>): FeeSchedule {
  return { feeBps: market.feeBps, creatorShareBps: market.creatorFeeShareBps };
}

export function poolOf(marketId: string): { system: string } {
  return SystemAccount.marketPool(marketId) as { system: string };
}

/** Label (case-insensitive, exact match wins) or index → index; UnknownOutcome (400) otherwise. */
export function resolveOutcome(labels: readonly string[], ref: OutcomeRef): number {
  if (typeof ref === 'string') {
    const wanted = ref.trim().toLowerCase();
    const byLabel = labels.findIndex((label) => label.toLowerCase() === wanted);
    if (byLabel >= 0) return byLabel;
    if (!/^\d{1,2}$/.test(wanted)) throw new UnknownOutcome(`This market has no outcome "${ref}"`, { outcomes: labels });
    ref = Number(wanted);
  }
  if (!Number.isInteger(ref) || ref < 0 || ref >= labels.length) {
    throw new UnknownOutcome(`This market has no outcome ${ref}: indexes run from 0 to ${labels.length - 1}`, { outcomes: labels });
  }
  return ref;
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
