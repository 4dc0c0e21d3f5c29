import { Injectable } from '@nestjs/common';
import { CandleInterval } from './feed/candle-aggregator';
import { PriceFeedStale } from './feed/feed-errors';
import { PerpCandles, StoredCandle } from './feed/perp-candles.service';
import { PerpPrices } from './feed/perp-prices';
import { buildTicker, PerpTicker } from './feed/ticker';
import type { PerpListingDto } from './perp-listing.dto';
import { toPerpListingDto } from './perp-market.mapper';
import { PerpMarketsService } from './perp-markets.service';
import { PerpSymbols } from './perp-symbols.service';

export interface CandleQuery {
  interval: CandleInterval;
  from?: number;
  to?: number;
  limit: number;
}

/** The perps' public market data: the symbol list, candles and the 24 h ticker, on any instance (prices from PerpPrices, rules and history from PostgreSQL). */
@Injectable()
export class PerpMarketData {
  constructor(
    private readonly prices: PerpPrices,
    private readonly candles: PerpCandles,
    private readonly markets: PerpMarketsService,
    private readonly symbols: PerpSymbols,
  ) {}

  /** Every traded symbol (PERP_SYMBOLS; the catalogue keeps rows of removed ones), by name, with its rules and this instance's latest quote. */
  async listing(now = Date.now()): Promise<PerpListingDto[]> {
    const markets = (await this.markets.list()).filter((market) => this.symbols.isTraded(market.symbol));
    return markets.map((market) => toPerpListingDto(market, this.prices.latest(market.symbol), this.prices.isStale(market.symbol, now)));
  }

  async candlesOf(symbol: string, query: CandleQuery): Promise<{ symbol: string; interval: CandleInterval; candles: StoredCandle[] }> {
    this.prices.assertKnown(symbol);
    const candles = await this.candles.list(symbol, query.interval, query);
    return { symbol, interval: query.interval, candles };
  }

  /** The ticker; 503 PriceFeedStale when the feed never priced the symbol (a stale price is answered, marked `stale`). */
  async ticker(symbol: string, now = Date.now()): Promise<PerpTicker> {
    const ticker = await this.tickerOrNull(symbol, now);
    if (!ticker) throw new PriceFeedStale(symbol, null, this.prices.staleMs);
    return ticker;
  }

  async tickerOrNull(symbol: string, now = Date.now()): Promise<PerpTicker | null> {
    this.prices.assertKnown(symbol);
    const quote = this.prices.latest(symbol);
    if (!quote) return null;
    return buildTicker(quote, await this.candles.dayStats(symbol, now), this.prices.isStale(symbol, now));
  }
}
