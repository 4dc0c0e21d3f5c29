import type { EntityManager } from 'typeorm';
import type { PriceBoard } from '../feed/price-quote';

/**
 * What the perps venue needs from its neighbours in src/trades, as injection tokens so the venue and its
 * medium tests do not depend on how the feed and the market catalog are built.
 */

/** The feed's view (PerpPrices on every instance), as `freshQuote` needs it. */
export const PERP_PRICE_BOARD = Symbol('PerpPriceBoard');
export type PerpPriceBoard = PriceBoard & { isKnown(symbol: string): boolean; readonly staleMs: number };

/** One symbol's trading rules (PerpMarketsService). Bps and minimum margin as the service exposes them. */
export interface PerpMarketRules {
  maxLeverage: number;
  takerFeeBps: number;
  maintenanceMarginBps: number;
  /** USDC minor units. */
  minMargin: bigint;
  halted: boolean;
}

export interface PerpMarketCatalog {
  /** The rules of `symbol`, or undefined when it is not traded (not in PERP_SYMBOLS, or not in the catalogue). */
  rules(symbol: string): Promise<PerpMarketRules | undefined>;
  /** Whether `symbol` is in PERP_SYMBOLS. A shard of one that is not is winding down: it only closes, cancels and triggers what is open. */
  isTraded(symbol: string): boolean;
  /** Every symbol with a shard: the traded ones, then those winding down (removed from PERP_SYMBOLS with positions or orders open). */
  symbols(): string[];
}

export const PERP_MARKET_CATALOG = Symbol('PerpMarketCatalog');

/** Traded notional into the symbol's candles (PerpCandles.recordVolume), in the trade's own transaction. */
export interface PerpVolume {
  recordVolume(symbol: string, notional: string, at: Date, manager: EntityManager): Promise<void>;
}

export const PERP_VOLUME = Symbol('PerpVolume');
