import type { BookDeltaDto, MarketOrderDto } from './market-order.dto';
/** Prediction-market events; `markets.realtime.ts` turns them into `market:*` broadcasts. */
export const MarketEvent = {
  Created: 'market.created',
  Traded: 'market.traded',
  Closed: 'market.closed',
  Resolved: 'market.resolved',
  /** Cancelled by an admin; refunds are being paid. */
  Cancelling: 'market.cancelling',
  /** Every refund of a cancelled market is paid. */
  Cancelled: 'market.cancelled',
  Updated: 'market.updated',
  PositionsSettled: 'market.positions-settled',
  /** Every position of a resolved or cancelled market was paid and the pool returned: its results are final. */
  Settled: 'market.settled',
  /** Price levels of one outcome's book changed (realtime `book:update`, one per delta, in sequence). */
  BookChanged: 'market.book.changed',
} as const;

/** A prediction market's public state after a change (realtime `market:update`, `market:created`, ...). */
export interface MarketStateEvent {
  marketId: string;
  status: 'OPEN' | 'CLOSED' | 'RESOLVED' | 'CANCELLING' | 'CANCELLED';
  /** 6-decimal strings per outcome index, summing to 1. */
  prices: string[];
  /** Decimal string, USDC. */
  volume: string;
  resolvedOutcome: number | null;
}

/** One committed prediction-market fill (realtime `market:trade` on `market:<id>`). */
export interface MarketTradedEvent extends MarketStateEvent {
  tradeId: string;
  userId: string;
  side: 'buy' | 'sell';
  outcome: number;
  /** Decimal strings. */
  shares: string;
  amount: string;
  fee: string;
  averagePrice: string;
  at: string;
}

/**
 * One committed batch of a RESOLVED or CANCELLED market's settlement: what each holder in it got (decimal USDC,
 * possibly 0 for a losing outcome). Each position is in exactly one batch; for the notifications module.
 */
export interface MarketPositionsSettledEvent {
  marketId: string;
  question: string;
  status: 'RESOLVED' | 'CANCELLED';
  resolvedOutcome: number | null;
  resolvedOutcomeLabel: string | null;
  payments: { userId: string; amount: string }[];
}

export interface MarketSettledEvent {
  marketId: string;
  status: 'RESOLVED' | 'CANCELLED';
}

export interface MarketBookChangedEvent {
  marketId: string;
  outcome: number;
  /** Consecutive sequences, ascending. */
  deltas: BookDeltaDto[];
}

declare module '../common/events/domain-event-map' {
  interface DomainEventMap {
    'market.created': MarketStateEvent;
    'market.traded': MarketTradedEvent;
    'market.closed': MarketStateEvent;
    'market.resolved': MarketStateEvent;
    'market.cancelling': MarketStateEvent;
    'market.cancelled': MarketStateEvent;
    'market.updated': MarketStateEvent;
    'market.positions-settled': MarketPositionsSettledEvent;
    'market.settled': MarketSettledEvent;
    'market.book.changed': MarketBookChangedEvent;
  }
}

/**
 * A limit order reaches its owner through the shared user channel (UsersRealtime) as `order:update` with
 * `kind: 'market-order'`, the order as the REST API shows it, on every placement, fill, cancel and expiry.
 */
export type MarketOrderUpdate = { kind: 'market-order' } & MarketOrderDto;

declare module '../realtime/realtime.events' {
  interface UserOrderKinds {
    'market-order': MarketOrderUpdate;
  }
}
