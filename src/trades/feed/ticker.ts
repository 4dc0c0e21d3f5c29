import { Decimal } from 'decimal.js';
import { compareDecimals, maxDecimal, midPrice, minDecimal } from './decimal-price';
import type { PriceQuote } from './price-quote';

/** Exact enough for a percentage of two decimal strings; the result is rounded to 2 decimals. */
const PercentDecimal = Decimal.clone({ precision: 40, rounding: Decimal.ROUND_HALF_EVEN });

/** What the last 24 hours of 1m candles say (null fields when there are none). */
export interface DayStats {
  /** The mid price 24 h ago: the open of the first 1m candle in the window. */
  open: string | null;
  high: string | null;
  low: string | null;
  volume: string;
}

export interface PerpTicker {
  symbol: string;
  /** The latest mid price, (bid + ask) / 2. */
  last: string;
  bid: string;
  ask: string;
  open24h: string;
  change24h: string;
  /** Percent, 2 decimals: `"-1.25"`. */
  changePercent24h: string;
  high24h: string;
  low24h: string;
  /** USDC notional traded on this venue in the last 24 h. */
  volume24h: string;
  stale: boolean;
  /** When the quote behind `last` was received, ISO 8601. */
  updatedAt: string;
}

function subtract(a: string, b: string): string {
  return new PercentDecimal(a).minus(b).toFixed();
}

/** The 24 h ticker from the latest quote and the day's candles; the quote's mid widens high and low if it is beyond them. */
export function buildTicker(quote: PriceQuote, day: DayStats, stale: boolean): PerpTicker {
  const last = midPrice(quote.bid, quote.ask);
  const open = day.open ?? last;
  const high = day.high ? maxDecimal(day.high, last) : last;
  const low = day.low ? minDecimal(day.low, last) : last;
  const change = subtract(last, open);
  const percent = compareDecimals(open, '0') === 0 ? '0.00' : new PercentDecimal(change).times(100).div(open).toFixed(2);
  return {
    symbol: quote.symbol,
    last,
    bid: quote.bid,
    ask: quote.ask,
    open24h: open,
    change24h: change,
    changePercent24h: percent === '-0.00' ? '0.00' : percent,
    high24h: high,
    low24h: low,
    volume24h: day.volume,
    stale,
    updatedAt: new Date(quote.receivedAt).toISOString(),
  };
}
