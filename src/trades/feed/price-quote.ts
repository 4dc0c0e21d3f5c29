/**
 * What the price feed gives every instance: the latest top of book per symbol. Prices and sizes are decimal
 * strings exactly as the exchange sent them (or the simulator made them).
 */
export interface PriceQuote {
  symbol: string;
  bid: string;
  ask: string;
  bidSize: string;
  askSize: string;
  /** The exchange's update id (`u`); a quote whose id is not newer than the last one is dropped. */
  updateId: number;
  /** Exchange event time, ms since epoch. */
  exchangeTime: number;
  /** When this process's feed received it, ms since epoch: staleness is measured from here. */
  receivedAt: number;
}

/**
 * Every instance's view of the feed (the feed itself runs on one instance at a time): the latest quote per
 * symbol, whether it is stale (no update for FEED_STALE_MS), and a listener for each new quote.
 * Implemented by `PerpPrices` (src/trades/feed/perp-prices.ts).
 */
export interface PriceBoard {
  latest(symbol: string): PriceQuote | null;
  isStale(symbol: string, now?: number): boolean;
  /** Returns the function that removes the listener. */
  onQuote(listener: (quote: PriceQuote) => void): () => void;
}
