import { Logger } from '@nestjs/common';
import type { EventEmitter2 } from '@nestjs/event-emitter';
import { priceStrings } from './amm';
import type { MarketStateEvent } from '../common/events/domain-events';
import type { MarketEntity } from './market.entity';
import type { MarketDto } from './market.dto';
import { formatUnits, lmsrStateOf } from './market-rules';

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

const eventsLogger = new Logger('MarketEvents');

/**
 * Emits a domain event after the command committed. A failing listener (a broadcast on a closing Redis
 * connection, say) is logged, never thrown: the money already moved, so the caller must get its answer.
 */
export function emitCommitted(events: EventEmitter2, name: string, payload: object): void {
  try {
    events.emit(name, payload);
  } catch (error) {
    eventsLogger.warn(`${name} listener failed after commit: ${(error as Error).message}`);
  }
}
