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
  }
}
