import type { PriceQuote } from './price-quote';

/** Where the feed leader's quotes come from (the simulator or an exchange stream). Started on takeover, stopped on step-down. */
export interface QuoteSource {
  start(onQuote: (quote: PriceQuote) => void): void;
  stop(): Promise<void>;
}

/** Counters a source keeps for /metrics and the logs. */
export interface QuoteSourceStats {
  quotes: number;
  malformed: number;
  outOfOrder: number;
  connects: number;
}
