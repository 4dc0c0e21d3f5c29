import { freshQuote } from '../feed/perp-prices';
import { parsePrice } from '../core/price';
import type { PerpPriceBoard } from './perp-venue-deps';

export interface TopOfBook {
  bid: bigint;
  ask: bigint;
}

/** The latest top of book of `symbol` in price units, or the feed's PriceFeedStale (503). */
export function freshTopOfBook(board: PerpPriceBoard, symbol: string): TopOfBook {
  const quote = freshQuote(board, symbol);
  return { bid: parsePrice(quote.bid, 'bid'), ask: parsePrice(quote.ask, 'ask') };
}

/** The latest top of book whatever its age (marks for reads), or null. */
export function latestTopOfBook(board: PerpPriceBoard, symbol: string): TopOfBook | null {
  const quote = board.latest(symbol);
  return quote ? { bid: parsePrice(quote.bid, 'bid'), ask: parsePrice(quote.ask, 'ask') } : null;
}
