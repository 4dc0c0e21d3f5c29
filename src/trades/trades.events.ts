import type { StoredCandle } from './feed/perp-candles.service';
import type { PerpTicker } from './feed/ticker';
import type { OrderDto, PositionDto } from './trades.dto';

/**
 * Live-markets events; `trades.realtime.ts` turns them into broadcasts. The price feed's leader raises the
 * market-data ones after its own writes (publishCommitted): `perp.ticker` at most 10 times a second per
 * symbol, `perp.candle` for each candle its once-a-second upsert changed (the stored row, volume included).
 */
export const TradesEvent = {
  Ticker: 'perp.ticker',
  Candle: 'perp.candle',
  Traded: 'perp.traded',
  /** A stop-loss, take-profit or liquidation closed a position (committed); the notifications module tells its owner. */
  PositionTriggered: 'perp.position-triggered',
} as const;

/** Positions opened or closed by one command of a symbol's shard (metrics: `venue_trades_total`, `venue_volume_usdc_total`). */
export interface PerpTradedEvent {
  symbol: string;
  action: 'open' | 'close';
  /** Positions opened or closed. */
  trades: number;
  /** Their notional, decimal string USDC. */
  notional: string;
}

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
    'perp.traded': PerpTradedEvent;
    'perp.position-triggered': PerpPositionTriggeredEvent;
  }
}

/**
 * Perps events reach the player through the shared user channels (UsersRealtime): a position as
 * `position:update` (`kind: 'perp-position'`) and an order as `order:update` (`kind: 'perp-order'`); a
 * stop-loss, take-profit or liquidation raises `perp.position-triggered`, which the notifications module stores
 * and pushes as a `notification`. Balances follow from the ledger's own `balance.changed` (`balance:update`).
 */
export type PerpPositionUpdate = { kind: 'perp-position' } & PositionDto;
export type PerpOrderUpdate = { kind: 'perp-order' } & OrderDto;

export interface PerpPositionTriggeredEvent {
  userId: string;
  reason: 'stop_loss' | 'take_profit' | 'liquidation';
  positionId: string;
  symbol: string;
  message: string;
  /** The tick's price the position closed at. */
  price: string;
  payout: string;
  at: string;
}

declare module '../realtime/realtime.events' {
  interface UserPositionKinds {
    'perp-position': PerpPositionUpdate;
  }
  interface UserOrderKinds {
    'perp-order': PerpOrderUpdate;
  }
}
