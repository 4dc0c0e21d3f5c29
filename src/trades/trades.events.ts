import type { OrderDto, PositionDto } from './trades.dto';

/**
 * Perps events reach the player through the shared user channels (UsersRealtime): a position as
 * `position:update` (`kind: 'perp-position'`), an order as `order:update` (`kind: 'perp-order'`), and a
 * `notification` when a stop-loss, take-profit or liquidation closed a position. Balances follow from the
 * ledger's own `balance.changed` (`balance:update`).
 */
export type PerpPositionUpdate = { kind: 'perp-position' } & PositionDto;
export type PerpOrderUpdate = { kind: 'perp-order' } & OrderDto;

export interface PerpTriggerNotification {
  kind: 'perp-trigger';
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
  interface UserNotificationKinds {
    'perp-trigger': PerpTriggerNotification;
  }
}
