import { domainError } from '../../common/errors/domain-error';
import { parsePrice } from '../core/price';
import type { PerpPriceBoard } from './perp-venue-deps';

/** No quote for the symbol, or none for longer than FEED_STALE_MS: nothing fills at a price that may be gone. */
export class PriceFeedStale extends domainError(503, 'PriceFeedStale', (symbol: string) => ({ message: `The price feed for ${symbol} is stale; retry shortly`, details: { symbol, retryable: true } })) {}

export interface TopOfBook {
  bid: bigint;
  ask: bigint;
}

/** The latest top of book of `symbol` in price units, or PriceFeedStale. */
export function freshTopOfBook(board: PerpPriceBoard, symbol: string): TopOfBook {
  const quote = board.latest(symbol);
  if (!quote || board.isStale(symbol)) throw new PriceFeedStale(symbol);
  return { bid: parsePrice(quote.bid, 'bid'), ask: parsePrice(quote.ask, 'ask') };
}

/** The latest top of book whatever its age (marks for reads), or null. */
export function latestTopOfBook(board: PerpPriceBoard, symbol: string): TopOfBook | null {
  const quote = board.latest(symbol);
  return quote ? { bid: parsePrice(quote.bid, 'bid'), ask: parsePrice(quote.ask, 'ask') } : null;
}
