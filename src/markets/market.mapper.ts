import { priceStrings } from './amm';
import type { MarketStateEvent } from './markets.events';
import type { MarketEntity } from './market.entity';
import type { MarketDto } from './market.dto';
import { formatUnits, lmsrStateOf } from './market-rules';
import { tickSizeOf } from './market-tick';

/** The API shape of a market, prices from its current LMSR state. */
export function toMarketDto(market: MarketEntity, labels: readonly string[]): MarketDto {
  const prices = priceStrings(lmsrStateOf(market));
  return {
    id: market.id,
    question: market.question,
    description: market.description,
    category: market.category,
    status: market.status,
    closesAt: market.closesAt.toISOString(),
    resolvedOutcome: market.resolvedOutcome,
    outcomes: labels.map((label, index) => ({ index, label, price: prices[index] })),
    volume: formatUnits(market.volume),
    liquidity: formatUnits(market.liquidity),
    subsidy: formatUnits(market.subsidy),
    feeBps: market.feeBps,
    tickSize: tickSizeOf(market.ticksPerUnit),
    creatorId: market.creatorId,
    settledAt: market.settledAt ? market.settledAt.toISOString() : null,
    createdAt: market.createdAt.toISOString(),
  };
}

export function toMarketStateEvent(market: MarketEntity): MarketStateEvent {
  return {
    marketId: market.id,
    status: market.status,
    prices: priceStrings(lmsrStateOf(market)),
    volume: formatUnits(market.volume),
    resolvedOutcome: market.resolvedOutcome,
  };
}
