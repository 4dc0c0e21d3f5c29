import { formatUsdc } from '../common/money/usdc';
import { midPrice } from './feed/decimal-price';
import type { PriceQuote } from './feed/price-quote';
import type { PerpListingDto } from './perp-listing.dto';
import type { PerpMarketDto } from './perp-market.dto';
import type { PerpMarket } from './perp-markets.service';

export function toPerpMarketDto(market: PerpMarket): PerpMarketDto {
  return {
    symbol: market.symbol,
    maxLeverage: market.maxLeverage,
    takerFeeBps: market.takerFeeBps,
    maintenanceMarginBps: market.maintenanceMarginBps,
    minMargin: formatUsdc(market.minMargin),
    halted: market.halted,
    updatedAt: market.updatedAt.toISOString(),
  };
}

/** A catalogue row with its latest quote (null before the first), for `GET /perps`. */
export function toPerpListingDto(market: PerpMarket, quote: PriceQuote | null, stale: boolean): PerpListingDto {
  return {
    symbol: market.symbol,
    bid: quote?.bid ?? null,
    ask: quote?.ask ?? null,
    mark: quote ? midPrice(quote.bid, quote.ask) : null,
    maxLeverage: market.maxLeverage,
    takerFeeBps: market.takerFeeBps,
    maintenanceMarginBps: market.maintenanceMarginBps,
    minMargin: formatUsdc(market.minMargin),
    halted: market.halted,
    stale,
    updatedAt: quote ? new Date(quote.receivedAt).toISOString() : null,
  };
}
