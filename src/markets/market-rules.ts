import type { AmountSign } from '../common/money/amount';
import { parseAmountField } from '../common/money/amount-field';
import { UNIT_DECIMALS } from './amm';
import type { FeeSchedule, LmsrState } from './amm';
import type { MarketEntity } from './market.entity';
import type { OutcomeRef } from './market.dto';
import { MarketClosed, UnknownOutcome } from './market-errors';

/** Pure rules of the markets service (no Nest, no database): units, outcome references, when a market trades. */

export { UNIT_DECIMALS, formatUnits } from './amm';

/** A decimal string of USDC or shares → minor units; a 400 naming the field when it does not fit. */
export function parseUnits(value: string, field: string, sign: AmountSign = 'positive'): bigint {
  return parseAmountField(value, { decimals: UNIT_DECIMALS, sign }, field);
}

export function lmsrStateOf(market: Pick<MarketEntity, 'liquidity' | 'outstandingShares' | 'priorShares'>): LmsrState {
  return { liquidity: market.liquidity, outstandingShares: market.outstandingShares, priorShares: market.priorShares };
}

/** The fee schedule of a trade by `traderId`: a creator earns no fee share on their own trades (all of it goes to `fees`). */
export function feeScheduleOf(market: Pick<MarketEntity, 'feeBps' | 'creatorFeeShareBps' | 'creatorId'>, traderId?: string): FeeSchedule {
  const ownTrade = traderId !== undefined && traderId === market.creatorId;
  return { feeBps: market.feeBps, creatorShareBps: ownTrade ? 0 : market.creatorFeeShareBps };
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

/** Refuses a market that is not OPEN or whose closesAt has passed, whether or not the close job has run. */
export function assertTradable(market: MarketEntity, now: Date = new Date()): void {
  if (market.status !== 'OPEN') throw new MarketClosed(`Market ${market.id} is ${market.status}; it no longer trades`, { status: market.status });
  if (market.closesAt.getTime() <= now.getTime()) {
    throw new MarketClosed(`Market ${market.id} closed at ${market.closesAt.toISOString()}`, { closesAt: market.closesAt.toISOString() });
  }
}
