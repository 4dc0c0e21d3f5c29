import type { StoredCandle } from './feed/perp-candles.service';
import type { PerpTicker } from './feed/ticker';

/**
 * Live-markets events; `trades.realtime.ts` turns them into broadcasts. The price feed's leader raises the
 * market-data ones after its own writes (publishCommitted): `perp.ticker` at most 10 times a second per
 * symbol, `perp.candle` for each candle its once-a-second upsert changed (the stored row, volume included).
 */
export const TradesEvent = {
  Ticker: 'perp.ticker',
  Candle: 'perp.candle',
} as const;

export interface PerpTickerEvent {
  symbol: string;
  ticker: PerpTicker;
}

export interface PerpCandleEvent {
  symbol: string;
  candle: StoredCandle;
}

declare module '../common/events/domain-event-map' {
  interface DomainEventMap {
    'perp.ticker': PerpTickerEvent;
    'perp.candle': PerpCandleEvent;
  }
}
